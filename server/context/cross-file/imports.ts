// Import resolution for any understood language: which workspace files a file takes names from, and which names.
// Pure: parses the given text, asks the WorkspaceView which files exist; never reads anything itself.
import type { ImportedModule } from './imported.js';
import { goImports } from './imports-go.js';
import { jsImports } from './imports-js.js';
import { pythonImports } from './imports-python.js';
import { languageOfPath, withTree, type Node, type Parsers, type SourceLanguage } from './syntax.js';
import type { WorkspaceView } from './view.js';

export type { ImportedModule } from './imported.js';

export interface SourceFile {
  /** Path in the WorkspaceView's form. */
  path: string;
  text: string;
  /** Taken from the path's extension when absent. */
  language?: SourceLanguage;
}

/** The workspace modules `file` imports, in order of first import; [] for a language not understood. */
export function resolveImports(parsers: Parsers, file: SourceFile, view: WorkspaceView): ImportedModule[] {
  const language = file.language ?? languageOfPath(file.path);
  if (language === undefined || !parsers.languages.includes(language)) return [];
  return withTree(parsers, language, file.text, (root) => importsFromTree(root, language, file.path, file.text, view));
}

/** resolveImports() on a tree already parsed. */
export function importsFromTree(root: Node, language: SourceLanguage, path: string, text: string, view: WorkspaceView): ImportedModule[] {
  switch (language) {
    case 'typescript':
    case 'tsx':
    case 'javascript':
      return jsImports(root, path, text, view);
    case 'python':
      return pythonImports(root, path, text, view);
    case 'go':
      return goImports(root, path, text, view);
  }
}
