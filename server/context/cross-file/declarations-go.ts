// Go declarations at signature level: funcs and methods as their signature line, types whole (struct and
// interface bodies; long ones cut), const and var declarations with short values; doc comments' first lines.
// Exported means capitalised. Methods carry their receiver's type so that a selected type brings them.
// Pure: a syntax tree in, FileDeclarations out.
import { capLines, docComment, header, indentOf, shortValue, type Declaration, type DeclarationKind, type FileDeclarations } from './declaration.js';
import { field, named, stepEnds, type Node } from './syntax.js';

/** The declarations of a file, in steps of about `charsPerStep` characters (the generator yields between them). */
export function* goDeclarations(root: Node, text: string, charsPerStep = Infinity): Generator<void, FileDeclarations> {
  const stepEndsBefore = stepEnds(charsPerStep);
  const declarations: Declaration[] = [];
  const push = (stmt: Node, d: Omit<Declaration, 'line' | 'text' | 'exportedAs'> & { text: string; exported: boolean }): void => {
    const doc = docComment(stmt);
    const line = stmt.startPosition.row - (doc === '' ? 0 : doc.split('\n').length - 1);
    const { exported, ...rest } = d;
    declarations.push({ ...rest, exportedAs: exported ? [...d.names] : [], line, text: doc + d.text });
  };
  for (const stmt of named(root)) {
    if (stepEndsBefore(stmt)) yield;
    switch (stmt.type) {
      case 'function_declaration': {
        const name = field(stmt, 'name')?.text ?? '';
        push(stmt, { names: [name], kind: 'function', text: signature(stmt, text), exported: isExported(name) });
        break;
      }
      case 'method_declaration': {
        const name = field(stmt, 'name')?.text ?? '';
        const receiver = receiverType(stmt);
        const full = receiver === undefined ? name : `${receiver}.${name}`;
        const exported = isExported(name) && (receiver === undefined || isExported(receiver));
        push(stmt, { names: [full], kind: 'method', text: signature(stmt, text), exported, ...(receiver === undefined ? {} : { receiver }) });
        break;
      }
      case 'type_declaration': {
        const specs = named(stmt).filter((s) => s.type === 'type_spec' || s.type === 'type_alias');
        if (specs.length === 1) {
          const name = field(specs[0]!, 'name')?.text ?? '';
          push(stmt, { names: [name], kind: typeKind(specs[0]!), text: capLines(stmt.text), exported: isExported(name) });
        } else {
          for (const spec of specs) {
            const name = field(spec, 'name')?.text ?? '';
            push(spec, { names: [name], kind: typeKind(spec), text: `type ${capLines(dedent(spec.text, indentOf(text, spec)))}`, exported: isExported(name) });
          }
        }
        break;
      }
      case 'const_declaration':
      case 'var_declaration': {
        const names = named(stmt).flatMap((spec) => spec.childrenForFieldName('name').flatMap((n) => (n === null ? [] : [n.text])));
        const exported = names.filter(isExported);
        const d: Declaration = {
          names,
          exportedAs: exported,
          kind: 'variable',
          line: stmt.startPosition.row,
          text: stmt.startPosition.row === stmt.endPosition.row ? shortValue(stmt.text) : capLines(stmt.text, 30),
        };
        const doc = docComment(stmt);
        declarations.push({ ...d, line: d.line - (doc === '' ? 0 : doc.split('\n').length - 1), text: doc + d.text });
        break;
      }
    }
  }
  return { declarations, reExports: [], explicitExports: false };
}

/** `spec` as if written outside its group: continuation lines lose the group's indentation. */
function dedent(spec: string, indent: string): string {
  return spec
    .split('\n')
    .map((l, i) => (i > 0 && indent !== '' && l.startsWith(indent) ? l.slice(indent.length) : l))
    .join('\n');
}

function isExported(name: string): boolean {
  const first = name.codePointAt(0);
  if (first === undefined) return false;
  const ch = String.fromCodePoint(first);
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

function signature(node: Node, text: string): string {
  const body = field(node, 'body');
  return body === undefined ? node.text : header(text, node, body.startIndex);
}

function receiverType(method: Node): string | undefined {
  const receiver = field(method, 'receiver');
  const param = receiver === undefined ? undefined : named(receiver).find((c) => c.type === 'parameter_declaration');
  let type = param === undefined ? undefined : field(param, 'type');
  while (type !== undefined && type.type !== 'type_identifier') {
    type = type.type === 'pointer_type' ? (type.firstNamedChild ?? undefined) : type.type === 'generic_type' ? field(type, 'type') : undefined;
  }
  return type?.text;
}

function typeKind(spec: Node): DeclarationKind {
  const t = field(spec, 'type')?.type;
  return t === 'interface_type' ? 'interface' : t === 'struct_type' ? 'class' : 'type';
}
