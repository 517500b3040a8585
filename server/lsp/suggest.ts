// Shared path of completion and inline completion: the text to insert at a cursor. Answered from the
// suggestion the user is typing along when possible; otherwise one model call that supersedes the previous
// one for the document, answers as soon as a wanted single line is complete, and never answers stale.
import type { CancellationToken, Position } from 'vscode-languageserver';
import { buildCompletionDelta, buildCompletionPrompt, COMPLETION_INSTRUCTIONS } from '../context/prompt.js';
import { parseCompletion } from '../context/parse.js';
import { Priority } from '../spark/api.js';
import { Cancellation } from '../scheduling/cancellation.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { RequestTimings } from '../spark/timings.js';
import type { ServerContext } from './context.js';
import { promptPath } from './uri.js';
import { mayUse } from './workspace.js';

export interface Suggestion {
  /** Of the document as the request saw it (positions in the answer refer to that text). */
  languageId: string;
  position: Position;
  /** The line at `position` in that text, with its line break. */
  lineText: string;
  /** Text to insert at `position`; never empty. */
  text: string;
}

/** Characters of context handed to the lenient parser on each side of the cursor. */
const PARSE_WINDOW = 4_000;

/** `version`: the `textDocument.version` the request carried, if any (see agreement.ts). */
export function suggest(
  ctx: ServerContext,
  kind: 'completion' | 'inline',
  uri: string,
  position: Position,
  token: CancellationToken,
  version?: number,
): Promise<Suggestion | undefined> {
  return ctx.status.track(kind, uri, (timings) => suggestTimed(ctx, kind, uri, position, token, version, timings), (s) => s?.text);
}

async function suggestTimed(
  ctx: ServerContext,
  kind: 'completion' | 'inline',
  uri: string,
  position: Position,
  token: CancellationToken,
  version: number | undefined,
  timings: RequestTimings,
): Promise<Suggestion | undefined> {
  const spark = ctx.spark;
  const doc = ctx.documents.get(uri);
  if (!doc || spark instanceof Error || !mayUse(ctx, uri)) return undefined;
  if (!ctx.agreement.check(kind === 'inline' ? 'inline completion' : 'completion', doc, position, version)) return undefined;
  // What the request saw, read now (the document object changes in place with later edits; the answer is
  // given only while its version is still this one).
  const { languageId, version: seen } = doc;
  const text = doc.getText();
  const offset = doc.offsetAt(position);
  const at = doc.positionAt(offset);
  const lineText = doc.getText({ start: { line: at.line, character: 0 }, end: { line: at.line + 1, character: 0 } });
  const turn = ctx.latest.begin(`${kind}:${uri}`, (abort) => token.onCancellationRequested(abort));
  try {
    const known = ctx.typingAlong.rest(uri, text, offset);
    if (known !== undefined) return { languageId, position: at, lineText, text: known };

    const { completion, context } = ctx.config;
    // Most stable first: the cross-file context (also in the warm-up), then what changes between requests.
    const volatile = ctx.crossFile.volatile(uri, offset, context.recentEditsTokens);
    // The whole prompt is built only for an attempt that does not chain from the warm context.
    const fullInput = (): string =>
      joinParts(
        ctx.crossFile.stable(uri).text,
        volatile,
        buildCompletionPrompt({
          path: promptPath(uri),
          languageId,
          text,
          offset,
          diagnostics: [],
          budgetTokens: context.budgetTokens,
        }).input,
      );
    const chained = ctx.warmth.has(uri)
      ? joinParts(volatile, buildCompletionDelta({ languageId, text, offset, budgetTokens: context.deltaTokens, lines: { cursor: at.line, count: doc.lineCount } }))
      : undefined;
    const around = {
      before: text.slice(Math.max(0, offset - PARSE_WINDOW), offset),
      after: text.slice(offset, offset + PARSE_WINDOW),
    };
    const raw = await firstAnswer(ctx, turn.signal, wantsOneLine(around.after), (signal, onText) =>
      spark.generate({
        instructions: COMPLETION_INSTRUCTIONS,
        input: chained ?? fullInput(),
        ...(chained !== undefined ? { warm: { key: uri, fullInput } } : {}),
        promptCacheKey: ctx.warmth.cacheKey(uri),
        maxOutputTokens: completion.maxOutputTokens,
        priority: Priority.Interactive,
        deadline: Date.now() + completion.timeoutMs,
        affinity: uri,
        signal,
        onText,
        timings,
      }),
    );
    if (ctx.documents.get(uri)?.version !== seen) return undefined;
    const inserted = parseCompletion(raw, around);
    if (!inserted) return undefined;
    ctx.typingAlong.remember(uri, text, offset, inserted);
    return { languageId, position: at, lineText, text: inserted };
  } finally {
    turn.end();
  }
}

/** The non-empty parts, one after the other. With `+`: Array.join copies a large stable part on every request. */
function joinParts(...parts: string[]): string {
  let out = '';
  for (const p of parts) if (p !== '') out = out === '' ? p : out + '\n' + p;
  return out;
}

/** Text after the cursor on its line means the user is completing inside a line: one line is wanted. */
function wantsOneLine(after: string): boolean {
  const rest = after.slice(0, after.indexOf('\n') === -1 ? after.length : after.indexOf('\n'));
  return rest.trim() !== '';
}

type Generate = (signal: Cancellation, onText: (textSoFar: string) => void) => Promise<{ text: string }>;

/**
 * The model's text, or with `oneLine` its first line as soon as that line is complete: the request is
 * then released (its upstream response drains on its lane and is discarded) and the answer goes out at once.
 */
async function firstAnswer(ctx: ServerContext, signal: Cancellation, oneLine: boolean, generate: Generate): Promise<string> {
  if (!oneLine) return (await generate(signal, () => undefined)).text;
  const early = new Cancellation();
  const release = () => early.abort(signal.reason);
  signal.addEventListener('abort', release, { once: true });
  let line: string | undefined;
  try {
    const result = await generate(early, (textSoFar) => {
      const end = textSoFar.indexOf('\n');
      if (line === undefined && end >= 0 && textSoFar.slice(0, end).trim() !== '') {
        line = textSoFar.slice(0, end);
        early.abort('answered');
      }
    });
    return firstLine(result.text);
  } catch (e) {
    if (line !== undefined && e instanceof SparkError && e.code === SparkErrorCode.Cancelled && !signal.aborted) {
      ctx.log.debug('completion answered at the end of its first line; the rest drains upstream');
      return line;
    }
    throw e;
  } finally {
    signal.removeEventListener('abort', release);
  }
}

function firstLine(text: string): string {
  const trimmed = text.replace(/^\n+/, '');
  const end = trimmed.indexOf('\n');
  return end < 0 ? trimmed : trimmed.slice(0, end);
}
