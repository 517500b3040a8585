// gitignore semantics for one workspace folder: the rules of every `.gitignore` met on the walk (each
// relative to its own directory) and `.git/info/exclude`, matched with the `ignore` package. Pure: the
// listing reads the files and hands their text in.
// Precedence follows git: info/exclude lowest, then the root .gitignore, then deeper ones; the last rule
// that matches a path decides, so a deeper `!pattern` re-includes what a shallower rule ignored. A file
// under an ignored directory cannot be re-included (the walk never enters that directory).
import ignore, { type Ignore } from 'ignore';

/** The key info/exclude is stored under (tested with paths relative to the folder, before the root .gitignore). */
const INFO_EXCLUDE = '\0info/exclude';
/** git's core.ignorecase defaults to how the file system compares names. */
const OPTIONS = { allowRelativePaths: true, ignorecase: process.platform === 'win32' || process.platform === 'darwin' };

/** The texts rules were built from, as [directory or the info/exclude key, text]: what crosses a thread. */
export type IgnoreSources = [string, string][];

export class IgnoreRules {
  /** Directory relative to the folder ('' for the root) -> its rules, and the text they came from. */
  private readonly byDir = new Map<string, { rules: Ignore; text: string }>();

  /** Rules built again from `sources()` of another instance (another thread's). */
  static fromSources(sources: IgnoreSources): IgnoreRules {
    const rules = new IgnoreRules();
    for (const [dir, text] of sources) rules.set(dir, text);
    return rules;
  }

  sources(): IgnoreSources {
    return [...this.byDir].map(([dir, { text }]) => [dir, text]);
  }

  /** Adds the text of `<dir>/.gitignore` (dir relative to the folder, '' for the root). */
  addGitignore(dir: string, text: string): void {
    this.set(dir, text);
  }

  /** Adds the text of `.git/info/exclude`. */
  addInfoExclude(text: string): void {
    this.set(INFO_EXCLUDE, text);
  }

  /** Drops the rules of `<dir>/.gitignore` (the file was deleted). */
  removeGitignore(dir: string): void {
    this.byDir.delete(dir);
  }

  private set(key: string, text: string): void {
    this.byDir.set(key, { rules: ignore(OPTIONS).add(text), text });
  }

  hasRulesIn(dir: string): boolean {
    return this.byDir.has(dir);
  }

  /** Whether a path relative to the folder (`/`-separated) is ignored; `isDir` for directories. */
  ignores(relative: string, isDir: boolean): boolean {
    if (this.byDir.size === 0) return false;
    let ignored = false;
    const test = (entry: { rules: Ignore } | undefined, sub: string) => {
      if (!entry || sub === '') return;
      const r = entry.rules.test(isDir ? `${sub}/` : sub);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    };
    test(this.byDir.get(INFO_EXCLUDE), relative);
    test(this.byDir.get(''), relative);
    for (let i = relative.indexOf('/'); i >= 0; i = relative.indexOf('/', i + 1)) {
      test(this.byDir.get(relative.slice(0, i)), relative.slice(i + 1));
    }
    return ignored;
  }
}
