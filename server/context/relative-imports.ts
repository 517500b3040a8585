// The workspace files a file imports, found by a lexical scan of its import statements: relative imports
// in JavaScript/TypeScript, Python (relative, and absolute ones that may name a workspace module), C/C++
// `#include "…"` and Rust `mod x;`. Pure: gives candidate paths in order; the caller keeps the first that exists.
import { posix } from 'node:path';

/** At most this many imports are followed per file. */
export const MAX_IMPORTS = 20;

const JS_LANGS = new Set(['javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'vue', 'svelte']);
const JS_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];

/**
 * For each import of `text` (a file at `path`, relative to the workspace folder, `/`-separated) that may name a
 * workspace file: the candidate paths, most likely first. Imports that leave the folder are dropped.
 */
export function importCandidates(path: string, languageId: string, text: string): string[][] {
  const dir = posix.dirname(path);
  const out: string[][] = [];
  const seen = new Set<string>();
  const push = (candidates: string[]) => {
    const inside = candidates.map((c) => posix.normalize(c)).filter((c) => c !== '..' && !c.startsWith('../') && !posix.isAbsolute(c) && c !== '.');
    const key = inside.join('\0');
    if (inside.length === 0 || seen.has(key) || out.length >= MAX_IMPORTS) return;
    seen.add(key);
    out.push(inside);
  };
  const lang = languageId.toLowerCase();
  if (JS_LANGS.has(lang)) {
    const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"\n]*)\1/g;
    for (const m of text.matchAll(re)) push(jsCandidates(posix.join(dir, m[2]!)));
  } else if (lang === 'python') {
    for (const m of text.matchAll(/^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([\w, \t()]+)/gm)) {
      const dots = m[1]!.length;
      const module = m[2]!;
      if (dots === 0) {
        push(pythonCandidates(module.split('.').join('/')));
        continue;
      }
      const base = posix.join(dir, ...Array<string>(dots - 1).fill('..'));
      if (module !== '') push(pythonCandidates(posix.join(base, ...module.split('.'))));
      else for (const name of m[3]!.replace(/[()]/g, '').split(',').map((n) => n.trim().split(/\s+/)[0]!).filter(Boolean)) push(pythonCandidates(posix.join(base, name)));
    }
    for (const m of text.matchAll(/^[ \t]*import[ \t]+([\w.]+)/gm)) push(pythonCandidates(m[1]!.split('.').join('/')));
  } else if (lang === 'c' || lang === 'cpp' || lang === 'objective-c' || lang === 'objective-cpp') {
    for (const m of text.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"\n]+)"/gm)) push([posix.join(dir, m[1]!), m[1]!]);
  } else if (lang === 'rust') {
    for (const m of text.matchAll(/^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?mod[ \t]+(\w+)[ \t]*;/gm)) {
      const stem = posix.basename(path, '.rs');
      const home = stem === 'mod' || stem === 'lib' || stem === 'main' ? dir : posix.join(dir, stem);
      push([posix.join(home, `${m[1]}.rs`), posix.join(home, m[1]!, 'mod.rs')]);
    }
  }
  return out;
}

function jsCandidates(joined: string): string[] {
  const ext = posix.extname(joined);
  const stem = /^\.[cm]?jsx?$/.test(ext) ? joined.slice(0, -ext.length) : undefined;
  if (stem !== undefined) {
    // ESM style: `./x.js` names the `x.ts` that compiles to it.
    return [joined, ...JS_EXTENSIONS.map((e) => stem + e)];
  }
  if (ext !== '' && ext !== '.') return [joined, ...JS_EXTENSIONS.map((e) => joined + e)];
  return [...JS_EXTENSIONS.map((e) => joined + e), ...JS_EXTENSIONS.map((e) => posix.join(joined, `index${e}`))];
}

function pythonCandidates(modulePath: string): string[] {
  return [`${modulePath}.py`, posix.join(modulePath, '__init__.py'), `${modulePath}.pyi`];
}
