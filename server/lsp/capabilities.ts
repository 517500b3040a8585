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
  /** WorkspaceEdits may use versioned `documentChanges`. */
  documentChanges: boolean;
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
  /** The client registers workspace/didChangeWatchedFiles watchers dynamically. */
  watchedFilesRegistration: boolean;
}

export function negotiate(client: ClientCapabilities): Negotiated {
  const codeAction = client.textDocument?.codeAction;
  return {
    insertReplace: client.textDocument?.completion?.completionItem?.insertReplaceSupport === true,
    resolveEdit: codeAction?.dataSupport === true && (codeAction.resolveSupport?.properties ?? []).includes('edit'),
    documentChanges: client.workspace?.workspaceEdit?.documentChanges === true,
    applyEdit: client.workspace?.applyEdit === true,
    workDoneProgress: client.window?.workDoneProgress === true,
    configuration: client.workspace?.configuration === true,
    configurationChangeRegistration: client.workspace?.didChangeConfiguration?.dynamicRegistration === true,
    workspaceFolders: client.workspace?.workspaceFolders === true,
    watchedFilesRegistration: client.workspace?.didChangeWatchedFiles?.dynamicRegistration === true,
  };
}

export function serverCapabilities(): ServerCapabilities {
  return {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    completionProvider: { resolveProvider: false, triggerCharacters: ['.'] },
    inlineCompletionProvider: true,
    codeActionProvider: {
      codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorRewrite],
      resolveProvider: true,
    },
    executeCommandProvider: { commands: [...COMMANDS] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}
