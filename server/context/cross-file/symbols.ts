// The symbols of a file that code sits in (functions, methods, classes, interfaces, namespaces, and callbacks
// passed to calls such as test cases), with their signature lines; and which of them enclose an offset.
// outlineSymbols() parses (precompute it when the text changes); enclosingSymbols() is a cheap scan for the
// request path. Pure.
import type { SourceFile } from './imports.js';
import { lineStartAt } from '../../edits/changed-lines.js';
import { allSteps } from './steps.js';
import { field, languageOfPath, named, stringValue, withTree, type Node, type Parsers, type SourceLanguage } from './syntax.js';

export type SymbolKind = 'function' | 'method' | 'class' | 'interface' | 'enum' | 'namespace' | 'type' | 'callback';

export interface SymbolSpan {
  name: string;
  kind: SymbolKind;
  /** UTF-16 offsets of the symbol in its text, [start, end). */
  start: number;
  end: number;
  /** 0-based line of `start`. */
  line: number;
  /** Its header: the source from its start to its body (at most MAX_SIGNATURE_LINES lines). */
  signature: string;
}

/** Signatures longer than this many lines are cut (long parameter lists). */
export const MAX_SIGNATURE_LINES = 5;

const TYPES: Record<SourceLanguage, string[]> = {
  typescript: [],
  tsx: [],
  javascript: [],
  python: ['function_definition', 'class_definition'],
  go: ['function_declaration', 'method_declaration', 'type_spec', 'func_literal'],
};
TYPES.typescript = [
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'class_declaration',
  'abstract_class_declaration',
  'class',
  'interface_declaration',
  'enum_declaration',
  'internal_module',
  'module',
  'arrow_function',
  'function_expression',
  'function',
  'generator_function',
];
TYPES.tsx = TYPES.typescript;
TYPES.javascript = TYPES.typescript;

/** Every symbol of `file` in document order (an enclosing symbol before those inside it). */
export function outlineSymbols(parsers: Parsers, file: SourceFile): SymbolSpan[] {
  const language = file.language ?? languageOfPath(file.path);
  if (language === undefined || !parsers.languages.includes(language)) return [];
  return withTree(parsers, language, file.text, (root) => outlineFromTree(root, language, file.text));
}

export function outlineFromTree(root: Node, language: SourceLanguage, text: string): SymbolSpan[] {
  return allSteps(outlineSteps(root, language, text, Infinity));
}

/**
 * outlineFromTree() as steps of about `charsPerStep` characters of the text each (whole lines): the generator
 * yields between them and returns the outline. Each step takes the symbols that start in its lines.
 */
export function* outlineSteps(root: Node, language: SourceLanguage, text: string, charsPerStep: number): Generator<void, SymbolSpan[]> {
  const out: SymbolSpan[] = [];
  const rows = root.endPosition.row + 1;
  const rowsPerStep = Math.max(1, Math.ceil((rows * charsPerStep) / Math.max(1, text.length)));
  let fromIndex = 0;
  for (let from = 0; from < rows; from += rowsPerStep) {
    if (from > 0) {
      yield;
      for (let i = 0; i < rowsPerStep; i++) fromIndex = text.indexOf('\n', fromIndex) + 1;
    }
    const to = from + rowsPerStep;
    // The nodes that overlap these lines; those that start above them were taken by an earlier step.
    const nodes = to >= rows ? root.descendantsOfType(TYPES[language], { row: from, column: 0 }) : root.descendantsOfType(TYPES[language], { row: from, column: 0 }, { row: to, column: 0 });
    for (const node of nodes) {
      if (node === null || node.startIndex < fromIndex) continue;
      const span = describe(node, text);
      if (span !== undefined) out.push(span);
    }
  }
  return out;
}

/** The symbols of `outline` that contain `offset`, outermost first. */
export function enclosingSymbols(outline: readonly SymbolSpan[], offset: number): SymbolSpan[] {
  const out: SymbolSpan[] = [];
  for (const s of outline) {
    if (s.start > offset) break;
    if (s.start < offset && offset < s.end) out.push(s);
  }
  return out;
}

function describe(node: Node, text: string): SymbolSpan | undefined {
  const body = bodyOf(node);
  const span = (name: string, kind: SymbolKind, declared: Node): SymbolSpan => {
    const from = declared.parent?.type === 'export_statement' ? declared.parent : declared;
    return {
      name,
      kind,
      start: node.startIndex,
      end: node.endIndex,
      line: from.startPosition.row,
      signature: signatureText(text, from, body?.startIndex ?? lineEnd(text, from.startIndex)),
    };
  };
  const name = field(node, 'name');
  switch (node.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_definition':
      return span(name?.text ?? '', 'function', node);
    case 'method_definition':
    case 'method_declaration':
      return span(name?.text ?? '', 'method', node);
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class_definition':
      return span(name?.text ?? '', 'class', node);
    case 'interface_declaration':
      return span(name?.text ?? '', 'interface', node);
    case 'enum_declaration':
      return span(name?.text ?? '', 'enum', node);
    case 'internal_module':
    case 'module':
      return span(name === undefined ? '' : stringValue(name), 'namespace', node);
    case 'type_spec': {
      const t = field(node, 'type')?.type;
      if (t !== 'struct_type' && t !== 'interface_type') return undefined;
      const s = span(name?.text ?? '', t === 'struct_type' ? 'class' : 'interface', node);
      return { ...s, signature: `type ${s.signature.trim()}` };
    }
    default:
      return anonymous(node, text, body);
  }
}

/** A function or class value: named by what it is assigned to, or a callback named by the call it is passed to. */
function anonymous(node: Node, text: string, body: Node | undefined): SymbolSpan | undefined {
  const own = field(node, 'name');
  const parent = node.parent?.type === 'expression_list' ? node.parent.parent : node.parent;
  let holder: Node | undefined;
  let name = own?.text;
  let kind: SymbolKind = node.type === 'class' ? 'class' : 'function';
  if (parent?.type === 'variable_declarator' || parent?.type === 'var_spec' || parent?.type === 'public_field_definition' || parent?.type === 'field_definition' || parent?.type === 'pair') {
    holder = parent.type === 'variable_declarator' && parent.parent !== null ? parent.parent : parent;
    if (holder.parent?.type === 'export_statement') holder = holder.parent;
    name ??= (field(parent, 'name') ?? field(parent, 'property') ?? field(parent, 'key'))?.text;
  } else if (parent?.type === 'assignment_expression' || parent?.type === 'assignment_statement' || parent?.type === 'short_var_declaration') {
    holder = parent;
    name ??= field(parent, 'left')?.text;
  } else if (parent?.type === 'arguments' || parent?.type === 'argument_list') {
    const call = parent.parent;
    if (call === null) return undefined;
    holder = call;
    kind = 'callback';
    const first = parent.firstNamedChild;
    const label = first !== null && first.type.includes('string') ? stringValue(first) : undefined;
    name ??= label ?? field(call, 'function')?.text ?? '';
  } else {
    return undefined;
  }
  if (holder === undefined) return undefined;
  return {
    name: name ?? '',
    kind,
    start: node.startIndex,
    end: node.endIndex,
    line: holder.startPosition.row,
    signature: signatureText(text, holder, body?.startIndex ?? lineEnd(text, holder.startIndex)),
  };
}

function bodyOf(node: Node): Node | undefined {
  const body = field(node, 'body');
  if (body !== undefined) return body;
  const t = field(node, 'type');
  if (t?.type !== 'struct_type' && t?.type !== 'interface_type') return undefined;
  // Go: the body starts at the brace of `struct {` / `interface {`.
  return named(t).find((c) => c.type === 'field_declaration_list') ?? t.children.find((c) => c?.type === '{') ?? t;
}

function lineEnd(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

function signatureText(text: string, from: Node, end: number): string {
  const lineStart = lineStartAt(text, from.startIndex);
  const start = /^\s*$/.test(text.slice(lineStart, from.startIndex)) ? lineStart : from.startIndex;
  const lines = text.slice(start, Math.max(start, end)).trimEnd().split('\n');
  const kept = lines.length <= MAX_SIGNATURE_LINES ? lines : [...lines.slice(0, MAX_SIGNATURE_LINES - 1), `${lines[MAX_SIGNATURE_LINES - 1]} …`];
  return kept.join('\n').replace(/\s*[{:]?\s*$/, (m) => (m.includes(':') ? ':' : ''));
}
