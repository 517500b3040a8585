// Syntax trees for the languages cross-file context understands, through tree-sitter's WebAssembly runtime
// and the grammars shipped in @vscode/tree-sitter-wasm. loadParsers() is the one asynchronous step (it loads
// the runtime and grammar files of that package, never a workspace file); everything else is synchronous.
import treeSitter from '@vscode/tree-sitter-wasm';
import type { Language, Node, Parser, Tree } from '@vscode/tree-sitter-wasm';
import { createRequire } from 'node:module';

export type { Node } from '@vscode/tree-sitter-wasm';

/** The languages whose imports and declarations are understood. */
export type SourceLanguage = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go';

export const SOURCE_LANGUAGES: readonly SourceLanguage[] = ['typescript', 'tsx', 'javascript', 'python', 'go'];

/**
 * Parses text into syntax trees. Not safe to share across threads; one instance serves a whole server.
 * A tree lives in WebAssembly memory until deleted: prefer withTree(), which always deletes it.
 */
export interface Parsers {
  /** Languages loaded; parse() throws for others. */
  readonly languages: readonly SourceLanguage[];
  parse(language: SourceLanguage, text: string): Tree;
}

const EXTENSIONS: Record<string, SourceLanguage> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
};

/** The language of a file from its name (`.d.ts` is TypeScript), or undefined when not understood. */
export function languageOfPath(path: string): SourceLanguage | undefined {
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return undefined;
  return EXTENSIONS[path.slice(dot).toLowerCase()];
}

/** The fence info string used when a file of `language` is shown to the model. */
export function fenceLanguage(language: SourceLanguage | undefined): string {
  switch (language) {
    case 'typescript':
    case 'tsx':
      return 'typescript';
    case undefined:
      return '';
    default:
      return language;
  }
}

/** Parses `text`, hands the root to `fn`, and deletes the tree whatever happens. */
export function withTree<T>(parsers: Parsers, language: SourceLanguage, text: string, fn: (root: Node) => T): T {
  const tree = parsers.parse(language, text);
  try {
    return fn(tree.rootNode);
  } finally {
    tree.delete();
  }
}

const GRAMMAR_FILE: Record<SourceLanguage, string> = {
  typescript: 'tree-sitter-typescript.wasm',
  tsx: 'tree-sitter-tsx.wasm',
  javascript: 'tree-sitter-javascript.wasm',
  python: 'tree-sitter-python.wasm',
  go: 'tree-sitter-go.wasm',
};

/**
 * Initialises the tree-sitter runtime and loads the grammars of `languages` (all by default) from the
 * installed package. Call once at start-up, off the request path; the result is then used synchronously.
 */
export async function loadParsers(languages: readonly SourceLanguage[] = SOURCE_LANGUAGES): Promise<Parsers> {
  await treeSitter.Parser.init();
  const require = createRequire(import.meta.url);
  const loaded = new Map<SourceLanguage, Language>();
  for (const language of languages) {
    const file = require.resolve(`@vscode/tree-sitter-wasm/wasm/${GRAMMAR_FILE[language]}`);
    loaded.set(language, await treeSitter.Language.load(file));
  }
  const parser: Parser = new treeSitter.Parser();
  let current: SourceLanguage | undefined;
  return {
    languages: [...loaded.keys()],
    parse(language, text) {
      if (current !== language) {
        const grammar = loaded.get(language);
        if (grammar === undefined) throw new Error(`no tree-sitter grammar loaded for ${JSON.stringify(language)}`);
        parser.setLanguage(grammar);
        current = language;
      }
      const tree = parser.parse(text);
      if (tree === null) throw new Error(`tree-sitter returned no tree for a ${language} text of ${text.length} characters`);
      return tree;
    },
  };
}

// ------------------------------------------------------------------------------------------ node helpers

/** The named children of `node` (the runtime types them as possibly null; they never are). */
export function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

export function field(node: Node, name: string): Node | undefined {
  return node.childForFieldName(name) ?? undefined;
}

/** The value of a string literal node (quotes removed; escapes left as written). */
export function stringValue(node: Node): string {
  const t = node.text;
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'" || t[0] === '`') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}
