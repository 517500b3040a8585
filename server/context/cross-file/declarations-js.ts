// TypeScript and JavaScript declarations at signature level: functions (overloads too) as signatures, classes
// with their non-private members' signatures, interfaces, type aliases and enums whole (long ones cut), variables
// with short values (functions reduced to their parameters), namespaces; ESM exports (`export`, `export default`,
// `export { a as b }`), CommonJS exports (`module.exports = …`, `exports.x = …`) and re-exports.
// Pure: a syntax tree in, FileDeclarations out.
import {
  capLines,
  docComment,
  header,
  indentOf,
  MAX_MEMBERS,
  shortValue,
  type Declaration,
  type DeclarationKind,
  type FileDeclarations,
  type ReExport,
} from './declaration.js';
import { field, named, stepEnds, stringValue, type Node } from './syntax.js';

interface Draft {
  name: string;
  kind: DeclarationKind;
  text: string;
}

/** The declarations of a file, in steps of about `charsPerStep` characters (the generator yields between them). */
export function* jsDeclarations(root: Node, text: string, charsPerStep = Infinity): Generator<void, FileDeclarations> {
  const stepEndsBefore = stepEnds(charsPerStep);
  const declarations: Declaration[] = [];
  const reExports: ReExport[] = [];
  /** [local name, exported name] from `export { a as b }`, `export default a`, `module.exports = { b: a }`. */
  const aliases: [string, string][] = [];

  const push = (stmt: Node, drafts: Draft[], exported: (name: string) => string[]): void => {
    const doc = docComment(stmt);
    const line = stmt.startPosition.row - (doc === '' ? 0 : doc.split('\n').length - 1);
    for (const [i, d] of drafts.entries()) {
      declarations.push({ names: [d.name], exportedAs: exported(d.name), kind: d.kind, line, text: (i === 0 ? doc : '') + d.text });
    }
  };

  for (const stmt of named(root)) {
    if (stepEndsBefore(stmt)) yield;
    if (stmt.type === 'export_statement') {
      const source = field(stmt, 'source');
      const clause = named(stmt).find((c) => c.type === 'export_clause');
      if (source !== undefined) {
        const names = clause ? exportSpecifiers(clause).map(([imported, exported]) => ({ exported, imported })) : '*';
        const ns = named(stmt).find((c) => c.type === 'namespace_export');
        if (ns === undefined) reExports.push({ specifier: stringValue(source), names });
        continue;
      }
      const isDefault = stmt.children.some((c) => c?.type === 'default');
      const decl = field(stmt, 'declaration');
      if (decl !== undefined) {
        const prefix = text.slice(stmt.startIndex, decl.startIndex);
        push(stmt, declare(decl, text, prefix), (name) => [isDefault ? 'default' : name]);
        continue;
      }
      const value = field(stmt, 'value');
      if (value?.type === 'identifier') aliases.push([value.text, 'default']);
      else if (value !== undefined) {
        const drafts = declare(value, text, text.slice(stmt.startIndex, value.startIndex));
        push(stmt, drafts.length > 0 ? drafts : [{ name: 'default', kind: 'variable', text: shortValue(stmt.text) }], () => ['default']);
      }
      if (clause) for (const [local, exported] of exportSpecifiers(clause)) aliases.push([local, exported]);
    } else if (stmt.type === 'expression_statement') {
      const inner = stmt.firstNamedChild;
      if (inner?.type === 'internal_module' || inner?.type === 'module') push(stmt, declare(inner, text, ''), () => []);
      else if (inner?.type === 'assignment_expression') commonJs(inner, stmt);
    } else {
      push(stmt, declare(stmt, text, ''), () => []);
    }
  }

  for (const [local, exported] of aliases) {
    for (const d of declarations) if (d.names.includes(local) && !d.exportedAs.includes(exported)) d.exportedAs.push(exported);
  }
  return { declarations, reExports, explicitExports: true };

  function commonJs(assign: Node, stmt: Node): void {
    const left = field(assign, 'left');
    const right = field(assign, 'right');
    if (left?.type !== 'member_expression' || right === undefined) return;
    const target = left.text.replace(/\s+/g, '');
    if (target === 'module.exports') {
      if (right.type === 'identifier') aliases.push([right.text, 'default']);
      else if (right.type === 'object') {
        for (const p of named(right)) {
          if (p.type === 'shorthand_property_identifier') aliases.push([p.text, p.text]);
          else if (p.type === 'pair') {
            const key = field(p, 'key');
            const value = field(p, 'value');
            if (key === undefined || value === undefined) continue;
            const name = stringValue(key);
            if (value.type === 'identifier') aliases.push([value.text, name]);
            else push(p, [{ name, kind: isFunction(value) ? 'function' : 'variable', text: `module.exports.${name} = ${valueText(value, text)};` }], () => [name]);
          } else if (p.type === 'method_definition') {
            const name = field(p, 'name')?.text ?? '';
            push(p, [{ name, kind: 'function', text: `module.exports.${functionSignature(p, text)};` }], () => [name]);
          }
        }
      } else if (isRequire(right)) {
        const arg = field(right, 'arguments')?.firstNamedChild;
        if (arg?.type === 'string') reExports.push({ specifier: stringValue(arg), names: '*' });
      } else {
        const drafts = declare(right, text, 'module.exports = ');
        push(stmt, drafts.length > 0 ? drafts : [{ name: 'default', kind: 'variable', text: shortValue(stmt.text) }], () => ['default']);
      }
      return;
    }
    const m = /^(?:module\.)?exports\.([\p{L}_$][\p{L}\p{N}_$]*)$/u.exec(target);
    if (m?.[1] === undefined) return;
    const name = m[1];
    if (right.type === 'identifier') aliases.push([right.text, name]);
    else push(stmt, [{ name, kind: isFunction(right) ? 'function' : 'variable', text: `${left.text} = ${valueText(right, text)};` }], () => [name]);
  }
}

function exportSpecifiers(clause: Node): [string, string][] {
  const out: [string, string][] = [];
  for (const spec of named(clause)) {
    if (spec.type !== 'export_specifier') continue;
    const name = field(spec, 'name');
    const alias = field(spec, 'alias');
    if (name) out.push([stringValue(name), stringValue(alias ?? name)]);
  }
  return out;
}

/** The declarations one statement makes, rendered with `prefix` (`export `, `export default `…) before each. */
function declare(node: Node, text: string, prefix: string): Draft[] {
  const name = field(node, 'name')?.text;
  switch (node.type) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_expression':
    case 'function':
    case 'generator_function':
      return [{ name: name ?? 'default', kind: 'function', text: `${prefix}${functionSignature(node, text)};` }];
    case 'function_signature':
      return [{ name: name ?? 'default', kind: 'function', text: prefix + withSemicolon(node.text) }];
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class':
      return [{ name: name ?? 'default', kind: 'class', text: prefix + classText(node, text) }];
    case 'interface_declaration':
      return [{ name: name ?? '', kind: 'interface', text: prefix + capLines(node.text) }];
    case 'type_alias_declaration':
      return [{ name: name ?? '', kind: 'type', text: prefix + capLines(node.text) }];
    case 'enum_declaration':
      return [{ name: name ?? '', kind: 'enum', text: prefix + capLines(node.text) }];
    case 'internal_module':
    case 'module':
      return [{ name: name === undefined ? '' : stringValue(field(node, 'name')!), kind: 'namespace', text: prefix + capLines(node.text) }];
    case 'lexical_declaration':
    case 'variable_declaration':
      return variables(node, text, prefix);
    case 'ambient_declaration': {
      const inner = node.firstNamedChild;
      const innerName = inner === null ? undefined : (field(inner, 'name') ?? named(inner).find((c) => c.type === 'variable_declarator'));
      const declared = innerName?.type === 'variable_declarator' ? field(innerName, 'name')?.text : innerName === undefined ? undefined : stringValue(innerName);
      if (declared === undefined) return [];
      return [{ name: declared, kind: ambientKind(inner), text: prefix + capLines(node.text) }];
    }
    case 'arrow_function':
      return [{ name: 'default', kind: 'function', text: `${prefix}${valueText(node, text)};` }];
    default:
      return [];
  }
}

function ambientKind(inner: Node | null): DeclarationKind {
  switch (inner?.type) {
    case 'function_signature':
      return 'function';
    case 'class_declaration':
    case 'abstract_class_declaration':
      return 'class';
    case 'module':
    case 'internal_module':
      return 'namespace';
    default:
      return 'variable';
  }
}

function variables(node: Node, text: string, prefix: string): Draft[] {
  const kind = node.firstChild?.text ?? 'const';
  const out: Draft[] = [];
  for (const d of named(node)) {
    if (d.type !== 'variable_declarator') continue;
    const nameNode = field(d, 'name');
    if (nameNode?.type !== 'identifier') continue;
    const type = field(d, 'type');
    const value = field(d, 'value');
    const head = `${prefix}${kind} ${nameNode.text}${type === undefined ? '' : text.slice(nameNode.endIndex, type.endIndex)}`;
    const body = value === undefined ? '' : ` = ${valueText(value, text)}`;
    out.push({ name: nameNode.text, kind: value !== undefined && isFunction(value) ? 'function' : 'variable', text: `${head}${body};` });
  }
  return out;
}

function isFunction(n: Node): boolean {
  return ['arrow_function', 'function_expression', 'function', 'generator_function'].includes(n.type);
}

function isRequire(n: Node): boolean {
  const fn = field(n, 'function');
  return n.type === 'call_expression' && fn?.type === 'identifier' && fn.text === 'require';
}

/** A value as shown: functions reduced to their signature, others whole when short. */
function valueText(value: Node, text: string): string {
  if (isFunction(value)) {
    const body = field(value, 'body');
    if (body === undefined) return shortValue(value.text);
    if (body.type !== 'statement_block' && value.startPosition.row === value.endPosition.row) return shortValue(value.text);
    return `${header(text, value, body.startIndex)}${body.type === 'statement_block' ? ' { … }' : ' …'}`;
  }
  if (value.type === 'class') return classText(value, text);
  return shortValue(value.text);
}

/** `async function f<T>(a: T): R` (everything before the body). */
function functionSignature(node: Node, text: string): string {
  const body = field(node, 'body');
  return body === undefined ? node.text.replace(/;\s*$/, '') : header(text, node, body.startIndex);
}

function withSemicolon(s: string): string {
  const t = s.trimEnd();
  return t.endsWith(';') || t.endsWith('}') ? t : t + ';';
}

/** The class header and its non-private members' signatures. */
function classText(node: Node, text: string): string {
  const body = field(node, 'body');
  if (body === undefined) return node.text;
  const members: string[] = [];
  let skipped = 0;
  for (const m of named(body)) {
    const line = memberText(m, text);
    if (line === undefined) continue;
    if (members.length >= MAX_MEMBERS) skipped++;
    else members.push(indentOf(text, m) + line);
  }
  if (skipped > 0) members.push(`${indentOf(text, named(body)[0] ?? body)}// … ${skipped} more members`);
  const closeIndent = indentOf(text, node);
  return `${header(text, node, body.startIndex)} {${members.length > 0 ? '\n' + members.join('\n') + '\n' + closeIndent : ''}}`;
}

function memberText(m: Node, text: string): string | undefined {
  if (isPrivate(m)) return undefined;
  switch (m.type) {
    case 'method_definition': {
      const body = field(m, 'body');
      return body === undefined ? withSemicolon(m.text) : `${header(text, m, body.startIndex)};`;
    }
    case 'method_signature':
    case 'abstract_method_signature':
    case 'index_signature':
      return withSemicolon(m.text);
    case 'public_field_definition':
    case 'field_definition': {
      const value = field(m, 'value');
      if (value === undefined) return withSemicolon(m.text);
      return `${header(text, m, value.startIndex)} ${valueText(value, text)};`;
    }
    default:
      return undefined;
  }
}

function isPrivate(m: Node): boolean {
  if (named(m).some((c) => c.type === 'accessibility_modifier' && c.text === 'private')) return true;
  const name = field(m, 'name') ?? field(m, 'property');
  return name?.type === 'private_property_identifier';
}
