// textDocument/inlineCompletion (LSP 3.18): Spark's text as ghost text inserted at the cursor.
import {
  LSPErrorCodes,
  ResponseError,
  type CancellationToken,
  type InlineCompletionList,
  type InlineCompletionParams,
} from 'vscode-languageserver';
import type { ServerContext } from './context.js';
import { quietly } from './outcome.js';
import { check, TextPositionParams } from './params.js';
import { versionOf } from './agreement.js';
import { suggest } from './suggest.js';

const EMPTY: InlineCompletionList = { items: [] };

export function registerInlineCompletion(ctx: ServerContext): void {
  ctx.connection.languages.inlineCompletion.on((params, token) => inlineComplete(ctx, params, token));
}

export async function inlineComplete(
  ctx: ServerContext,
  params: InlineCompletionParams,
  token: CancellationToken,
): Promise<InlineCompletionList> {
  check('textDocument/inlineCompletion', TextPositionParams, params);
  if (!ctx.config.completion.inlineEnabled) return EMPTY;
  const list = await quietly(
    ctx,
    'inline completion',
    async () => {
      const found = await suggest(ctx, 'inline', params.textDocument.uri, params.position, token, versionOf(params));
      return found ? { items: [{ insertText: found.text, range: { start: found.position, end: found.position } }] } : EMPTY;
    },
    EMPTY,
  );
  if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'inline completion cancelled');
  return list;
}
