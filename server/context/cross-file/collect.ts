// From a file to the declarations of what it imports: resolve its imports, extract each target's declarations,
// select the imported names, and follow re-exports one level (an index.ts re-exporting from ./foo, a package's
// __init__.py importing from .mod). Pure: texts come from the WorkspaceView; a target whose text the view (or
// whose declarations the caller's memo) does not give is reported in `unread`, so that the caller can read or
// extract it off the request path and collect again.
import { selectDeclarations, type Declaration, type FileDeclarations } from './declaration.js';
import { declarationSteps, extractDeclarations } from './declarations.js';
import type { ImportedModule } from './imported.js';
import { importsFromTree, resolveImports, type SourceFile } from './imports.js';
import { resolveJsModule } from './imports-js.js';
import { resolvePythonModule } from './imports-python.js';
import { outlineSteps, type SymbolSpan } from './symbols.js';
import { allSteps, STEP_CHARS, stepsInTurns } from './steps.js';
import { freshTrees, languageOfPath, type Parsers, type SourceLanguage, type TreeKeeper } from './syntax.js';
import type { WorkspaceView } from './view.js';

/** Declarations taken from one file of the workspace. */
export interface DeclarationBlock {
  path: string;
  language: SourceLanguage;
  /** In order of relevance: the imported names first, then (whole-module imports) the rest in source order. */
  declarations: Declaration[];
}

export interface CollectedDeclarations {
  imports: ImportedModule[];
  /** One block per file, in order of import. */
  blocks: DeclarationBlock[];
  /** Files whose text the view, or whose declarations `declarationsOf`, did not give (missing from `blocks`). */
  unread: string[];
}

export interface CollectOptions {
  /**
   * Extraction for a target file, to memoise per file version; undefined when the caller has not extracted it
   * yet (the file is then reported in `unread`, so that extraction can be spread over several turns of the
   * event loop, one file each, and collection repeated). Default: extractDeclarations.
   */
  declarationsOf?: (file: Required<SourceFile>) => FileDeclarations | undefined;
  /** The file's imports when already resolved (analyzeSource()); else they are resolved here. */
  imports?: ImportedModule[];
}

/** What one parse of a file gives: its imports, its own declarations (for files importing it), its outline. */
export interface SourceAnalysis {
  imports: ImportedModule[];
  declarations: FileDeclarations;
  outline: SymbolSpan[];
}

/**
 * The analysis of one file as steps: the parse (in pieces, or from the document's last tree), the imports, then
 * the declarations and the outline, each in parts of about STEP_CHARS. A driver runs them at once (analyzeSource) or
 * with the event loop free between them (analyzeSourceInTurns).
 */
function* analysisSteps(parsers: Parsers, file: SourceFile, view: WorkspaceView, trees: TreeKeeper): Generator<void, SourceAnalysis | undefined> {
  const language = file.language ?? languageOfPath(file.path);
  if (language === undefined || !parsers.languages.includes(language)) return undefined;
  const tree = yield* trees.parse(language, file.text);
  try {
    yield;
    const imports = importsFromTree(tree.rootNode, language, file.path, file.text, view);
    yield;
    const declarations = yield* declarationSteps(tree.rootNode, language, file.text, STEP_CHARS);
    yield;
    return { imports, declarations, outline: yield* outlineSteps(tree.rootNode, language, file.text, STEP_CHARS) };
  } finally {
    trees.done(tree, language, file.text);
  }
}

/** Everything the engine needs from one file, from a single parse; undefined for a language not understood. */
export function analyzeSource(parsers: Parsers, file: SourceFile, view: WorkspaceView): SourceAnalysis | undefined {
  return allSteps(analysisSteps(parsers, file, view, freshTrees(parsers)));
}

/**
 * analyzeSource with the event loop free between its steps (`turn()` resolves before each next one), so that a
 * request that arrives meanwhile waits for one step, not for all of them. `trees`: where the tree comes from and
 * goes (ReusedTrees: parsed from the document's last tree, and kept for its next analysis).
 */
export function analyzeSourceInTurns(
  parsers: Parsers,
  file: SourceFile,
  view: WorkspaceView,
  turn: () => Promise<void>,
  trees: TreeKeeper = freshTrees(parsers),
): Promise<SourceAnalysis | undefined> {
  return stepsInTurns(analysisSteps(parsers, file, view, trees), turn);
}

export function collectImportedDeclarations(parsers: Parsers, file: SourceFile, view: WorkspaceView, opts: CollectOptions = {}): CollectedDeclarations {
  const imports = opts.imports ?? resolveImports(parsers, file, view);
  const declarationsOf = opts.declarationsOf ?? ((f: Required<SourceFile>): FileDeclarations | undefined => extractDeclarations(parsers, f));
  const blocks = new Map<string, DeclarationBlock>();
  const unread = new Set<string>();

  const load = (path: string): { language: SourceLanguage; decls: FileDeclarations } | undefined => {
    const language = languageOfPath(path);
    if (language === undefined || !parsers.languages.includes(language)) return undefined;
    const text = view.text(path);
    if (text === undefined) {
      unread.add(path);
      return undefined;
    }
    const decls = declarationsOf({ path, text, language });
    if (decls === undefined) {
      unread.add(path);
      return undefined;
    }
    return { language, decls };
  };
  const add = (path: string, language: SourceLanguage, declarations: Declaration[]): void => {
    if (declarations.length === 0) return;
    let block = blocks.get(path);
    if (block === undefined) blocks.set(path, (block = { path, language, declarations: [] }));
    for (const d of declarations) if (!block.declarations.includes(d)) block.declarations.push(d);
  };

  for (const m of imports) {
    for (const path of m.files) {
      const target = load(path);
      if (target === undefined) continue;
      const ownPackage = target.language === 'go' && m.specifier === '';
      let sel = selectDeclarations(target.decls, m.names, { whole: m.whole, includePrivate: ownPackage });
      // A default import of a module without a default export (CommonJS `module.exports = {…}`) takes it all.
      if (sel.missing.includes('default') && target.decls.explicitExports && !target.decls.reExports.some((r) => r.names !== '*' && r.names.some((n) => n.exported === 'default'))) {
        sel = selectDeclarations(target.decls, m.names.filter((n) => n !== 'default'), { whole: true });
      }
      add(path, target.language, sel.declarations);
      followReExports(path, target.language, target.decls, m.whole ? undefined : sel.missing);
    }
  }
  return { imports, blocks: [...blocks.values()], unread: [...unread] };

  /** One level: `wanted` names not declared in `path` (undefined: a whole-module import wants everything). */
  function followReExports(path: string, language: SourceLanguage, decls: FileDeclarations, wanted: string[] | undefined): void {
    if (wanted !== undefined && wanted.length === 0) return;
    for (const r of decls.reExports) {
      let names: string[];
      let whole = false;
      if (r.names === '*') {
        whole = wanted === undefined;
        names = wanted ?? [];
      } else {
        names = r.names.filter((n) => wanted === undefined || wanted.includes(n.exported)).map((n) => n.imported);
        if (names.length === 0) continue;
      }
      const targetPath = resolveReExport(path, language, r.specifier, view);
      if (targetPath === undefined || targetPath === path) continue;
      const target = load(targetPath);
      if (target === undefined) continue;
      const sel = selectDeclarations(target.decls, names, { whole });
      add(targetPath, target.language, sel.declarations);
    }
  }
}

function resolveReExport(from: string, language: SourceLanguage, specifier: string, view: WorkspaceView): string | undefined {
  if (language === 'python') {
    const level = /^\.*/.exec(specifier)?.[0].length ?? 0;
    return resolvePythonModule(from, level, specifier.slice(level), view)?.file;
  }
  if (language === 'go') return undefined;
  return resolveJsModule(from, specifier, view);
}
