// Which workspace files an edit's target imports: the cross-file resolver (tree-sitter; TypeScript/JavaScript
// with tsconfig `baseUrl`/`paths`, Python, Go) for the languages it understands, its parsers loaded on the
// first edit that needs them; else, or when they cannot load, a lexical scan of relative imports.
import { posix } from 'node:path';
import { languageOfPath, resolveImports, workspaceViewOf } from '../context/cross-file/index.js';
import { importCandidates } from '../context/relative-imports.js';
import type { ServerContext } from './context.js';
import { syntaxParsers } from './syntax.js';

/** Configuration files the resolver reads when they lie in the target's directory or above it. */
const CONFIG_FILES = ['tsconfig.json', 'jsconfig.json', 'go.mod'];

/**
 * The workspace files `target` imports, in order of import, relative to its folder. `files` is the folder's
 * listing; `textOf` gives the text of a listed file (for configuration files), or undefined when it cannot be read.
 */
export async function importedFiles(
  ctx: ServerContext,
  target: { path: string; text: string; languageId: string },
  files: readonly string[],
  textOf: (path: string) => Promise<string | undefined>,
): Promise<string[]> {
  const listed = new Set(files);
  const language = languageOfPath(target.path);
  const loaded = language === undefined ? undefined : await syntaxParsers(ctx.log);
  if (language !== undefined && loaded?.languages.includes(language)) {
    const texts = new Map<string, string>([[target.path, target.text]]);
    for (let dir = posix.dirname(target.path); ; dir = posix.dirname(dir)) {
      for (const name of CONFIG_FILES) {
        const path = dir === '.' ? name : `${dir}/${name}`;
        if (!listed.has(path)) continue;
        const text = await textOf(path);
        if (text !== undefined) texts.set(path, text);
      }
      if (dir === '.' || dir === '/' || dir === '') break;
    }
    const view = workspaceViewOf(files, texts, ['']);
    const modules = resolveImports(loaded, { path: target.path, text: target.text, language }, view);
    return unique(modules.flatMap((m) => m.files).filter((p) => p !== target.path));
  }
  const found = importCandidates(target.path, target.languageId, target.text).map((candidates) => candidates.find((c) => listed.has(c)));
  return unique(found.filter((p): p is string => p !== undefined && p !== target.path));
}

const unique = (items: readonly string[]): string[] => [...new Set(items)];
