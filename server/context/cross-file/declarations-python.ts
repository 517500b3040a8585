// Python declarations at signature level: functions as decorators + `def` line + first docstring line + `...`;
// classes with their docstring's first line, class attributes and public methods' signatures; module-level
// assignments with short values; a literal `__all__` decides what is public. `from x import n` in a module is a re-export of n (how packages expose names).
// Pure: a syntax tree in, FileDeclarations out.
import { capLines, MAX_MEMBERS, shortValue, type Declaration, type FileDeclarations, type ReExport } from './declaration.js';
import { field, named, stepEnds, type Node } from './syntax.js';

/** The declarations of a file, in steps of about `charsPerStep` characters (the generator yields between them). */
export function* pythonDeclarations(root: Node, text: string, charsPerStep = Infinity): Generator<void, FileDeclarations> {
  const stepEndsBefore = stepEnds(charsPerStep);
  const declarations: Declaration[] = [];
  const reExports: ReExport[] = [];
  /** `__all__`, when it is a literal list: then only its names are public. */
  let all: string[] | undefined;
  for (const stmt of named(root)) {
    if (stepEndsBefore(stmt)) yield;
    const def = stmt.type === 'decorated_definition' ? field(stmt, 'definition') : stmt;
    if (def?.type === 'function_definition' || def?.type === 'class_definition') {
      const name = field(def, 'name')?.text ?? '';
      const rendered = def.type === 'function_definition' ? functionText(stmt, def, text) : classText(stmt, def, text);
      declarations.push({ names: [name], exportedAs: isPublic(name) ? [name] : [], kind: def.type === 'function_definition' ? 'function' : 'class', line: stmt.startPosition.row, text: rendered });
    } else if (stmt.type === 'expression_statement') {
      const assign = stmt.firstNamedChild;
      const left = assign?.type === 'assignment' ? field(assign, 'left') : undefined;
      if (left?.type !== 'identifier') continue;
      if (left.text === '__all__') {
        const list = field(assign!, 'right');
        if (list?.type === 'list' || list?.type === 'tuple') all = named(list).filter((e) => e.type === 'string').map((e) => named(e).find((c) => c.type === 'string_content')?.text ?? '');
        continue;
      }
      declarations.push({ names: [left.text], exportedAs: isPublic(left.text) ? [left.text] : [], kind: 'variable', line: stmt.startPosition.row, text: shortValue(stmt.text) });
    } else if (stmt.type === 'import_from_statement') {
      const moduleNode = field(stmt, 'module_name');
      if (moduleNode === undefined) continue;
      if (named(stmt).some((c) => c.type === 'wildcard_import')) {
        reExports.push({ specifier: moduleNode.text, names: '*' });
        continue;
      }
      const names = stmt.childrenForFieldName('name').flatMap((item) => {
        if (item === null) return [];
        const imported = item.type === 'aliased_import' ? field(item, 'name')?.text : item.text;
        const exported = item.type === 'aliased_import' ? field(item, 'alias')?.text : item.text;
        return imported === undefined || exported === undefined ? [] : [{ exported, imported }];
      });
      if (names.length > 0) reExports.push({ specifier: moduleNode.text, names });
    }
  }
  if (all !== undefined) {
    const listed = all;
    for (const d of declarations) d.exportedAs = d.names.filter((n) => listed.includes(n));
  }
  return { declarations, reExports, explicitExports: false };
}

function isPublic(name: string): boolean {
  return !name.startsWith('_') || (name.startsWith('__') && name.endsWith('__'));
}

/** `stmt` is the definition or its decorated_definition (whose start is the first decorator). */
function functionText(stmt: Node, def: Node, text: string): string {
  const body = field(def, 'body');
  const indent = ' '.repeat(stmt.startPosition.column);
  if (body === undefined) return indent + stmt.text;
  const inner = bodyIndent(def, body, indent);
  const doc = docstringLine(body);
  return `${indent}${text.slice(stmt.startIndex, body.startIndex).trimEnd()}\n${doc === undefined ? '' : inner + doc + '\n'}${inner}...`;
}

function classText(stmt: Node, def: Node, text: string): string {
  const body = field(def, 'body');
  const indent = ' '.repeat(stmt.startPosition.column);
  if (body === undefined) return indent + stmt.text;
  const inner = bodyIndent(def, body, indent);
  const lines: string[] = [];
  const doc = docstringLine(body);
  if (doc !== undefined) lines.push(inner + doc);
  let members = 0;
  let skipped = 0;
  for (const m of named(body)) {
    const memberDef = m.type === 'decorated_definition' ? field(m, 'definition') : m;
    let rendered: string | undefined;
    if (memberDef?.type === 'function_definition') {
      const name = field(memberDef, 'name')?.text ?? '';
      if (isPublic(name)) rendered = functionText(m, memberDef, text);
    } else if (memberDef?.type === 'class_definition') {
      const innerBody = field(memberDef, 'body');
      if (innerBody !== undefined) rendered = `${' '.repeat(m.startPosition.column)}${text.slice(m.startIndex, innerBody.startIndex).trimEnd()} ...`;
    } else if (m.type === 'expression_statement' && m.firstNamedChild?.type === 'assignment') {
      rendered = inner + shortValue(m.text.split('\n')[0]!);
    }
    if (rendered === undefined) continue;
    if (members++ >= MAX_MEMBERS) skipped++;
    else lines.push(rendered);
  }
  if (skipped > 0) lines.push(`${inner}# … ${skipped} more members`);
  if (lines.length === 0) lines.push(inner + '...');
  return capLines(`${indent}${text.slice(stmt.startIndex, body.startIndex).trimEnd()}\n${lines.join('\n')}`, 200);
}

/** The body's indentation, or four spaces past the header's when the body shares the header's line. */
function bodyIndent(def: Node, body: Node, indent: string): string {
  return body.startPosition.row > def.startPosition.row ? ' '.repeat(body.startPosition.column) : indent + '    ';
}

/** The docstring's first non-empty line, re-quoted (`"""Fetch it."""`); undefined without a docstring. */
function docstringLine(body: Node): string | undefined {
  const first = body.firstNamedChild;
  const str = first?.type === 'expression_statement' ? first.firstNamedChild : undefined;
  if (str?.type !== 'string') return undefined;
  const content = named(str).find((c) => c.type === 'string_content')?.text ?? '';
  const line = content.split('\n').map((l) => l.trim()).find((l) => l !== '');
  if (line === undefined) return undefined;
  const quote = str.text.startsWith("'''") ? "'''" : '"""';
  return `${quote}${line}${quote}`;
}
