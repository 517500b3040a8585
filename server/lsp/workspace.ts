// Where spark-lsp may act: open documents inside the workspace folders the client named (any open
// document when it named none), never a file matching a content exclusion.
import { isExcluded } from '../context/exclusion.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { ServerContext } from './context.js';
import { promptPath } from './uri.js';

export function trackWorkspaceFolders(ctx: ServerContext): void {
  ctx.connection.workspace.onDidChangeWorkspaceFolders((e) => {
    const removed = new Set(e.removed.map((f) => f.uri));
    ctx.workspaceFolders = [...ctx.workspaceFolders.filter((uri) => !removed.has(uri)), ...e.added.map((f) => f.uri)];
  });
}

export function inWorkspace(ctx: ServerContext, uri: string): boolean {
  if (ctx.workspaceFolders.length === 0) return true;
  return ctx.workspaceFolders.some((folder) => uri === folder || uri.startsWith(folder.endsWith('/') ? folder : `${folder}/`));
}

/** Whether the model may see and change this document (the quiet check for completions and listings). */
export function mayUse(ctx: ServerContext, uri: string): boolean {
  return inWorkspace(ctx, uri) && !isExcluded(uri, ctx.config.exclude, ctx.workspaceFolders);
}

/** The loud check for explicit requests: refuses with the reason. */
export function ensureMayUse(ctx: ServerContext, uri: string): void {
  if (!inWorkspace(ctx, uri)) {
    throw new SparkError(SparkErrorCode.BadArgument, `${promptPath(uri)} is outside the workspace folders`);
  }
  if (isExcluded(uri, ctx.config.exclude, ctx.workspaceFolders)) {
    throw new SparkError(SparkErrorCode.Excluded, `${promptPath(uri)} matches a content exclusion; it is never sent to the model`);
  }
}
