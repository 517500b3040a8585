// Folds the events of one response into text, status and usage, and maps upstream errors to
// SparkErrors. Shared by the WebSocket lanes and the HTTP/SSE fallback; pure (no I/O, no timers).
//
// Invariant: one ResponseAccumulator per response; after it returns `done` or `error`, it is discarded.
// Text: the terminal `response.output` is authoritative when it holds a message; otherwise the
// concatenated `output_text.delta`s; otherwise `output_text.done` / `output_item.done` texts (sparse streams).

import type { GenerateResult, Usage } from './api.js';
import { SparkError, SparkErrorCode } from './errors.js';
import type { ErrorEvent, OutputItem, ResponseObject, ServerEvent } from './events.js';

export type ResponseOutcome = Omit<GenerateResult, 'transport'>;

export type Step =
  | undefined
  | { kind: 'text'; text: string }
  | { kind: 'done'; outcome: ResponseOutcome }
  | { kind: 'error'; error: SparkError; retryable: boolean };

export class ResponseAccumulator {
  /** Text accumulated from deltas so far. */
  text = '';
  /** Response id once `response.created` (or any event carrying a response) was seen. */
  responseId: string | undefined;
  /** Ids of the output items seen so far (to attribute a frame that lost its stream_id). */
  readonly itemIds = new Set<string>();
  private sawDelta = false;
  private textDone: string[] = [];
  private itemDone: string[] = [];

  feed(event: ServerEvent): Step {
    switch (event.type) {
      case 'response.output_text.delta':
        this.sawDelta = true;
        this.text += event.delta;
        if (event.item_id !== undefined) this.itemIds.add(event.item_id);
        return { kind: 'text', text: this.text };
      case 'response.created':
      case 'response.in_progress':
      case 'response.queued':
        this.responseId ??= event.response.id;
        return undefined;
      case 'response.output_text.done':
        this.textDone.push(event.text);
        return undefined;
      case 'response.output_item.added':
        if (event.item.id !== undefined) this.itemIds.add(event.item.id);
        return undefined;
      case 'response.content_part.added':
        this.itemIds.add(event.item_id);
        return undefined;
      case 'response.output_item.done': {
        const text = messageText([event.item]);
        if (text !== undefined) this.itemDone.push(text);
        return undefined;
      }
      case 'response.completed':
      case 'response.incomplete':
        return { kind: 'done', outcome: this.outcome(event.response, event.type === 'response.completed' ? 'completed' : 'incomplete') };
      case 'response.failed': {
        const err = event.response.error;
        const code = err?.code ?? 'response_failed';
        return {
          kind: 'error',
          error: new SparkError(SparkErrorCode.Upstream, `response ${event.response.id} failed: ${code}: ${err?.message ?? 'no message'}`, {
            upstreamCode: code,
          }),
          retryable: false,
        };
      }
      case 'error':
        return errorStep(event);
      default:
        return undefined;
    }
  }

  private outcome(response: ResponseObject, status: 'completed' | 'incomplete'): ResponseOutcome {
    const fromOutput = response.output ? messageText(response.output) : undefined;
    let text: string;
    if (fromOutput !== undefined) text = fromOutput;
    else if (this.sawDelta) text = this.text;
    else if (this.textDone.length > 0) text = this.textDone.join('');
    else text = this.itemDone.join('');
    return { text, status, responseId: response.id, usage: usageOf(response) };
  }
}

/** Concatenated `output_text` of the message items, or undefined when there is no message item. */
function messageText(items: readonly OutputItem[]): string | undefined {
  let text: string | undefined;
  for (const item of items) {
    if (item.type !== 'message') continue;
    text ??= '';
    for (const part of item.content ?? []) {
      if (part.type === 'output_text' && part.text !== undefined) text += part.text;
    }
  }
  return text;
}

function usageOf(response: ResponseObject): Usage | undefined {
  const u = response.usage;
  if (!u) return undefined;
  return {
    inputTokens: u.input_tokens,
    cachedTokens: u.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: u.output_tokens,
  };
}

/** `retry-after` (seconds or an HTTP date) or `retry-after-ms`, in milliseconds. */
export function retryAfterMs(headers: Record<string, string | number> | Headers | null | undefined): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return String(v);
    return undefined;
  };
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && get('retry-after-ms') !== undefined) return ms;
  const raw = get('retry-after');
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps an HTTP-equivalent status and upstream code to a SparkError. */
export function upstreamError(
  status: number | undefined,
  code: string | undefined,
  message: string,
  headers?: Record<string, string | number> | Headers | null,
): SparkError {
  const details = { status, upstreamCode: code };
  if (status === 401 || status === 403) return new SparkError(SparkErrorCode.Auth, message, details);
  if (status === 429 || code === 'rate_limit_exceeded') {
    return new SparkError(SparkErrorCode.RateLimited, message, { ...details, retryAfterMs: retryAfterMs(headers) });
  }
  return new SparkError(SparkErrorCode.Upstream, message, details);
}

/** Upstream codes after which the same full input may be sent once more (on any connection). */
const RETRYABLE_CODES = new Set(['previous_response_not_found', 'websocket_connection_limit_reached']);

function errorStep(event: ErrorEvent): Step {
  const status = event.status ?? event.status_code ?? undefined;
  const code = event.error?.code ?? event.code ?? undefined;
  const text = event.error?.message ?? event.message ?? 'no message';
  const message = `upstream error${status === undefined ? '' : ` ${status}`}${code === undefined ? '' : ` ${code}`}: ${text}`;
  const error = upstreamError(status, code, message, event.error?.headers ?? event.headers);
  return { kind: 'error', error, retryable: code !== undefined && RETRYABLE_CODES.has(code) };
}

/** The error a connection-level `error` event (no `stream_id`) stands for. */
export function connectionErrorOf(event: ErrorEvent): { code: string | undefined; message: string } {
  const code = event.error?.code ?? event.code ?? undefined;
  return { code, message: event.error?.message ?? event.message ?? code ?? 'connection error' };
}
