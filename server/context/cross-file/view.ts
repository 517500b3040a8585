// What the context engine may know of the workspace: which files exist and their texts, as a synchronous
// lookup that the caller fills (the disk layer reads; the editor's unsaved buffers win). Paths are
// '/'-separated and compared as strings; resolution is lexical (path.posix), so paths may be absolute or
// relative to one root, as long as the caller is consistent.
import path from 'node:path/posix';

export interface WorkspaceView {
  /** The workspace folders, in the same form as every path (for Python's top-level packages, `src/` layouts). */
  readonly roots: readonly string[];
  /** Whether `path` is a file the model may see (existing, not ignored, not excluded). */
  has(path: string): boolean;
  /** The files directly in `dir` that the model may see (Go packages are directories). */
  list(dir: string): readonly string[];
  /**
   * The text of `path` (the open buffer's when open, else the disk's), or undefined when not known yet.
   * Asked for import targets and for small configuration files (tsconfig.json, jsconfig.json, go.mod).
   */
  text(path: string): string | undefined;
}

/** A WorkspaceView over a list of files and a map of known texts (tests, and callers that hold both). */
export function workspaceViewOf(files: Iterable<string>, texts: ReadonlyMap<string, string>, roots: readonly string[] = ['']): WorkspaceView {
  const all = new Set(files);
  for (const p of texts.keys()) all.add(p);
  const byDir = new Map<string, string[]>();
  for (const p of all) {
    const dir = dirOf(p);
    let list = byDir.get(dir);
    if (list === undefined) byDir.set(dir, (list = []));
    list.push(p);
  }
  for (const list of byDir.values()) list.sort();
  return {
    roots,
    has: (p) => all.has(p),
    list: (dir) => byDir.get(normalizeDir(dir)) ?? [],
    text: (p) => texts.get(p),
  };
}

/** The directory of a path: '' for a relative path without one (never '.'). */
export function dirOf(p: string): string {
  const d = path.dirname(p);
  return d === '.' ? '' : d;
}

/** Joins and normalises lexically; '' for the relative root. */
export function joinPath(...parts: string[]): string {
  const j = path.join(...parts.filter((p) => p !== ''));
  return j === '.' ? '' : j;
}

function normalizeDir(dir: string): string {
  if (dir === '' || dir === '.') return '';
  const n = path.normalize(dir);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** The directories from `dir` up to (and including) the root that holds it, nearest first. */
export function ancestors(dir: string, roots: readonly string[]): string[] {
  const root = roots.filter((r) => r === '' || dir === r || dir.startsWith(r.endsWith('/') ? r : r + '/')).sort((a, b) => b.length - a.length)[0];
  const out: string[] = [];
  let d = dir;
  for (;;) {
    out.push(d);
    if (d === root || d === '' || d === '/') break;
    const up = dirOf(d);
    if (up === d) break;
    d = up;
  }
  return out;
}
