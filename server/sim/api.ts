// spark-sim's public surface: options, scripted replies, fault injection and recorded traffic.
// Pure types. The simulator imports nothing from the rest of server/ (it stands alone as a second bin).

export interface SimOptions {
  /** TCP port; 0 picks a free one. Default 0 from the API, 8787 from the CLI. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Accepted bearer tokens. Default: any non-empty token. */
  apiKeys?: string[];
  /** Generation speed in tokens per second. Default 1000; 0 means instant (no timers). */
  tokensPerSecond?: number;
  /** Delay before the first event of each response, in ms. Default 0. */
  firstTokenMs?: number;
  /** Delay before answering a WebSocket upgrade, in ms. Default 0. */
  handshakeDelayMs?: number;
  /** Connection lifetime in ms; then `websocket_connection_limit_reached` and close. Default 3,600,000. */
  connectionLifetimeMs?: number;
  /**
   * Latency model (a simulation; see latency.ts): network round trip per message, handshake round
   * trips, and time to first token from uncached/cached input tokens. All ms; all default 0 except
   * handshakeRoundTrips (3, used only when rttMs > 0). With all 0 nothing is delayed.
   */
  latency?: SimLatency;
  /** Emit a reasoning output item before the message. Default false. */
  reasoning?: boolean;
  /** Add an `obfuscation` field to delta events. Default false. */
  obfuscation?: boolean;
  /** Where replies come from when no queued reply is left. Default: the synthetic responder. */
  responder?: SimResponder;
  /** Answers `text.format` `json_schema` requests before the queue and the responder (see SimReviewer). */
  reviewer?: SimReviewer;
  /** Per-model knobs, by model name: speed, first-token delay, refusing the model or custom tools. */
  models?: Record<string, SimModel>;
  /** Diagnostics sink. Default: silent. */
  log?: (line: string) => void;
}

export interface SimLatency {
  /** Round trip (ms): each client->server and server->client message is delayed by half of it. */
  rttMs?: number;
  /** Round trips of a new connection (TCP, TLS, upgrade); an upgrade costs all, a fresh HTTP socket all but one. Default 3. */
  handshakeRoundTrips?: number;
  /** Time to first token (ms) = ttftBaseMs + uncached input tokens x ttftPerUncachedTokenMs + cached x ttftPerCachedTokenMs. */
  ttftBaseMs?: number;
  ttftPerUncachedTokenMs?: number;
  ttftPerCachedTokenMs?: number;
}

/** What the simulator does for requests naming one model. Unset fields fall back to the global knobs. */
export interface SimModel {
  /** Generation speed for this model (tokens per second; 0 = instant). */
  tokensPerSecond?: number;
  /** Delay before the first event of each response of this model (ms). */
  firstTokenMs?: number;
  /**
   * Refuse the model: 'not-found' answers 400 `model_not_found` ("The requested model 'X' does not exist.",
   * param `model`), as the service does for an unknown model; 'no-access' answers 403 `model_not_found`
   * ("Project ... does not have access to model X"), as it does for a model the key may not use.
   */
  refuse?: 'not-found' | 'no-access';
  /** Refuse requests declaring custom tools: 400 `invalid_request_error` with param `tools`. */
  refuseCustomTools?: boolean;
}

/** What the simulator knows about a `response.create` when it picks a reply. */
export interface SimRequest {
  /** The whole parsed client frame (or HTTP body). */
  body: Record<string, unknown>;
  /** `stream_id` if named. */
  streamId: string | undefined;
  /** All input text concatenated (input_text parts, or the string input). */
  inputText: string;
  instructions: string | undefined;
  transport: 'websocket' | 'http';
  /** 1-based index of this create across the simulator's lifetime. */
  index: number;
  /** The `model` field (the simulator's default model when absent). */
  model: string;
  /** Names of the custom tools the request declares (`tools` entries of type `custom`). */
  customTools: string[];
  /** `text.format` when it is `json_schema`: the answer must be one JSON document. */
  jsonSchema: { name: string; schema: Record<string, unknown> } | undefined;
}

/** A reply: the text to stream, or a richer description. */
export type SimReply = string | SimReplyObject;

/**
 * What one response carries. `toolInput` wins over `json`, which wins over `text`; at least one is needed
 * (an empty `text` is an empty message).
 */
export interface SimReplyObject {
  /** Message text. */
  text?: string;
  /**
   * A custom tool call's input (e.g. a V4A patch). Streamed as a `custom_tool_call` item (spec 12.2) when the
   * request declares the tool; sent as message text when it does not (models do that too).
   */
  toolInput?: string;
  /** The tool called; default the tool forced by `tool_choice`, else the first custom tool declared. */
  toolName?: string;
  /** A JSON value sent, serialized, as the message text (for `text.format` `json_schema` requests). */
  json?: unknown;
  /** End with response.incomplete (reason max_output_tokens) after this text. */
  incomplete?: boolean;
  /** Override the default tokens per second for this reply. */
  tokensPerSecond?: number;
  /** Delay before the first event of this reply (ms). */
  firstTokenMs?: number;
}

export type SimResponder = (request: SimRequest) => SimReply;

/** One finding in Codex's review shape (spec 12.3); `line_range` is 1-based and inclusive. */
export interface SimFinding {
  title: string;
  body: string;
  confidence_score: number;
  priority: number;
  code_location: { absolute_file_path: string; line_range: { start: number; end: number } };
}

/** A whole review answer (spec 12.3), sent serialized as the message text. */
export interface SimReview {
  findings: SimFinding[];
  overall_correctness: string;
  overall_explanation: string;
  overall_confidence_score: number;
}

/**
 * Answers a `json_schema` request with a review, or with findings only (the verdict is then derived:
 * "patch is incorrect" when there are findings), or passes with undefined (the queue and responder follow).
 */
export type SimReviewer = (request: SimRequest) => SimReview | SimFinding[] | undefined;

/**
 * Scripted findings per file (`--review-script`). A key is a path (usually relative); a request whose
 * input names that file (an absolute path ending in `/<key>`, or the key itself) gets the key's findings,
 * placed at that absolute path.
 */
export interface SimReviewScript {
  files: Record<string, SimScriptedFinding[]>;
  overall_explanation?: string;
}

/** A scripted finding: priority defaults to the title's `[Pn]` (else 1), confidence to 0.8. */
export interface SimScriptedFinding {
  title: string;
  body?: string;
  priority?: number;
  confidence_score?: number;
  line_range: { start: number; end: number };
}

/**
 * Faults applied to the next matching response (or at once, for connection-level ones).
 * Faults target generating responses: a `generate:false` warm-up consumes only an `error` fault armed with
 * `warmup: true` (and a generating response never does), so background warm-ups do not eat faults meant
 * for completions.
 * Over HTTP, `close` cuts the SSE body (socket destroyed) whatever the code.
 */
export type SimFault =
  /** The next `times` upgrades (default 1) are answered with this HTTP status instead of 101. */
  | { kind: 'upgrade-status'; status: number; times?: number; retryAfterSeconds?: number }
  /** The next response: after `afterDeltas` deltas (default 0), close the socket (1006 = drop without a close frame). */
  | { kind: 'close'; code: 1000 | 1006 | 1011; afterDeltas?: number }
  /** The next create is answered by a request-scoped `error` event. */
  | {
      kind: 'error';
      status: number;
      code: string;
      message?: string;
      retryAfterSeconds?: number;
      /** `error.type`; default derived from status (400 invalid_request_error, 429 requests, 5xx server_error). */
      type?: string;
      /** `error.param`; default null. */
      param?: string | null;
      /** Answer the next `generate:false` warm-up instead of the next generating response. */
      warmup?: boolean;
    }
  /** The next response ends with response.failed. */
  | { kind: 'failed'; code: string; message?: string; afterDeltas?: number }
  /** The next response ends with response.incomplete (max_output_tokens) after `afterDeltas` deltas. */
  | { kind: 'incomplete'; afterDeltas?: number }
  /** The next response sends a frame that is not valid JSON after `afterDeltas` deltas, then carries on. */
  | { kind: 'malformed'; afterDeltas?: number }
  /** The next response sends an event of a known type with a wrong shape (e.g. delta not a string), then carries on. */
  | { kind: 'bad-shape'; afterDeltas?: number }
  /** The next response stops sending anything after `afterDeltas` deltas (no terminal event). */
  | { kind: 'stall'; afterDeltas?: number }
  /** The next response omits the scaffolding events and the terminal `output`, and adds unknown event types. */
  | { kind: 'sparse' }
  /** Every open connection gets `websocket_connection_limit_reached` now and is closed (idle or not). */
  | { kind: 'connection-limit' }
  /** Every open connection stops answering and sending anything (pings included) but stays open: a dead path. */
  | { kind: 'silence' };

/** One `response.create` (or HTTP POST) as the simulator received it. */
export interface RecordedCreate {
  transport: 'websocket' | 'http';
  /** Index of the WebSocket connection (1-based, in upgrade order); 0 for HTTP. */
  connection: number;
  body: Record<string, unknown>;
  /** Size of the frame or body in bytes. */
  bytes: number;
  /** Headers of the upgrade or POST, with the authorization value redacted. */
  headers: Record<string, string>;
  /** Id of the response the simulator started for this create; unset when it was rejected. */
  responseId?: string;
  /**
   * WebSocket only, performance.now() in the simulator's process (ms): when the frame arrived, and when the
   * response's terminal event was handed to the socket. Their difference is the simulator's own time.
   */
  receivedAt?: number;
  finishedAt?: number;
}

export interface SimStats {
  /** Upgrade requests seen, and how many got 101. */
  upgrades: number;
  upgradesAccepted: number;
  /** HTTP POST /v1/responses requests. */
  httpRequests: number;
  /** WebSocket connections open now. */
  openConnections: number;
  /** Responses being generated now, across all connections. */
  inFlight: number;
  /** Every create received, in order. */
  creates: RecordedCreate[];
  /** Timers the simulator has armed since it started (pacing, delays, lifetimes); for tests of the zero-latency path. */
  timersStarted: number;
}

export interface SparkSim {
  /** Base URL for clients, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly port: number;
  /** A live view of the counters and recorded traffic. */
  readonly stats: SimStats;
  /** Queue replies for the next creates, in order; used before the responder. */
  enqueue(...replies: SimReply[]): void;
  /** Replace the responder used when the queue is empty. */
  setResponder(responder: SimResponder | undefined): void;
  /** Replace the reviewer that answers `json_schema` requests first (see SimReviewer). */
  setReviewer(reviewer: SimReviewer | undefined): void;
  /** Arm a fault (see SimFault). Faults apply in the order armed. */
  inject(fault: SimFault): void;
  /** Change timing knobs at run time. */
  configure(options: Pick<SimOptions, 'tokensPerSecond' | 'firstTokenMs' | 'handshakeDelayMs' | 'connectionLifetimeMs' | 'latency' | 'models'>): void;
  /** Resolves when `stats.creates.length` reaches n. */
  waitForCreates(n: number): Promise<void>;
  /** Resolves when `stats.upgradesAccepted` reaches n. */
  waitForUpgrades(n: number): Promise<void>;
  /** Stop listening and drop every connection. */
  close(): Promise<void>;
}
