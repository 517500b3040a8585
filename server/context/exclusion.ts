// Content exclusion: files that are never sent to the model nor completed (secrets by default, plus the
// user's globs). Pure. A pattern without a slash matches a file name anywhere; one with a slash matches
// the path relative to a workspace folder (or the whole path when the file is in none).
import picomatch from 'picomatch';

export const BUILT_IN_EXCLUDES: readonly string[] = ['.env*', '*.pem', '*.key', 'id_rsa*'];

type Matcher = (relativePath: string) => boolean;
const cache = new Map<string, Matcher>();

/** Name patterns test the file name, path patterns the relative path (picomatch's `basename` would apply to both). */
function matcher(patterns: readonly string[]): Matcher {
  const id = patterns.join('\0');
  let m = cache.get(id);
  if (!m) {
    const options = { dot: true, nocase: process.platform === 'win32' };
    const byName = picomatch(patterns.filter((p) => !p.includes('/')), options);
    const byPath = picomatch(patterns.filter((p) => p.includes('/')), options);
    m = (relative) => byName(relative.slice(relative.lastIndexOf('/') + 1)) || byPath(relative);
    if (cache.size > 16) cache.clear();
    cache.set(id, m);
  }
  return m;
}

export function isExcluded(uri: string, userPatterns: readonly string[], workspaceFolders: readonly string[]): boolean {
  const path = decode(uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, ''));
  const folder = workspaceFolders.find((f) => uri.startsWith(f.endsWith('/') ? f : `${f}/`));
  const relative = folder ? decode(uri.slice(folder.replace(/\/$/, '').length + 1)) : path.replace(/^\//, '');
  return isExcludedPath(relative, userPatterns);
}

/** The same test for a path already relative to its workspace folder (`/`-separated, not encoded). */
export function isExcludedPath(relativePath: string, userPatterns: readonly string[]): boolean {
  return matcher([...BUILT_IN_EXCLUDES, ...userPatterns])(relativePath);
}

/** Percent-decoding that never throws: a malformed escape stays as written. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
