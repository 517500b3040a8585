// Turns the file changes of an applied patch into ONE WorkspaceEdit (documentChanges), and says which
// client capabilities that edit needs. Pure: LSP types and the minimal diff only; never talks to the client.
//
// API
//   buildPatchEdit(changes, { changeAnnotations }) -> WorkspaceEdit
//   requiredEditCapabilities(edit) -> { documentChanges, resourceOperations }
//   missingEditCapabilities(edit, clientCapabilities.workspace?.workspaceEdit) -> string[]  ([] when all is there)
//
// Order (clients run documentChanges in order, and an edit to a file that an earlier operation removed
// fails): per file, in the order of `changes`: an update is a TextDocumentEdit; a new file is a CreateFile
// (never overwriting) then a TextDocumentEdit inserting its content; a move is the content edit against the
// OLD uri (at the version the model saw) then the RenameFile; a delete is a DeleteFile. Deletes and
// renames carry a change annotation with needsConfirmation when the client supports annotations.

import type {
  ChangeAnnotation,
  CreateFile,
  DeleteFile,
  RenameFile,
  ResourceOperationKind,
  TextDocumentEdit,
  TextEdit,
  WorkspaceEdit,
  WorkspaceEditClientCapabilities,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { computeMinimalEdits } from './minimal.js';
import type { FileChange } from './apply-patch.js';

export interface PatchEditOptions {
  /** The client supports change annotations (`workspace.workspaceEdit.changeAnnotationSupport` is set). */
  changeAnnotations: boolean;
}

/**
 * One WorkspaceEdit for every change of a patch. Updates and moves carry minimal TextEdits computed against
 * `oldText` (the snapshot the model saw) with its `version` (a number for an open document, null for a file
 * on disk). An update that changes nothing adds no TextDocumentEdit.
 */
export function buildPatchEdit(changes: readonly FileChange[], options: PatchEditOptions): WorkspaceEdit {
  const documentChanges: (TextDocumentEdit | CreateFile | RenameFile | DeleteFile)[] = [];
  const annotations: Record<string, ChangeAnnotation> = {};
  const annotate = (id: string, label: string, description: string): { annotationId?: string } => {
    if (!options.changeAnnotations) return {};
    annotations[id] = { label, needsConfirmation: true, description };
    return { annotationId: id };
  };
  const edit = (uri: string, version: number | null, edits: TextEdit[]): void => {
    if (edits.length > 0) documentChanges.push({ textDocument: { uri, version }, edits });
  };

  for (const c of changes) {
    switch (c.kind) {
      case 'update':
        edit(c.uri, c.version, diffTexts(c.uri, c.oldText, c.newText));
        break;
      case 'add':
        documentChanges.push({ kind: 'create', uri: c.uri, options: { overwrite: false, ignoreIfExists: false } });
        // The range ends at line 1 of the empty file, which clients clamp to its end: Neovim holds an empty
        // file as one empty line, and only an edit reaching past it makes it drop that line (else the file
        // gains a blank last line).
        edit(c.uri, null, c.content === '' ? [] : [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: c.content }]);
        break;
      case 'move':
        edit(c.uri, c.version, diffTexts(c.uri, c.oldText, c.newText));
        documentChanges.push({
          kind: 'rename',
          oldUri: c.uri,
          newUri: c.newUri,
          options: { overwrite: false, ignoreIfExists: false },
          ...annotate(`rename ${c.path}`, `Rename ${c.path} to ${c.newPath}`, `Spark's patch moves ${c.path} to ${c.newPath}.`),
        });
        break;
      case 'delete':
        documentChanges.push({
          kind: 'delete',
          uri: c.uri,
          ...annotate(`delete ${c.path}`, `Delete ${c.path}`, `Spark's patch deletes ${c.path}.`),
        });
        break;
    }
  }
  return Object.keys(annotations).length > 0 ? { documentChanges, changeAnnotations: annotations } : { documentChanges };
}

function diffTexts(uri: string, oldText: string, newText: string): TextEdit[] {
  const doc = TextDocument.create(uri, '', 0, oldText);
  const range = { start: doc.positionAt(0), end: doc.positionAt(oldText.length) };
  return computeMinimalEdits(doc, range, newText);
}

export interface EditCapabilityNeeds {
  /** The edit uses `documentChanges` (versioned edits, version null for files on disk). */
  documentChanges: boolean;
  /** The resource operations it contains, each once, in the order create, rename, delete. */
  resourceOperations: ResourceOperationKind[];
}

/** What a client must support to apply `edit`. */
export function requiredEditCapabilities(edit: WorkspaceEdit): EditCapabilityNeeds {
  const kinds = new Set<string>();
  for (const change of edit.documentChanges ?? []) if ('kind' in change) kinds.add(change.kind);
  const order: ResourceOperationKind[] = ['create', 'rename', 'delete'];
  return { documentChanges: edit.documentChanges !== undefined, resourceOperations: order.filter((k) => kinds.has(k)) };
}

const DOING: Record<ResourceOperationKind, string> = { create: 'creating files', rename: 'renaming files', delete: 'deleting files' };

/**
 * What the client lacks to apply `edit`, phrased for a message ("the editor does not support …"); `[]` when
 * nothing is missing. `caps` is the client's `capabilities.workspace?.workspaceEdit`.
 */
export function missingEditCapabilities(edit: WorkspaceEdit, caps: WorkspaceEditClientCapabilities | undefined): string[] {
  const needs = requiredEditCapabilities(edit);
  const missing: string[] = [];
  if (needs.documentChanges && caps?.documentChanges !== true) missing.push('versioned workspace edits (documentChanges)');
  const supported = new Set(caps?.resourceOperations ?? []);
  for (const k of needs.resourceOperations) if (!supported.has(k)) missing.push(`${DOING[k]} (resourceOperations: ${k})`);
  return missing;
}
