// textDocument/completion: one item whose edit covers the identifier at the cursor and inserts Spark's text.
// The item is built against the text the request saw; a stale or superseded request gets an empty list.
import {
  CompletionItemKind,
  InsertTextFormat,
  LSPErrorCodes,
  MarkupKind,
  ResponseError,
  type CancellationToken,
  type CompletionItem,
  type CompletionList,
  type CompletionParams,
  type Range,
} from 'vscode-languageserver';
import type { ServerContext } from './context.js';
import { quietly } from './outcome.js';
import { check, TextPositionParams } from './params.js';
import { versionOf } from './agreement.js';
import { suggest, type Suggestion } from './suggest.js';

const EMPTY: CompletionList = { isIncomplete: true, items: [] };
const WORD_BEFORE = /[\p{L}\p{N}_$]*$/u;
const WORD_AFTER = /^[\p{L}\p{N}_$]*/u;
const LABEL_MAX = 60;

export function registerCompletion(ctx: ServerContext): void {
  ctx.connection.onCompletion((params, token) => complete(ctx, params, token));
}

export async function complete(ctx: ServerContext, params: CompletionParams, token: CancellationToken): Promise<CompletionList> {
  check('textDocument/completion', TextPositionParams, params);
  if (!ctx.config.completion.enabled) return EMPTY;
  const list = await quietly(
    ctx,
    'completion',
    async () => {
      const found = await suggest(ctx, 'completion', params.textDocument.uri, params.position, token, versionOf(params));
      return found ? { isIncomplete: true, items: [completionItem(found, ctx.negotiated.insertReplace)] } : EMPTY;
    },
    EMPTY,
  );
  if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'completion cancelled');
  return list;
}

/**
 * The edit starts at the beginning of the identifier before the cursor and re-inserts it, so that clients
 * filtering items by the typed word keep the item; with InsertReplaceEdit the replace range also covers
 * the rest of the identifier after the cursor.
 */
export function completionItem(s: Suggestion, insertReplace: boolean): CompletionItem {
  const { position, lineText, text } = s;
  const before = lineText.slice(0, position.character);
  const word = WORD_BEFORE.exec(before)?.[0] ?? '';
  const wordAfter = WORD_AFTER.exec(lineText.slice(position.character))?.[0] ?? '';
  const start = { line: position.line, character: position.character - word.length };
  const insert: Range = { start, end: position };
  const newText = word + text;
  // The label is the first line with text on it (an answer may start on a new line), cut to LABEL_MAX.
  const shown = newText.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  const label = shown.length > LABEL_MAX ? `${shown.slice(0, LABEL_MAX)}…` : shown;
  return {
    label,
    kind: CompletionItemKind.Text,
    detail: 'Spark',
    documentation: { kind: MarkupKind.Markdown, value: '```' + s.languageId + '\n' + newText + '\n```' },
    filterText: newText,
    sortText: '0',
    preselect: true,
    insertTextFormat: InsertTextFormat.PlainText,
    textEdit: insertReplace
      ? { newText, insert, replace: { start, end: { line: position.line, character: position.character + wordAfter.length } } }
      : { newText, range: insert },
  };
}
