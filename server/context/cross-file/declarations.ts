// Declaration extraction for any understood language: a file's top-level declarations at signature level
// (no function bodies) with the names they are exported by, and its re-exports.
// Pure: parses the given text; reads nothing.
import type { FileDeclarations } from './declaration.js';
import { goDeclarations } from './declarations-go.js';
import { jsDeclarations } from './declarations-js.js';
import { pythonDeclarations } from './declarations-python.js';
import type { SourceFile } from './imports.js';
import { allSteps, STEP_CHARS } from './steps.js';
import { languageOfPath, parseInPieces, withTree, type Node, type SourceLanguage } from './syntax.js';
import type { Parsers } from './syntax.js';

export { selectDeclarations, type Declaration, type DeclarationKind, type FileDeclarations, type ReExport, type Selection } from './declaration.js';

const EMPTY: FileDeclarations = { declarations: [], reExports: [], explicitExports: true };

/** The top-level declarations of `file`; none for a language not understood. */
export function extractDeclarations(parsers: Parsers, file: SourceFile): FileDeclarations {
  const language = file.language ?? languageOfPath(file.path);
  if (language === undefined || !parsers.languages.includes(language)) return EMPTY;
  return withTree(parsers, language, file.text, (root) => declarationsFromTree(root, language, file.text));
}

/** extractDeclarations() as steps (yielding between them): the parse in pieces, then the walk in parts. */
export function* extractDeclarationSteps(parsers: Parsers, file: SourceFile): Generator<void, FileDeclarations> {
  const language = file.language ?? languageOfPath(file.path);
  if (language === undefined || !parsers.languages.includes(language)) return EMPTY;
  const tree = yield* parseInPieces(parsers, language, file.text);
  try {
    yield;
    return yield* declarationSteps(tree.rootNode, language, file.text, STEP_CHARS);
  } finally {
    tree.delete();
  }
}

/** extractDeclarations() on a tree already parsed. */
export function declarationsFromTree(root: Node, language: SourceLanguage, text: string): FileDeclarations {
  return allSteps(declarationSteps(root, language, text, Infinity));
}

/** declarationsFromTree() in steps of about `charsPerStep` characters of top-level code (yielding between them). */
export function declarationSteps(root: Node, language: SourceLanguage, text: string, charsPerStep: number): Generator<void, FileDeclarations> {
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript':
      return jsDeclarations(root, text, charsPerStep);
    case 'python':
      return pythonDeclarations(root, text, charsPerStep);
    case 'go':
      return goDeclarations(root, text, charsPerStep);
  }
}
