// Python imports -> workspace files: `import a.b [as c]`, `from a.b import n [as m]`, `from . import mod`,
// relative levels, packages (`__init__.py`, namespace packages), submodules imported by name, `*`.
// Absolute modules are looked for from the top of the importing file's package, each workspace root and its src/.
// Pure: the syntax tree and a WorkspaceView in, ImportedModule[] out.
import { membersUsed, mergeImports, unique, type ImportedModule } from './imported.js';
import { field, named, type Node } from './syntax.js';
import { dirOf, joinPath, type WorkspaceView } from './view.js';

/** A resolved Python module: its file (module or `__init__.py`) and, for a package, its directory. */
export interface PythonModule {
  file: string | undefined;
  dir: string | undefined;
}

export function pythonImports(root: Node, file: string, text: string, view: WorkspaceView): ImportedModule[] {
  const found: ImportedModule[] = [];
  const push = (specifier: string, target: string | undefined, names: string[], whole: boolean): void => {
    if (target !== undefined && target !== file) found.push({ specifier, files: [target], names, whole });
  };
  for (const stmt of named(root)) {
    if (stmt.type === 'import_statement') {
      for (const item of stmt.childrenForFieldName('name')) {
        if (item === null) continue;
        const dotted = item.type === 'aliased_import' ? field(item, 'name') : item;
        const alias = item.type === 'aliased_import' ? field(item, 'alias')?.text : undefined;
        if (dotted === undefined) continue;
        const mod = resolvePythonModule(file, 0, dotted.text, view);
        push(dotted.text, mod?.file, membersUsed(text, alias ?? dotted.text), true);
      }
    } else if (stmt.type === 'import_from_statement') {
      const moduleNode = field(stmt, 'module_name');
      if (moduleNode === undefined) continue;
      const { level, dotted } = moduleName(moduleNode);
      const mod = resolvePythonModule(file, level, dotted, view);
      if (mod === undefined) continue;
      const specifier = moduleNode.text;
      if (named(stmt).some((c) => c.type === 'wildcard_import')) {
        push(specifier, mod.file, [], true);
        continue;
      }
      const names: string[] = [];
      for (const item of stmt.childrenForFieldName('name')) {
        if (item === null) continue;
        const nameNode = item.type === 'aliased_import' ? field(item, 'name') : item;
        const local = item.type === 'aliased_import' ? (field(item, 'alias')?.text ?? '') : item.text;
        if (nameNode === undefined) continue;
        const sub = mod.dir === undefined ? undefined : submodule(joinPath(mod.dir, nameNode.text), view);
        if (sub !== undefined) push(`${specifier}.${nameNode.text}`, sub.file, membersUsed(text, local), true);
        else names.push(nameNode.text);
      }
      if (names.length > 0) push(specifier, mod.file, names, false);
    }
  }
  return mergeImports(found);
}

/** `..pkg.mod` -> level 2, 'pkg.mod'. */
export function moduleName(node: Node): { level: number; dotted: string } {
  if (node.type !== 'relative_import') return { level: 0, dotted: node.text };
  const prefix = named(node).find((c) => c.type === 'import_prefix');
  const dotted = named(node).find((c) => c.type === 'dotted_name');
  return { level: prefix?.text.length ?? 1, dotted: dotted?.text ?? '' };
}

/** The module `dotted` names from `from` (`level` leading dots; 0 for absolute), or undefined outside the workspace. */
export function resolvePythonModule(from: string, level: number, dotted: string, view: WorkspaceView): PythonModule | undefined {
  const parts = dotted === '' ? [] : dotted.split('.');
  if (level > 0) {
    let base = dirOf(from);
    for (let i = 1; i < level; i++) base = dirOf(base);
    return parts.length === 0 ? packageAt(base, view) : submodule(joinPath(base, ...parts), view);
  }
  for (const root of absoluteRoots(from, view)) {
    const hit = submodule(joinPath(root, ...parts), view);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** `base.py`, else the package `base/` (with or without `__init__.py`). */
function submodule(base: string, view: WorkspaceView): PythonModule | undefined {
  for (const ext of ['.py', '.pyi']) if (view.has(base + ext)) return { file: base + ext, dir: undefined };
  return packageAt(base, view);
}

function packageAt(dir: string, view: WorkspaceView): PythonModule | undefined {
  const init = joinPath(dir, '__init__.py');
  if (view.has(init)) return { file: init, dir };
  return view.list(dir).length > 0 ? { file: undefined, dir } : undefined;
}

/** Where absolute imports start: above the importing file's top-level package, each root, and each root's src/. */
function absoluteRoots(from: string, view: WorkspaceView): string[] {
  let top = dirOf(from);
  while (top !== '' && top !== '/' && view.has(joinPath(top, '__init__.py'))) top = dirOf(top);
  return unique([top, ...view.roots, ...view.roots.map((r) => joinPath(r, 'src'))]);
}
