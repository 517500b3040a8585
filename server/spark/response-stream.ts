// Folds the events of one response into text, status and usage, and maps upstream errors to
// SparkErrors. Shared by the WebSocket lanes and the HTTP/SSE fallback; pure (no I/O, no timers).
//
// Invariant: one ResponseAccumulator per response; after it returns `done` or `error`, it is discarded.
// Text: the terminal `response.output` is authoritative when it holds a message; otherwise the
// concatenated `output_text.delta`s; otherwise `output_text.done` / `output_item.done` texts (sparse streams).
// Tool input (the first `custom_tool_call`), by the same precedence: the terminal `output`'s item, the
// `output_item.done` item, `custom_tool_call_input.done`, then the concatenated input deltas.

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
  /** The first custom tool call: its item id (once known), input from deltas, and the authoritative facts. */
  private tool: { itemId: string | undefined; deltas: string; inputDone: string | undefined; item: ToolCall | undefined } | undefined;

  feed(event: ServerEvent): Step {
    switch (event.type) {
      case 'response.custom_tool_call_input.delta': {
        const tool = this.toolFor(event.item_id);
        if (tool === undefined) return undefined;
        tool.deltas += event.delta;
        return { kind: 'text', text: tool.deltas };
      }
      case 'response.custom_tool_call_input.done': {
        const tool = this.toolFor(event.item_id);
        if (tool !== undefined) tool.inputDone = event.input;
        return undefined;
      }
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
        if (event.item.type === 'custom_tool_call') this.toolFor(event.item.id);
        return undefined;
      case 'response.content_part.added':
        this.itemIds.add(event.item_id);
        return undefined;
      case 'response.output_item.done': {
        const text = messageText([event.item]);
        if (text !== undefined) this.itemDone.push(text);
        const call = toolCallOf([event.item]);
        if (call !== undefined) {
          const tool = this.toolFor(event.item.id);
          if (tool !== undefined) tool.item = call;
        }
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
    const outcome: ResponseOutcome = { text, status, responseId: response.id, usage: usageOf(response) };
    const call = (response.output ? toolCallOf(response.output) : undefined) ?? this.tool?.item;
    const input = call?.input ?? this.tool?.inputDone ?? (this.tool?.deltas || undefined);
    if (input !== undefined) outcome.toolInput = input;
    if (call?.callId !== undefined) outcome.toolCallId = call.callId;
    if (call?.name !== undefined) outcome.toolName = call.name;
    return outcome;
  }

  /**
   * The state of the first custom tool call; events of a later one (another item id) are ignored.
   * An event without an item id belongs to the first call (sparse streams).
   */
  private toolFor(itemId: string | undefined): NonNullable<ResponseAccumulator['tool']> | undefined {
    if (this.tool === undefined) {
      this.tool = { itemId, deltas: '', inputDone: undefined, item: undefined };
      return this.tool;
    }
    if (itemId !== undefined && this.tool.itemId === undefined) this.tool.itemId = itemId;
    return itemId === undefined || this.tool.itemId === itemId ? this.tool : undefined;
  }
}

interface ToolCall {
  callId: string | undefined;
  name: string | undefined;
  input: string | undefined;
}

/** The first `custom_tool_call` item, if any. */
function toolCallOf(items: readonly OutputItem[]): ToolCall | undefined {
  for (const item of items) {
    if (item.type === 'custom_tool_call') return { callId: item.call_id, name: item.name, input: item.input };
  }
  return undefined;
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

/** Maps an HTTP-equivalent status and upstream code to a SparkError. `param`: the field the upstream blamed. */
export function upstreamError(
  status: number | undefined,
  code: string | undefined,
  message: string,
  headers?: Record<string, string | number> | Headers | null,
  param?: string,
): SparkError {
  const details = { status, upstreamCode: code, ...(param === undefined ? {} : { param }) };
  if (code === 'model_not_found') return new SparkError(SparkErrorCode.ModelRefused, message, details);
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
  const param = event.error?.param ?? event.param ?? undefined;
  const error = upstreamError(status, code, message, event.error?.headers ?? event.headers, param);
  return { kind: 'error', error, retryable: code !== undefined && RETRYABLE_CODES.has(code) };
}

/**
 * The service refused `model` for this key: `model_not_found` (any status), or a request-level 403 whose
 * message names the model. Returns the error as SPARK_ERR_MODEL_REFUSED with a message naming the model;
 * any other error unchanged.
 */
export function refineModelRefusal(error: SparkError, model: string): SparkError {
  const refused = error.code === SparkErrorCode.ModelRefused || (error.code === SparkErrorCode.Auth && error.status === 403 && error.message.includes(model));
  if (!refused) return error;
  if (error.code === SparkErrorCode.ModelRefused && error.message.startsWith('the endpoint refused the model')) return error;
  return new SparkError(SparkErrorCode.ModelRefused, `the endpoint refused the model '${model}': ${error.message}`, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.upstreamCode === undefined ? {} : { upstreamCode: error.upstreamCode }),
    ...(error.param === undefined ? {} : { param: error.param }),
    cause: error,
  });
}

/** The service refused the request's custom tool (a 400 whose param or message names tools, tool_choice, custom or grammar). */
export function isToolRefusal(error: SparkError): boolean {
  if (error.code !== SparkErrorCode.Upstream) return false;
  if (error.status !== undefined && error.status !== 400 && error.status !== 422) return false;
  if (error.param !== undefined && /^(tools|tool_choice)\b/.test(error.param)) return true;
  if (error.status === undefined) return false;
  return /\b(tools?|tool_choice|custom|grammar)\b/i.test(error.message.replace(/^upstream error[^:]*: /, ''));
}

/** The error a connection-level `error` event (no `stream_id`) stands for. */
export function connectionErrorOf(event: ErrorEvent): { code: string | undefined; message: string } {
  const code = event.error?.code ?? event.code ?? undefined;
  return { code, message: event.error?.message ?? event.message ?? code ?? 'connection error' };
}
