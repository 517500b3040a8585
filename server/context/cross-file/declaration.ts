// The shape of an extracted declaration, the text helpers the per-language extractors share (doc comments,
// header slices, caps on long bodies), and how declarations are selected by imported name.
// Pure; knows no language.
import type { Node } from './syntax.js';
import { lineStartAt } from '../../edits/changed-lines.js';

export type DeclarationKind = 'function' | 'class' | 'interface' | 'type' | 'enum' | 'variable' | 'namespace' | 'method';

export interface Declaration {
  /** Names it declares: one, several for a Go `const (...)` group, `Type.Method` for a Go method. */
  names: string[];
  /** Names other files import it by (`default` for a default export); [] when private to its file. */
  exportedAs: string[];
  kind: DeclarationKind;
  /** 0-based line of its first line (its doc comment's, when it has one). */
  line: number;
  /** Signature-level source: doc comment, signatures, type and interface bodies, member signatures; no function bodies. */
  text: string;
  /** The type a Go method belongs to (selected with the type). */
  receiver?: string;
}

/** Names a module exports from another module without declaring them. */
export interface ReExport {
  /** The other module as written (`./foo`, `.foo`). */
  specifier: string;
  /** Exported name -> name in the other module; '*' for everything it exports. */
  names: { exported: string; imported: string }[] | '*';
}

export interface FileDeclarations {
  /** Top-level declarations in source order. */
  declarations: Declaration[];
  reExports: ReExport[];
  /**
   * Whether only exported names can be imported (TypeScript/JavaScript). Python and Go import any name of the
   * module (Go: of the same package); there, exportedAs only tells what is public.
   */
  explicitExports: boolean;
}

export interface Selection {
  declarations: Declaration[];
  /** Requested names that no declaration of the file answers (maybe re-exported from elsewhere). */
  missing: string[];
}

/**
 * The declarations answering `names`, in that order, then (when `whole`) every other public declaration in
 * source order; private ones too with `includePrivate` (a Go file's own package). A Go type brings its methods.
 */
export function selectDeclarations(
  file: FileDeclarations,
  names: readonly string[],
  opts: { whole: boolean; includePrivate?: boolean },
): Selection {
  const chosen = new Set<Declaration>();
  const out: Declaration[] = [];
  const missing: string[] = [];
  const take = (d: Declaration): void => {
    if (chosen.has(d)) return;
    chosen.add(d);
    out.push(d);
    const type = d.kind === 'type' || d.kind === 'interface' || d.kind === 'class' ? d.names : [];
    for (const m of file.declarations) {
      if (m.receiver !== undefined && type.includes(m.receiver) && (opts.includePrivate || m.exportedAs.length > 0)) take(m);
    }
  };
  for (const name of names) {
    let hits = file.declarations.filter((d) => d.exportedAs.includes(name));
    if (hits.length === 0 && !file.explicitExports) hits = file.declarations.filter((d) => d.names.includes(name));
    if (hits.length === 0) missing.push(name);
    for (const d of hits) take(d);
  }
  if (opts.whole) {
    for (const d of file.declarations) if (opts.includePrivate || d.exportedAs.length > 0) take(d);
  }
  return { declarations: out, missing };
}

// ---------------------------------------------------------------------------------------------- text helpers

/** At most this many lines of a doc comment are kept (the first ones, then the closing line). */
export const MAX_DOC_LINES = 3;
/** Type bodies, interfaces, enums and values longer than this are cut. */
export const MAX_BODY_LINES = 60;
/** Classes show at most this many members. */
export const MAX_MEMBERS = 60;
/** A value (initialiser) longer than this many lines is elided. */
export const MAX_VALUE_LINES = 12;
/** A single-line value longer than this is elided. */
export const MAX_VALUE_CHARS = 160;

/** The comment lines right above `node` (no blank line between), shortened to MAX_DOC_LINES; '' when none. */
export function docComment(node: Node, isComment: (n: Node) => boolean = (n) => n.type === 'comment'): string {
  const parts: Node[] = [];
  let next = node;
  let prev = node.previousNamedSibling;
  while (prev !== null && isComment(prev) && prev.endPosition.row >= next.startPosition.row - 1) {
    // A comment trailing code on its own line belongs to that code.
    const before = prev.previousSibling;
    if (before !== null && before.endPosition.row === prev.startPosition.row) break;
    parts.unshift(prev);
    next = prev;
    prev = prev.previousNamedSibling;
  }
  if (parts.length === 0) return '';
  const indent = ' '.repeat(parts[0]!.startPosition.column);
  const lines = parts.map((p) => p.text).join('\n').split('\n');
  return shortenDoc(lines).map((l, i) => (i === 0 ? indent + l : l)).join('\n') + '\n';
}

function shortenDoc(lines: string[]): string[] {
  if (lines.length <= MAX_DOC_LINES) return lines;
  const last = lines[lines.length - 1]!;
  if (/\*\/\s*$/.test(last) && last.trim() === '*/') return [...lines.slice(0, MAX_DOC_LINES - 1), last];
  if (/\*\/\s*$/.test(last)) return [...lines.slice(0, MAX_DOC_LINES - 1), `${leadingSpace(last)}*/`];
  return [...lines.slice(0, MAX_DOC_LINES - 1), `${leadingSpace(lines[MAX_DOC_LINES - 1]!)}${lines[0]!.trimStart().startsWith('#') ? '#' : '//'} …`];
}

function leadingSpace(s: string): string {
  return /^\s*/.exec(s)?.[0] ?? '';
}

/** The source from `node`'s start up to `end` (a body's start), without trailing whitespace. */
export function header(text: string, node: Node, end: number): string {
  return text.slice(node.startIndex, end).trimEnd();
}

/** The indentation of the line `node` starts on. */
export function indentOf(text: string, node: Node): string {
  const lineStart = lineStartAt(text, node.startIndex);
  return /^[ \t]*/.exec(text.slice(lineStart, node.startIndex))?.[0] ?? '';
}

/** `s` cut after MAX_BODY_LINES lines, keeping its last line (the closing bracket) and saying how many were left out. */
export function capLines(s: string, max = MAX_BODY_LINES): string {
  const lines = s.split('\n');
  if (lines.length <= max) return s;
  const last = lines[lines.length - 1]!;
  const indent = leadingSpace(lines[1] ?? '');
  return [...lines.slice(0, max - 1), `${indent}// … ${lines.length - max} more lines`, last].join('\n');
}

/** A value kept whole when short, else its first line followed by `…`. */
export function shortValue(s: string): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s.length <= MAX_VALUE_CHARS ? s : s.slice(0, MAX_VALUE_CHARS).trimEnd() + ' …';
  if (lines.length <= MAX_VALUE_LINES) return s;
  return lines[0]!.trimEnd() + ' …';
}
