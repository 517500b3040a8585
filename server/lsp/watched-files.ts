// workspace/didChangeWatchedFiles: asks the client to watch every file of the workspace folders (dynamic
// registration, when the client offers it) and folds the events it sends into the workspace index. Without
// watching, the index rebuilds itself lazily when it is used past its age limit (see workspace-index.ts).
import { DidChangeWatchedFilesNotification, FileChangeType, WatchKind } from 'vscode-languageserver';
import { z } from 'zod';
import type { ServerContext } from './context.js';

const Events = z.object({
  changes: z.array(
    z.object({ uri: z.string().min(1), type: z.union([z.literal(FileChangeType.Created), z.literal(FileChangeType.Changed), z.literal(FileChangeType.Deleted)]) }),
  ),
});

/** Every file: the index lists all files (gitignore rules and exclusions are applied on its side). */
export const WATCHERS = [{ globPattern: '**/*', kind: WatchKind.Create | WatchKind.Change | WatchKind.Delete }];

/** Handles file events from now on (a client may send them without any registration). */
export function handleWatchedFiles(ctx: ServerContext): void {
  ctx.connection.onDidChangeWatchedFiles((raw) => {
    const parsed = Events.safeParse(raw);
    if (!parsed.success) {
      ctx.log.warn('ignored a malformed workspace/didChangeWatchedFiles notification');
      return;
    }
    ctx.workspaceIndex.applyChanges(parsed.data.changes);
  });
}

/**
 * After `initialized`: registers the watchers when the client supports it; the index then trusts the events.
 * Resolves whether the client now sends file events.
 */
export async function registerWatchers(ctx: ServerContext): Promise<boolean> {
  if (!ctx.negotiated.watchedFilesRegistration) return false;
  try {
    await ctx.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: WATCHERS });
    ctx.workspaceIndex.setWatched(true);
    return true;
  } catch (e) {
    ctx.log.info(`the client did not register file watchers (${e instanceof Error ? e.message : String(e)}); the workspace index refreshes on use`);
    return false;
  }
}
