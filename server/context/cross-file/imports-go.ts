// Go imports -> workspace files: the other files of the file's own package (same directory), and packages of
// the same module (import paths under go.mod's `module` path). A package brings all its exported declarations;
// the members the file already uses (`pkg.Name`, or plain names for its own package and dot imports) come first.
// Pure: the syntax tree and a WorkspaceView in, ImportedModule[] out.
import path from 'node:path/posix';
import { membersUsed, mergeImports, unique, type ImportedModule } from './imported.js';
import { field, named, stringValue, type Node } from './syntax.js';
import { ancestors, dirOf, joinPath, type WorkspaceView } from './view.js';

export function goImports(root: Node, file: string, text: string, view: WorkspaceView): ImportedModule[] {
  const found: ImportedModule[] = [];
  const isTest = file.endsWith('_test.go');
  const siblings = packageFiles(dirOf(file), view, isTest).filter((f) => f !== file);
  if (siblings.length > 0) found.push({ specifier: '', files: siblings, names: identifiers(text), whole: true });

  const mod = goModule(dirOf(file), view);
  if (mod !== undefined) {
    const decls = named(root).filter((n) => n.type === 'import_declaration');
    for (const spec of decls.flatMap((d) => [...named(d), ...named(d).flatMap((l) => (l.type === 'import_spec_list' ? named(l) : []))])) {
      if (spec.type !== 'import_spec') continue;
      const pathNode = field(spec, 'path');
      if (pathNode === undefined) continue;
      const importPath = stringValue(pathNode);
      if (importPath !== mod.path && !importPath.startsWith(mod.path + '/')) continue;
      const dir = joinPath(mod.dir, importPath.slice(mod.path.length + 1));
      const files = packageFiles(dir, view, false);
      if (files.length === 0) continue;
      const alias = field(spec, 'name');
      if (alias?.type === 'blank_identifier') continue;
      const names = alias?.type === 'dot' ? identifiers(text) : membersUsed(text, alias?.text ?? packageNameGuess(importPath));
      found.push({ specifier: importPath, files, names, whole: true });
    }
  }
  return mergeImports(found);
}

/** The `.go` files of the package in `dir` (test files only for a test file). */
function packageFiles(dir: string, view: WorkspaceView, withTests: boolean): string[] {
  return view
    .list(dir)
    .filter((f) => f.endsWith('.go') && dirOf(f) === dir && (withTests || !f.endsWith('_test.go')))
    .sort();
}

/** The nearest go.mod above `dir`: its directory and module path. */
function goModule(dir: string, view: WorkspaceView): { dir: string; path: string } | undefined {
  for (const d of ancestors(dir, view.roots)) {
    const file = joinPath(d, 'go.mod');
    const text = view.text(file);
    if (text === undefined) continue;
    const m = /^\s*module\s+"?([^\s"]+)"?/m.exec(text);
    if (m?.[1] !== undefined) return { dir: d, path: m[1] };
  }
  return undefined;
}

/** The usual package name of an import path: its last element, skipping a `/vN` major-version suffix. */
function packageNameGuess(importPath: string): string {
  let base = path.basename(importPath);
  if (/^v\d+$/.test(base)) base = path.basename(path.dirname(importPath));
  return base.replace(/^go-/, '').replace(/[^\p{L}\p{N}_]/gu, '');
}

/** Identifiers appearing in `text`, in order of first appearance. */
function identifiers(text: string): string[] {
  return unique(text.match(/[\p{L}_][\p{L}\p{N}_]*/gu) ?? []);
}
