// Builders for the wire objects: ids, token-like chunking and counting, the Response object
// (spec 3.2 field set), usage, and the request-scoped `error` event / HTTP error body shapes.

import { randomBytes } from 'node:crypto';
import type { SimFault } from './api.js';
import { errorTypeFor } from './core.js';

export const DEFAULT_MODEL = 'gpt-5.3-codex-spark';

export const CONNECTION_LIMIT_MESSAGE =
  'Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.';

export type Json = Record<string, unknown>;

export function newId(prefix: 'resp' | 'msg' | 'rs' | 'req' | 'steer' | 'ctc' | 'call'): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

/** Rough token count used for usage: ceil(chars / 4). */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Split text into token-like chunks: each word keeps its leading whitespace; words longer
 * than 6 characters are cut into 4-character pieces. Concatenating the chunks gives the text back.
 */
export function chunkText(text: string): string[] {
  const chunks: string[] = [];
  for (const match of text.matchAll(/\s*\S+|\s+/g)) {
    const word = match[0];
    const lead = /^\s*/.exec(word)?.[0] ?? '';
    const body = word.slice(lead.length);
    if (body.length <= 6) {
      chunks.push(word);
      continue;
    }
    let first = true;
    for (let i = 0; i < body.length; i += 4) {
      chunks.push((first ? lead : '') + body.slice(i, i + 4));
      first = false;
    }
  }
  return chunks;
}

/** Deterministic padding for the `obfuscation` field (varies in length like the real one). */
export function obfuscationFor(seq: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const length = 4 + ((seq * 7) % 9);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(seq * 31 + i * 17) % alphabet.length];
  return out;
}

export interface Usage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export function makeUsage(inputTokens: number, cachedTokens: number, outputTokens: number, reasoningTokens: number): Usage {
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: cachedTokens, cache_write_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  };
}

function field<T>(body: Json, name: string, fallback: T): unknown {
  const value = body[name];
  return value === undefined ? fallback : value;
}

function objectField(body: Json, name: string): Json | undefined {
  const value = body[name];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A Response object echoing the request's settings, with status `in_progress` and no output yet. */
export function makeResponse(id: string, body: Json, createdAt: number): Json {
  const reasoning = objectField(body, 'reasoning');
  const text = objectField(body, 'text');
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: field(body, 'instructions', null),
    max_output_tokens: field(body, 'max_output_tokens', null),
    max_tool_calls: field(body, 'max_tool_calls', null),
    model: field(body, 'model', DEFAULT_MODEL),
    output: [],
    parallel_tool_calls: field(body, 'parallel_tool_calls', true),
    previous_response_id: field(body, 'previous_response_id', null),
    prompt_cache_key: field(body, 'prompt_cache_key', null),
    reasoning: {
      effort: reasoning?.['effort'] ?? null,
      summary: reasoning?.['summary'] ?? null,
    },
    safety_identifier: field(body, 'safety_identifier', null),
    service_tier: field(body, 'service_tier', 'auto'),
    store: field(body, 'store', true),
    temperature: field(body, 'temperature', 1),
    text: {
      format: text?.['format'] ?? { type: 'text' },
      verbosity: text?.['verbosity'] ?? 'medium',
    },
    tool_choice: field(body, 'tool_choice', 'auto'),
    tools: field(body, 'tools', []),
    top_logprobs: field(body, 'top_logprobs', 0),
    top_p: field(body, 'top_p', 1),
    truncation: field(body, 'truncation', 'disabled'),
    usage: null,
    user: field(body, 'user', null),
    metadata: field(body, 'metadata', {}),
  };
}

export interface ErrorSpec {
  status: number;
  code: string | null;
  message: string;
  param?: string | null;
  type?: string;
  retryAfterSeconds?: number;
}

/** The WebSocket request-scoped `error` event (spec 5a). `stream_id` is added by the lane. */
export function wsErrorEvent(spec: ErrorSpec): Json {
  const error: Json = {
    type: spec.type ?? errorTypeFor(spec.status, spec.code),
    code: spec.code,
    message: spec.message,
    param: spec.param ?? null,
  };
  const event: Json = { type: 'error', status: spec.status, error };
  if (spec.retryAfterSeconds !== undefined) {
    const headers = { 'retry-after': String(spec.retryAfterSeconds) };
    error['headers'] = headers;
    event['headers'] = { ...headers };
  }
  return event;
}

/** The HTTP error body `{"error":{message,type,param,code}}`. */
export function httpErrorBody(spec: ErrorSpec): Json {
  return {
    error: {
      message: spec.message,
      type: spec.type ?? errorTypeFor(spec.status, spec.code),
      param: spec.param ?? null,
      code: spec.code,
    },
  };
}

export function previousNotFound(id: string): ErrorSpec {
  return {
    status: 400,
    code: 'previous_response_not_found',
    message: `Previous response with id '${id}' not found.`,
    param: 'previous_response_id',
    type: 'invalid_request_error',
  };
}

/** The error an armed `error` fault answers with, on either transport. */
export function injectedError(fault: Extract<SimFault, { kind: 'error' }>): ErrorSpec {
  return {
    status: fault.status,
    code: fault.code,
    message: fault.message ?? `spark-sim injected error (${fault.code}).`,
    ...(fault.type !== undefined ? { type: fault.type } : {}),
    ...(fault.param !== undefined ? { param: fault.param } : {}),
    ...(fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : {}),
  };
}
