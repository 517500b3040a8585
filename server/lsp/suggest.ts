// Shared path of completion and inline completion: one model call for the text to insert at a cursor,
// superseding the previous call for the same document, and never answering from a stale snapshot.
import type { CancellationToken, Position } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { buildCompletionPrompt } from '../context/prompt.js';
import { parseCompletion } from '../context/parse.js';
import { Priority } from '../spark/api.js';
import type { ServerContext } from './context.js';
import { promptPath } from './uri.js';
import { mayUse } from './workspace.js';

export interface Suggestion {
  /** The document as the request saw it (positions in the answer refer to it). */
  snapshot: TextDocument;
  position: Position;
  /** Text to insert at `position`; never empty. */
  text: string;
}

/** Characters of context handed to the lenient parser on each side of the cursor. */
const PARSE_WINDOW = 4_000;

export async function suggest(
  ctx: ServerContext,
  kind: 'completion' | 'inline',
  uri: string,
  position: Position,
  token: CancellationToken,
): Promise<Suggestion | undefined> {
  const spark = ctx.spark;
  const doc = ctx.documents.get(uri);
  if (!doc || spark instanceof Error || !mayUse(ctx, uri)) return undefined;
  const snapshot = TextDocument.create(uri, doc.languageId, doc.version, doc.getText());
  const text = snapshot.getText();
  const offset = snapshot.offsetAt(position);
  const { completion, context } = ctx.config;
  const prompt = buildCompletionPrompt({
    path: promptPath(uri),
    languageId: snapshot.languageId,
    text,
    offset,
    diagnostics: [],
    budgetTokens: context.budgetTokens,
  });
  const turn = ctx.latest.begin(`${kind}:${uri}`, (abort) => token.onCancellationRequested(abort));
  try {
    const result = await spark.generate({
      instructions: prompt.instructions,
      input: prompt.input,
      maxOutputTokens: completion.maxOutputTokens,
      priority: Priority.Interactive,
      deadline: Date.now() + completion.timeoutMs,
      affinity: uri,
      signal: turn.signal,
    });
    if (ctx.documents.get(uri)?.version !== snapshot.version) return undefined;
    const inserted = parseCompletion(result.text, {
      before: text.slice(Math.max(0, offset - PARSE_WINDOW), offset),
      after: text.slice(offset, offset + PARSE_WINDOW),
    });
    return inserted ? { snapshot, position: snapshot.positionAt(offset), text: inserted } : undefined;
  } finally {
    turn.end();
  }
}
