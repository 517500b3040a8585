// The seam between the LSP layer and the model: what a caller may ask of Spark and what it gets.
// Pure types; the implementation lives in client.ts (pool.ts, connection.ts, transport-http.ts).
import type { RequestTimings } from './timings.js';

/**
 * Scheduling priority: higher runs first when every lane is busy. A request at `Review` or below never
 * takes the pool's last free lane: it waits until starting it leaves at least one lane free, so
 * interactive work never waits behind reviews (see pool.ts).
 */
export const Priority = {
  Interactive: 10, // completion, inline completion
  Edit: 5, // code action resolve, spark.edit
  Background: 0, // warm-ups
  Review: -10, // background reviews by a larger model
} as const;

/** Reasoning effort (`reasoning.effort`). */
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';

/**
 * A freeform custom tool the model is forced to call (spec 12.2), e.g. `apply_patch` with the V4A grammar.
 * Its input comes back as GenerateResult.toolInput. When the service refuses custom tools for the endpoint
 * and model, the request is sent again at once without the tool, with `fallbackInstructions` appended to
 * the instructions, and later requests to that model go without it for the client's life.
 */
export interface CustomTool {
  name: string;
  description: string;
  /** Lark grammar of the input (sent as `format: { type: 'grammar', syntax: 'lark', definition }`). */
  grammar: string;
  /** Appended to the instructions when the tool is refused (e.g. "answer with the patch as plain text"). */
  fallbackInstructions: string;
}

/** Structured output: the message text is one JSON document matching `schema` (spec 12.3, `text.format`). */
export interface JsonSchemaFormat {
  type: 'json_schema';
  name: string;
  schema: Record<string, unknown>;
  strict: boolean;
}

/**
 * A follow-up to an earlier answer (e.g. "this patch did not apply: ..."), whose `input` is then the new
 * message only. Over WebSockets it chains from `previous.responseId` with `previous_response_id`, on the
 * connection (and lane, when free) that produced it, sending `input` as a `custom_tool_call_output` for
 * `previous.toolCallId`, or as a user message when the answer had no tool call. When the service lost the
 * parent (`previous_response_not_found`), its connection is gone, or over HTTP, the whole conversation is
 * sent instead: `previousInput`, the earlier answer (tool call or message), then `input`.
 */
export interface Continuation {
  previous: Pick<GenerateResult, 'responseId' | 'text' | 'toolInput' | 'toolCallId' | 'toolName'>;
  /** The full user input the earlier request sent (its `input`, or `warm.fullInput`). */
  previousInput: string;
}

/** What the client reads of a request's AbortSignal: an AbortSignal is one, and so is a lighter source. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface GenerateRequest {
  /** System-level instructions (sent as `instructions` every time; never chained). */
  instructions: string;
  /** The user message text. */
  input: string;
  /** Upper bound of generated tokens (`max_output_tokens`). */
  maxOutputTokens: number;
  /** Higher is served first; see Priority. */
  priority: number;
  /** Absolute deadline in `Date.now()` milliseconds; past it the request fails with SPARK_ERR_TIMEOUT. */
  deadline: number;
  /**
   * Affinity key (a document URI): requests with the same key prefer the same connection,
   * so per-document state stays where it was built. Optional.
   */
  affinity?: string;
  /** Aborting answers at once with SPARK_ERR_CANCELLED; the upstream response is left to finish and discarded. */
  signal?: AbortSignalLike;
  /**
   * Called with the full text generated so far, after each delta: the message text, or while a custom
   * tool call streams, its input so far. Must not throw.
   */
  onText?: (textSoFar: string) => void;
  /**
   * Chain from the warm context of `warm.key` (see SparkClient.warm) when it is ready: the request then runs
   * on the connection holding that context, forks from its warm-up with `previous_response_id`, and sends
   * `input` as the only new item. When the context is missing, not ready, or the service lost it
   * (`previous_response_not_found`), `warm.fullInput` is sent instead, without chaining (once). A function
   * is called only for an attempt that sends the full input (once per such attempt; it must be pure).
   */
  warm?: { key: string; fullInput: string | (() => string) };
  /** `prompt_cache_key` to send (stable per document, so the provider's prompt cache keeps hitting). */
  promptCacheKey?: string;
  /** The model for this request (e.g. a review model); default SparkClientOptions.model. Never chains a warm context of another model. */
  model?: string;
  /** `reasoning.effort` for this request; default SparkClientOptions.reasoningEffort. */
  reasoningEffort?: ReasoningEffort;
  /** Declare this freeform custom tool and force it with `tool_choice` (see CustomTool). */
  customTool?: CustomTool;
  /** `text.format`; default `{ type: 'text' }`. */
  textFormat?: JsonSchemaFormat;
  /** Continue from an earlier answer (see Continuation); `warm` is then ignored. */
  continueFrom?: Continuation;
  /** Marks the client fills as the request moves (queue, frame sent, first token, last event); see timings.ts. */
  timings?: RequestTimings;
}

export interface WarmRequest {
  /** Identity of the context (a document URI); one warm context per key. */
  key: string;
  /** The instructions later requests will send (part of the cached prefix). */
  instructions: string;
  /** The stable context (e.g. the whole file), sent once as the warm-up's input. */
  context: string;
  promptCacheKey?: string;
  /** Absolute deadline (Date.now() ms) for the warm-up itself. */
  deadline: number;
}

export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface GenerateResult {
  /** The concatenated output text of the message item(s); '' when the model only called a tool. */
  text: string;
  /** Input of the model's first custom tool call (e.g. the patch), when it made one. */
  toolInput?: string;
  /** `call_id` of that tool call (to answer it through `continueFrom`), when the service gave one. */
  toolCallId?: string;
  /** Name of the tool it called. */
  toolName?: string;
  /** `incomplete` when the answer was cut short (e.g. max_output_tokens). */
  status: 'completed' | 'incomplete';
  responseId: string;
  usage: Usage | undefined;
  transport: 'websocket' | 'http';
}

export interface SparkClientOptions {
  /** e.g. `https://api.openai.com/v1`; WebSockets use the same base with ws/wss and `/responses`. */
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Persistent WebSocket connections kept open. */
  poolSize: number;
  /** Concurrent requests (named lanes) per connection, at most 16. */
  lanesPerConnection: number;
  /** 'auto' prefers WebSockets and falls back to HTTP/SSE; the others force one transport. */
  transport: 'auto' | 'websocket' | 'http';
  /** Connections are replaced once this old (ms); the service closes them at 60 minutes. */
  rotateAfterMs: number;
  /** Interval of WebSocket pings (ms); a socket that misses a pong for as long is dropped. */
  heartbeatMs: number;
  /** After falling back to HTTP, try WebSockets again after this long (ms). */
  websocketRetryMs: number;
  /**
   * How long (ms) an in-flight response may run past its deadline before its socket is dropped
   * (the lane is then unusable). Optional; default 5000.
   */
  deadlineGraceMs?: number | undefined;
  /** Optional `reasoning.effort`; omitted when undefined. */
  reasoningEffort?: ReasoningEffort | undefined;
  /**
   * Resolves the API key again (e.g. re-runs spark.apiKeyCommand) before a retry after the key was refused;
   * rejects with the reason when there is none. Without it the same key is tried again.
   */
  refreshApiKey?: (() => Promise<string>) | undefined;
  /** When a refused key may be tried again (see auth-retry.ts); default 2 s after a refusal, 5 a minute. */
  authRetry?: { pauseMs: number; perMinute: number } | undefined;
  /** Diagnostics sink; the API key must never reach it. */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export interface SparkStats {
  /** WebSocket upgrades attempted / succeeded since creation. */
  upgradesAttempted: number;
  upgradesSucceeded: number;
  /** WebSockets open right now. */
  openSockets: number;
  /** Requests being generated upstream right now (including abandoned ones still draining). */
  inFlight: number;
  /** Requests waiting for a lane. */
  queued: number;
  /** Requests served over HTTP/SSE. */
  httpRequests: number;
  /** Warm contexts held now, and requests that chained from one / fell back to the full input. */
  warmContexts: number;
  chained: number;
  chainFallbacks: number;
  transport: 'websocket' | 'http';
}

export type SparkStatus =
  | { kind: 'ready'; transport: 'websocket' | 'http' }
  | { kind: 'auth-failed'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'fallback-http'; message: string };

export interface SparkClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /**
   * Sends a `generate: false` warm-up carrying `context` for `key` on a lane reserved for that key, replacing
   * the key's previous warm context. Resolves when the warm-up completed (true) or could not be made
   * (false: HTTP fallback, no free context lane, a failure); never rejects. Background priority.
   */
  warm(request: WarmRequest): Promise<boolean>;
  /** Drops the warm context of `key` (document closed); its lane becomes free for another key. */
  forget(key: string): void;
  stats(): SparkStats;
  /** Status changes worth telling the user about (each reported once per change). */
  onStatus(listener: (status: SparkStatus) => void): () => void;
  /** Resolves once the pool's first connections are open (or have failed); never rejects. */
  ready(): Promise<void>;
  /** Stops accepting requests, lets in-flight ones finish, then closes every socket. */
  close(): Promise<void>;
  /** Fails every pending request with SPARK_ERR_CLOSED and closes every socket at once. */
  destroy(): void;
}
