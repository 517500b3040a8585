// Wraps computed edits in a WorkspaceEdit, versioned when the client supports documentChanges.
// Pure: types only from vscode-languageserver; never talks to the connection.

import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver';

/**
 * `version` is the document version the edits were computed against: with documentChanges the
 * client rejects the edit if the document has moved on, instead of applying it to the wrong text.
 */
export function buildWorkspaceEdit(args: {
  uri: string;
  version: number;
  edits: TextEdit[];
  documentChanges: boolean;
}): WorkspaceEdit {
  const { uri, version, edits } = args;
  if (args.documentChanges) {
    return { documentChanges: [{ textDocument: { uri, version }, edits }] };
  }
  return { changes: { [uri]: edits } };
}
