// TypeScript and JavaScript imports -> workspace files: ESM (named, default, namespace, re-exports, `import x =
// require()`), CommonJS `require` (destructured, member, whole), dynamic `import()`; `./x.js` naming `./x.ts`,
// `.tsx/.mts/.cts`, index files, and tsconfig/jsconfig `baseUrl` and `paths` (relative `extends` followed).
// Pure: the syntax tree and a WorkspaceView in, ImportedModule[] out. Packages outside the workspace are skipped.
import path from 'node:path/posix';
import { membersUsed, mergeImports, type ImportedModule } from './imported.js';
import { field, named, stringValue, type Node } from './syntax.js';
import { ancestors, dirOf, joinPath, type WorkspaceView } from './view.js';

/** The modules of the workspace that the file at `file` imports. */
export function jsImports(root: Node, file: string, text: string, view: WorkspaceView): ImportedModule[] {
  const found: ImportedModule[] = [];
  const add = (specifier: string, names: string[], whole: boolean): void => {
    const target = resolveJsModule(file, specifier, view);
    if (target !== undefined && target !== file) found.push({ specifier, files: [target], names, whole });
  };

  for (const stmt of named(root)) {
    if (stmt.type === 'import_statement') {
      const clause = named(stmt).find((c) => c.type === 'import_clause' || c.type === 'import_require_clause');
      const source = field(stmt, 'source') ?? (clause && field(clause, 'source'));
      if (source === undefined || clause === undefined) continue; // a side-effect import declares nothing used here
      if (clause.type === 'import_require_clause') {
        const local = named(clause).find((c) => c.type === 'identifier');
        add(stringValue(source), local ? membersUsed(text, local.text) : [], true);
        continue;
      }
      const names: string[] = [];
      let whole = false;
      for (const part of named(clause)) {
        if (part.type === 'identifier') names.push('default');
        else if (part.type === 'namespace_import') {
          whole = true;
          const local = named(part).find((c) => c.type === 'identifier');
          if (local) names.push(...membersUsed(text, local.text));
        } else if (part.type === 'named_imports') {
          for (const spec of named(part)) {
            const name = spec.type === 'import_specifier' ? field(spec, 'name') : undefined;
            if (name) names.push(stringValue(name));
          }
        }
      }
      add(stringValue(source), names, whole);
    } else if (stmt.type === 'export_statement') {
      const source = field(stmt, 'source');
      if (source === undefined) continue;
      const clause = named(stmt).find((c) => c.type === 'export_clause');
      const names = clause ? named(clause).flatMap((s) => (s.type === 'export_specifier' && field(s, 'name') ? [stringValue(field(s, 'name')!)] : [])) : [];
      add(stringValue(source), names, clause === undefined);
    }
  }

  // Walking every call of a large file costs milliseconds; most ES modules have no require() or import().
  const calls = /\b(?:require|import)\s*\(/.test(text) ? root.descendantsOfType('call_expression') : [];
  for (const call of calls) {
    if (call === null) continue;
    const fn = field(call, 'function');
    const isRequire = fn?.type === 'identifier' && fn.text === 'require';
    if (!isRequire && fn?.type !== 'import') continue;
    const arg = field(call, 'arguments')?.firstNamedChild;
    if (!arg || arg.type !== 'string') continue;
    const specifier = stringValue(arg);
    const parent = call.parent;
    if (isRequire && parent?.type === 'variable_declarator' && field(parent, 'value')?.equals(call)) {
      const binding = field(parent, 'name');
      if (binding?.type === 'object_pattern') add(specifier, patternKeys(binding), false);
      else if (binding?.type === 'identifier') add(specifier, membersUsed(text, binding.text), true);
      else add(specifier, [], true);
    } else if (isRequire && parent?.type === 'member_expression' && field(parent, 'object')?.equals(call)) {
      const prop = field(parent, 'property');
      add(specifier, prop ? [prop.text] : [], prop === undefined);
    } else {
      add(specifier, [], true);
    }
  }
  return mergeImports(found);
}

/** Keys of `{ a, b: c, ...rest }`: the names taken from the required module. */
function patternKeys(pattern: Node): string[] {
  const out: string[] = [];
  for (const p of named(pattern)) {
    if (p.type === 'shorthand_property_identifier_pattern') out.push(p.text);
    else if (p.type === 'pair_pattern') {
      const key = field(p, 'key');
      if (key) out.push(stringValue(key));
    } else if (p.type === 'object_assignment_pattern') {
      const left = field(p, 'left');
      if (left) out.push(left.text);
    }
  }
  return out;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** What an import written with a JavaScript extension may name (TypeScript's output-extension rule). */
const WRITTEN_AS: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.d.ts', '.js', '.jsx'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.d.mts', '.mjs'],
  '.cjs': ['.cts', '.d.cts', '.cjs'],
};

/** The workspace file that `specifier`, imported from `from`, names; undefined for packages and misses. */
export function resolveJsModule(from: string, specifier: string, view: WorkspaceView): string | undefined {
  if (specifier === '' || specifier.startsWith('node:')) return undefined;
  if (specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/')) {
    return firstFile(candidates(specifier.startsWith('/') ? specifier : joinPath(dirOf(from), specifier)), view);
  }
  const config = compilerPaths(dirOf(from), view);
  if (config === undefined) return undefined;
  for (const [pattern, targets] of config.paths) {
    const star = pattern.indexOf('*');
    let captured: string | undefined;
    if (star === -1) captured = pattern === specifier ? '' : undefined;
    else {
      const prefix = pattern.slice(0, star);
      const suffix = pattern.slice(star + 1);
      if (specifier.length >= prefix.length + suffix.length && specifier.startsWith(prefix) && specifier.endsWith(suffix)) {
        captured = specifier.slice(prefix.length, specifier.length - suffix.length);
      }
    }
    if (captured === undefined) continue;
    for (const target of targets) {
      const hit = firstFile(candidates(joinPath(config.pathsBase, target.replace('*', captured))), view);
      if (hit !== undefined) return hit;
    }
  }
  if (config.baseUrl !== undefined) return firstFile(candidates(joinPath(config.baseUrl, specifier)), view);
  return undefined;
}

function firstFile(paths: string[], view: WorkspaceView): string | undefined {
  return paths.find((p) => view.has(p));
}

function candidates(base: string): string[] {
  const ext = path.extname(base);
  const out: string[] = [];
  const written = WRITTEN_AS[ext];
  if (written !== undefined) out.push(...written.map((e) => base.slice(0, -ext.length) + e));
  else if (SOURCE_EXTENSIONS.includes(ext)) out.push(base);
  out.push(...SOURCE_EXTENSIONS.map((e) => base + e));
  out.push(...SOURCE_EXTENSIONS.map((e) => joinPath(base, 'index' + e)));
  return out;
}

interface CompilerPaths {
  /** Directory `baseUrl` names, when set. */
  baseUrl: string | undefined;
  /** `paths` entries in declaration order. */
  paths: [string, string[]][];
  /** Directory that `paths` targets are relative to: baseUrl, else the directory of the config declaring them. */
  pathsBase: string;
}

/** Following `extends` stops after this many configs (cycles, long chains). */
const MAX_EXTENDS = 4;

/** `baseUrl` and `paths` of the nearest tsconfig.json or jsconfig.json above `dir`, when readable. */
function compilerPaths(dir: string, view: WorkspaceView): CompilerPaths | undefined {
  let configFile: string | undefined;
  for (const d of ancestors(dir, view.roots)) {
    configFile = ['tsconfig.json', 'jsconfig.json'].map((n) => joinPath(d, n)).find((p) => view.has(p) || view.text(p) !== undefined);
    if (configFile !== undefined) break;
  }
  let baseUrl: string | undefined;
  let paths: [string, string[]][] | undefined;
  let pathsDir: string | undefined;
  for (let i = 0; configFile !== undefined && i < MAX_EXTENDS; i++) {
    const text = view.text(configFile);
    const json = text === undefined ? undefined : parseJsonc(text);
    if (!isRecord(json)) break;
    const options = isRecord(json.compilerOptions) ? json.compilerOptions : {};
    const here = dirOf(configFile);
    if (baseUrl === undefined && typeof options.baseUrl === 'string') baseUrl = joinPath(here, options.baseUrl);
    if (paths === undefined && isRecord(options.paths)) {
      paths = Object.entries(options.paths).flatMap(([k, v]) =>
        Array.isArray(v) ? [[k, v.filter((t): t is string => typeof t === 'string')] as [string, string[]]] : [],
      );
      pathsDir = here;
    }
    const ext = typeof json.extends === 'string' && json.extends.startsWith('.') ? json.extends : undefined;
    configFile = ext === undefined ? undefined : joinPath(here, ext.endsWith('.json') ? ext : ext + '.json');
  }
  if (baseUrl === undefined && paths === undefined) return undefined;
  return { baseUrl, paths: paths ?? [], pathsBase: baseUrl ?? pathsDir ?? dir };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** JSON with comments and trailing commas (tsconfig's dialect); undefined when it does not parse. */
export function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
      out += ' ';
    } else if (ch === '}' || ch === ']') {
      let k = out.length - 1;
      while (k >= 0 && /\s/.test(out[k]!)) k--;
      if (out[k] === ',') out = out.slice(0, k) + out.slice(k + 1);
      out += ch;
    } else out += ch;
  }
  try {
    return JSON.parse(out);
  } catch {
    return undefined;
  }
}
