// Cross-file context: what the code around the cursor refers to in other files of the workspace, as text within
// a token budget. The public surface of server/context/cross-file/; pure except for the two loaders (parsers and
// the tokenizer), which read files of installed packages once at start-up.
export { editBetween, loadParsers, languageOfPath, ReusedTrees, SOURCE_LANGUAGES, type Parsers, type SourceLanguage, type TreeKeeper } from './syntax.js';
export { workspaceViewOf, type WorkspaceView } from './view.js';
export { stepsInTurns } from './steps.js';
export { resolveImports, type ImportedModule, type SourceFile } from './imports.js';
export {
  extractDeclarations,
  extractDeclarationSteps,
  selectDeclarations,
  type Declaration,
  type DeclarationKind,
  type FileDeclarations,
  type ReExport,
  type Selection,
} from './declarations.js';
export {
  analyzeSource,
  analyzeSourceInTurns,
  collectImportedDeclarations,
  type CollectedDeclarations,
  type CollectOptions,
  type DeclarationBlock,
  type SourceAnalysis,
} from './collect.js';
export { enclosingSymbols, outlineSymbols, type SymbolKind, type SymbolSpan } from './symbols.js';
export {
  buildCrossFileContext,
  CROSS_FILE_TOKENS,
  DEFAULT_LIMITS,
  rankOpenFiles,
  renderEnclosing,
  type CrossFileContext,
  type CrossFileInput,
  type CrossFileLimits,
  type OpenFile,
  type RecentEdit,
} from './layout.js';
export { primeAnalysis, type PrimeRun } from './prime.js';
export { boundedPieces, cachingTokenCounter, estimateTokenCount, loadTokenCounter, type CachingTokenCounter, type TokenCounter } from './tokens.js';
