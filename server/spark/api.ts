// The seam between the LSP layer and the model: what a caller may ask of Spark and what it gets.
// Pure types; the implementation lives in client.ts (pool.ts, connection.ts, transport-http.ts).

/** Scheduling priority: higher runs first when every lane is busy. */
export const Priority = {
  Interactive: 10, // completion, inline completion
  Edit: 5, // code action resolve, spark.edit
  Background: 0, // warm-ups
} as const;

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
  signal?: AbortSignal;
  /** Called with the full text generated so far, after each delta. Must not throw. */
  onText?: (textSoFar: string) => void;
}

export interface Usage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface GenerateResult {
  /** The concatenated output text of the message item(s). */
  text: string;
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
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high' | undefined;
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
  transport: 'websocket' | 'http';
}

export type SparkStatus =
  | { kind: 'ready'; transport: 'websocket' | 'http' }
  | { kind: 'auth-failed'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'fallback-http'; message: string };

export interface SparkClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
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
