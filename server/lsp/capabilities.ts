// Pure negotiation: the client's capabilities in, what spark-lsp offers and how it must answer out.
// Every feature reads the negotiated flags from here instead of poking at raw client capabilities.
import {
  CodeActionKind,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type ServerCapabilities,
} from 'vscode-languageserver';
import { COMMANDS } from './commands.js';

export interface Negotiated {
  /** Completion items may carry InsertReplaceEdit. */
  insertReplace: boolean;
  /** codeAction/resolve may fill `edit` (else actions carry a command that applies the edit). */
  resolveEdit: boolean;
  /**
   * WorkspaceEdits may use versioned `documentChanges`. Also true when the client announces resource
   * operations without it: those exist only inside documentChanges (Neovim announces them alone and applies both).
   */
  documentChanges: boolean;
  /** Resource operations the client applies inside documentChanges. */
  resourceOperations: { create: boolean; rename: boolean; delete: boolean };
  /** Change annotations (e.g. `needsConfirmation` on a deletion) are understood. */
  changeAnnotations: boolean;
  /** What the client does when one change of a WorkspaceEdit fails (undefined: it does not say, so assume `abort`). */
  failureHandling: 'abort' | 'transactional' | 'textOnlyTransactional' | 'undo' | undefined;
  /** The client applies server-initiated workspace/applyEdit. */
  applyEdit: boolean;
  /** window/workDoneProgress/create is allowed. */
  workDoneProgress: boolean;
  /** workspace/configuration can be asked for the `spark` section. */
  configuration: boolean;
  /** The client registers for workspace/didChangeConfiguration dynamically. */
  configurationChangeRegistration: boolean;
  /** The client reports workspace folders and their changes. */
  workspaceFolders: boolean;
  /** Published diagnostics may carry relatedInformation. */
  relatedInformation: boolean;
  /** The client registers workspace/didChangeWatchedFiles watchers dynamically. */
  watchedFilesRegistration: boolean;
}

export function negotiate(client: ClientCapabilities): Negotiated {
  const codeAction = client.textDocument?.codeAction;
  const workspaceEdit = client.workspace?.workspaceEdit;
  const operations = new Set<string>(Array.isArray(workspaceEdit?.resourceOperations) ? workspaceEdit.resourceOperations : []);
  const failureHandling = workspaceEdit?.failureHandling;
  return {
    insertReplace: client.textDocument?.completion?.completionItem?.insertReplaceSupport === true,
    resolveEdit: codeAction?.dataSupport === true && (codeAction.resolveSupport?.properties ?? []).includes('edit'),
    documentChanges: workspaceEdit?.documentChanges === true || operations.size > 0,
    resourceOperations: { create: operations.has('create'), rename: operations.has('rename'), delete: operations.has('delete') },
    changeAnnotations: workspaceEdit?.changeAnnotationSupport !== undefined && workspaceEdit.changeAnnotationSupport !== null,
    failureHandling: failureHandling === 'abort' || failureHandling === 'transactional' || failureHandling === 'textOnlyTransactional' || failureHandling === 'undo'
      ? failureHandling
      : undefined,
    applyEdit: client.workspace?.applyEdit === true,
    workDoneProgress: client.window?.workDoneProgress === true,
    configuration: client.workspace?.configuration === true,
    configurationChangeRegistration: client.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    workspaceFolders: client.workspace?.workspaceFolders === true,
    relatedInformation: client.textDocument?.publishDiagnostics?.relatedInformation === true,
    watchedFilesRegistration: client.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
  };
}

/** What a WorkspaceEdit asks of the client beyond text edits: the paths it creates, renames and deletes. */
export interface EditNeeds {
  /** Versioned text edits or resource operations, which exist only in `documentChanges`. */
  documentChanges: boolean;
  create: readonly string[];
  rename: readonly string[];
  delete: readonly string[];
}

const VERB = { create: 'creates', rename: 'renames', delete: 'deletes' } as const;

/** Why the client cannot apply an edit with these needs, in words for the user; undefined when it can. */
export function unsupportedBy(negotiated: Negotiated, needs: EditNeeds): string | undefined {
  for (const op of ['create', 'rename', 'delete'] as const) {
    const paths = needs[op];
    if (paths.length === 0 || negotiated.resourceOperations[op]) continue;
    return `the edit ${VERB[op]} ${paths.join(', ')}, but this editor cannot ${op} files in a workspace edit (it does not announce workspaceEdit.resourceOperations "${op}")`;
  }
  if (needs.documentChanges && !negotiated.documentChanges) {
    return 'this editor cannot apply versioned edits (it does not announce workspaceEdit.documentChanges)';
  }
  return undefined;
}

export function serverCapabilities(): ServerCapabilities {
  return {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
    completionProvider: { resolveProvider: false, triggerCharacters: ['.'] },
    inlineCompletionProvider: true,
    codeActionProvider: {
      codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite, CodeActionKind.Source],
      resolveProvider: true,
    },
    executeCommandProvider: { commands: [...COMMANDS] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}
