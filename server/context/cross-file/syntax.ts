// Syntax trees for the languages cross-file context understands, through tree-sitter's WebAssembly runtime
// and the grammars shipped in @vscode/tree-sitter-wasm. loadParsers() is the one asynchronous step (it loads
// the runtime and grammar files of that package, never a workspace file); everything else is synchronous.
import treeSitter from '@vscode/tree-sitter-wasm';
import type { Edit, Language, Node, Parser, Point, Tree } from '@vscode/tree-sitter-wasm';
import { createRequire } from 'node:module';
import { commonPrefix, commonSuffix, lineBreaks, lineStartAt } from '../../edits/changed-lines.js';
import { allSteps, STEP_CHARS } from './steps.js';

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
  /**
   * `previous`: the tree of an earlier text in the same language (of the same document). It is edited to match
   * `text` and its unchanged parts are reused (tree-sitter's incremental parse); the caller still deletes it.
   */
  parse(language: SourceLanguage, text: string, previous?: { tree: Tree; text: string }): Tree;
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

/**
 * The one edit that turns `before` into `after`: what lies between their longest common start and end, never
 * splitting a surrogate pair. In UTF-16 code units, as the JavaScript binding of tree-sitter counts indices and
 * columns.
 */
export function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  let start = commonPrefix(before, after, max);
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--;
  // The common end, not reaching back into the common start.
  let end = commonSuffix(before, after, max - start);
  if (end > 0 && isLowSurrogate(before.charCodeAt(before.length - end))) end--;
  return {
    startIndex: start,
    oldEndIndex: before.length - end,
    newEndIndex: after.length - end,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, before.length - end),
    newEndPosition: pointAt(after, after.length - end),
  };
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

function pointAt(text: string, index: number): Point {
  return { row: lineBreaks(text, 0, index), column: index - lineStartAt(text, index) };
}

/** Where an analysis gets its tree, and what becomes of the tree after. */
export interface TreeKeeper {
  /** The parse, as a step (a generator that returns the tree). */
  parse(language: SourceLanguage, text: string): Generator<void, Tree>;
  /** The analysis is done with `tree`, the tree of `text`. */
  done(tree: Tree, language: SourceLanguage, text: string): void;
}

/** A fresh parse each time (in pieces), the tree deleted after. */
export function freshTrees(parsers: Parsers): TreeKeeper {
  return {
    parse: (language, text) => parseInPieces(parsers, language, text),
    done: (tree) => tree.delete(),
  };
}

/**
 * The last tree of the documents analysed most recently (at most `max`), kept so that a document's next parse
 * reuses what did not change. A tree of a large file holds megabytes of WebAssembly memory (about 9 MiB for 187 KiB
 * of TypeScript) until `forget`, `clear`, or more recent documents push it out.
 */
export class ReusedTrees {
  /** Least recently analysed first. */
  private readonly trees = new Map<string, { language: SourceLanguage; text: string; tree: Tree }>();

  constructor(private readonly max = 4) {}

  /** Parses from the document's last tree when it has one (one step), else in pieces. */
  keeper(parsers: Parsers, key: string): TreeKeeper {
    const trees = this.trees;
    return {
      *parse(language, text) {
        const last = trees.get(key);
        trees.delete(key);
        try {
          if (last?.language !== language) return yield* parseInPieces(parsers, language, text);
          return parsers.parse(language, text, last);
        } finally {
          last?.tree.delete();
        }
      },
      done: (tree, language, text) => {
        this.forget(key);
        this.trees.set(key, { language, text, tree });
        for (const oldest of this.trees.keys()) {
          if (this.trees.size <= this.max) break;
          this.forget(oldest);
        }
      },
    };
  }

  forget(key: string): void {
    this.trees.get(key)?.tree.delete();
    this.trees.delete(key);
  }

  clear(): void {
    for (const { tree } of this.trees.values()) tree.delete();
    this.trees.clear();
  }

  /** The documents whose tree is kept, least recently analysed first. */
  keys(): string[] {
    return [...this.trees.keys()];
  }
}

/**
 * For a walk of a file's top-level nodes in steps of about `charsPerStep` characters: whether a step ends before
 * `node`. Call it for each node, in order.
 */
export function stepEnds(charsPerStep: number): (node: Node) => boolean {
  let next = charsPerStep;
  return (node) => {
    if (node.startIndex < next) return false;
    next = node.startIndex + charsPerStep;
    return true;
  };
}

/**
 * A fresh parse as steps (the generator yields between them and returns the tree): a prefix of the text of at least
 * `pieceChars`, then each time a longer one, parsed incrementally from the last tree, until the whole text. A
 * prefix ends before a line that starts with a letter, `_` or `$` in its first column (in code without errors, a
 * top-level statement). On such code the tree is the one a parse at once gives (tests check that on the server's
 * own sources). Once a prefix has a syntax error, the rest is parsed in one step: growing past an error can cost a
 * parse of the whole prefix each time. Every fresh parse goes this way (withTree too), so that a text with errors,
 * whose tree may differ from that of a parse at once, has one tree whichever way it is analysed.
 */
export function* parseInPieces(parsers: Parsers, language: SourceLanguage, text: string, pieceChars = STEP_CHARS): Generator<void, Tree> {
  let tree: Tree | undefined;
  let parsed = '';
  try {
    for (;;) {
      const end = tree?.rootNode.hasError === true ? text.length : nextPieceEnd(text, parsed.length + pieceChars);
      const part = end === text.length ? text : text.slice(0, end);
      const next = parsers.parse(language, part, tree === undefined ? undefined : { tree, text: parsed });
      tree?.delete();
      tree = next;
      parsed = part;
      if (part === text) {
        tree = undefined;
        return next;
      }
      yield;
    }
  } finally {
    tree?.delete();
  }
}

/** Where a piece that reaches at least `from` ends: before the next line starting a top-level statement; else the text's end. */
function nextPieceEnd(text: string, from: number): number {
  for (let nl = text.indexOf('\n', from - 1); nl !== -1 && nl + 1 < text.length; nl = text.indexOf('\n', nl + 1)) {
    if (STATEMENT_START.test(text[nl + 1]!)) return nl + 1;
  }
  return text.length;
}

/** The first character of a line that starts a top-level statement in code without errors (a keyword, a name). */
const STATEMENT_START = /[\p{L}_$]/u;

/** Parses `text` (in pieces, at once), hands the root to `fn`, and deletes the tree whatever happens. */
export function withTree<T>(parsers: Parsers, language: SourceLanguage, text: string, fn: (root: Node) => T): T {
  const tree = allSteps(parseInPieces(parsers, language, text));
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
    parse(language, text, previous) {
      if (current !== language) {
        const grammar = loaded.get(language);
        if (grammar === undefined) throw new Error(`no tree-sitter grammar loaded for ${JSON.stringify(language)}`);
        parser.setLanguage(grammar);
        current = language;
      }
      if (previous !== undefined) previous.tree.edit(editBetween(previous.text, text));
      const tree = parser.parse(text, previous?.tree ?? null);
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
