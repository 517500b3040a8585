// Content exclusion: files that are never sent to the model nor completed (secrets by default, plus the
// user's globs). Pure. A pattern without a slash matches a file name anywhere; one with a slash matches
// the path relative to a workspace folder (or the whole path when the file is in none).
import picomatch from 'picomatch';

export const BUILT_IN_EXCLUDES: readonly string[] = ['.env*', '*.pem', '*.key', 'id_rsa*'];

type Matcher = (relativePath: string) => boolean;
/** By the `spark.exclude` array itself (the settings keep one until they change), else by its patterns. */
const byArray = new WeakMap<readonly string[], Matcher>();
const byPatterns = new Map<string, Matcher>();

/**
 * Name patterns test the file name, path patterns the relative path (picomatch's `basename` would apply to both).
 * Each side is one regular expression made from picomatch's, and a path matches as picomatch's own matcher
 * would have it: equal to a pattern, or matched by its expression (a test asserts both agree). Checked on every
 * request, this allocates nothing; picomatch's matcher builds a result object per pattern per call.
 */
function matcher(userPatterns: readonly string[]): Matcher {
  let m = byArray.get(userPatterns);
  if (m !== undefined) return m;
  const id = userPatterns.join('\0');
  m = byPatterns.get(id);
  if (m === undefined) {
    const patterns = [...BUILT_IN_EXCLUDES, ...userPatterns];
    const name = anyOf(patterns.filter((p) => !p.includes('/')));
    const path = anyOf(patterns.filter((p) => p.includes('/')));
    m = (relative) => name(relative.slice(relative.lastIndexOf('/') + 1)) || path(relative);
    if (byPatterns.size >= 16) byPatterns.clear();
    byPatterns.set(id, m);
  }
  byArray.set(userPatterns, m);
  return m;
}

const WINDOWS = process.platform === 'win32';
const GLOB_OPTIONS = { dot: true, nocase: WINDOWS, windows: WINDOWS };

function anyOf(globs: readonly string[]): (input: string) => boolean {
  if (globs.length === 0) return () => false;
  const exact = new Set(globs);
  const res = globs.map((g) => picomatch.makeRe(g, GLOB_OPTIONS));
  const re = new RegExp(res.map((r) => r.source).join('|'), res[0]!.flags);
  return (input) => {
    if (input === '') return false;
    const path = WINDOWS ? input.replace(/\\/g, '/') : input;
    return exact.has(input) || exact.has(path) || re.test(path);
  };
}

export function isExcluded(uri: string, userPatterns: readonly string[], workspaceFolders: readonly string[]): boolean {
  const path = decode(uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''));
  const folder = workspaceFolders.find((f) => uri.startsWith(f.endsWith('/') ? f : `${f}/`));
  const relative = folder ? decode(uri.slice(folder.replace(/\/$/, '').length + 1)) : path.replace(/^\//, '');
  return isExcludedPath(relative, userPatterns);
}

/** The same test for a path already relative to its workspace folder (`/`-separated, not encoded). */
export function isExcludedPath(relativePath: string, userPatterns: readonly string[]): boolean {
  return matcher(userPatterns)(relativePath);
}

/** Percent-decoding that never throws: a malformed escape stays as written. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
