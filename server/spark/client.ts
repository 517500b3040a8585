// createSparkClient: the SparkClient the LSP layer calls. Owns one request's life (deadline, abort,
// the single retry) and the shape of each `response.create`; the pool owns sockets and scheduling.
// Must not import from server/lsp, server/context or server/edits.
//
// Invariants: each generate() settles exactly once; its deadline (on the client's one deadline timer,
// deadlines.ts) and abort listener are removed when it settles, and a failed one withdraws its attempt
// from the pool (a queued attempt never goes upstream); a request is retried at most once (lost socket,
// connection limit, previous_response_not_found), on another connection when one is free, and only
// before its deadline.
// A request with `warm` forks from its key's warm context when the pool finds it ready (only `input` is
// sent); a retry after a chained attempt never chains again and sends `warm.fullInput` (a chain fallback
// when the service lost the context). Unchained attempts of such a request always send `fullInput`.
// A request with `continueFrom` chains from its parent the same way (never from a warm context); its
// unchained attempts send the whole conversation. A request whose custom tool the service refuses is
// sent again at once without it (not counted as the retry), and the refusal is remembered per model.

import type { GenerateRequest, GenerateResult, SparkClient, SparkClientOptions, SparkStatus, WarmRequest } from './api.js';
import { SparkError, SparkErrorCode } from './errors.js';
import { SparkPool, type AttemptSink, type PoolTicket } from './pool.js';
import type { SparkConnection } from './connection.js';
import { isToolRefusal, refineModelRefusal, type ResponseOutcome } from './response-stream.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { markEvent, markSubmitted, timedFrame } from './timings.js';

/** Default time a response may run past its deadline before its socket is dropped (ms). */
export const DEFAULT_DEADLINE_GRACE_MS = 5_000;

function validate(o: SparkClientOptions): void {
  const int = (name: keyof SparkClientOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new TypeError(`SparkClientOptions.${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  const ms = (name: keyof SparkClientOptions): void => {
    const v = o[name];
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new TypeError(`SparkClientOptions.${name} must be a non-negative number of ms, got ${String(v)}`);
  };
  let url: URL;
  try {
    url = new URL(o.baseUrl);
  } catch {
    throw new TypeError(`SparkClientOptions.baseUrl must be an absolute URL, got ${JSON.stringify(o.baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`SparkClientOptions.baseUrl must be http(s), got ${JSON.stringify(o.baseUrl)}`);
  }
  if (typeof o.model !== 'string' || o.model === '') throw new TypeError('SparkClientOptions.model must be a non-empty string');
  if (typeof o.apiKey !== 'string') throw new TypeError('SparkClientOptions.apiKey must be a string');
  int('poolSize', 1, 64);
  int('lanesPerConnection', 1, 16);
  if (o.transport !== 'auto' && o.transport !== 'websocket' && o.transport !== 'http') {
    throw new TypeError(`SparkClientOptions.transport must be 'auto', 'websocket' or 'http', got ${JSON.stringify(o.transport)}`);
  }
  ms('rotateAfterMs');
  ms('heartbeatMs');
  ms('websocketRetryMs');
  if (o.deadlineGraceMs !== undefined) ms('deadlineGraceMs');
}

export function createSparkClient(options: SparkClientOptions): SparkClient {
  validate(options);
  const log = options.log ?? (() => undefined);
  const listeners = new Set<(status: SparkStatus) => void>();
  const calls = new Set<Call>();
  /** The deadlines of the calls pending (one timer for all of them). */
  const deadlines = new Deadlines();
  let closed = false;
  /** After a 429 with retry-after, requests wait until then (or fail at once when their deadline comes first). */
  let holdUntil = 0;
  const noKey = options.apiKey.trim() === '';

  const pool = noKey
    ? undefined
    : new SparkPool({
        baseUrl: options.baseUrl,
        apiKey: options.apiKey,
        poolSize: options.poolSize,
        lanesPerConnection: options.lanesPerConnection,
        transport: options.transport,
        rotateAfterMs: options.rotateAfterMs,
        heartbeatMs: options.heartbeatMs,
        websocketRetryMs: options.websocketRetryMs,
        graceMs: options.deadlineGraceMs ?? DEFAULT_DEADLINE_GRACE_MS,
        log,
        warmFrame: (req, streamId) => warmFrame(req, streamId),
        refreshApiKey: options.refreshApiKey,
        authRetry: options.authRetry,
        onStatus: (status) => {
          for (const listener of [...listeners]) {
            try {
              listener(status);
            } catch (e) {
              log('error', `spark client: a status listener threw: ${(e as Error).message}`);
            }
          }
        },
      });

  const reasoning = options.reasoningEffort === undefined ? undefined : { effort: options.reasoningEffort };
  /** Models whose endpoint refused custom tools: later requests to them go without the tool. */
  const toolRefused = new Set<string>();
  const modelOf = (req: GenerateRequest): string => req.model ?? options.model;

  class Call {
    settled = false;
    retried = false;
    /** Set after a chained attempt failed: further attempts send the full input. */
    noChain = false;
    /** The custom tool is not sent (the service refused it): the fallback instructions are. */
    toolDropped: boolean;
    /** The latest attempt in the pool. */
    private ticket: PoolTicket | undefined;
    private readonly deadline: Deadline;
    private hold: NodeJS.Timeout | undefined;
    private readonly onAbort = (): void => this.fail(new SparkError(SparkErrorCode.Cancelled, 'request cancelled'));

    constructor(
      readonly req: GenerateRequest,
      private readonly resolve: (r: GenerateResult) => void,
      private readonly reject: (e: SparkError) => void,
    ) {
      calls.add(this);
      this.toolDropped = req.customTool !== undefined && toolRefused.has(modelOf(req));
      this.deadline = deadlines.add(req.deadline, () =>
        this.fail(new SparkError(SparkErrorCode.Timeout, `no complete answer within the deadline (${new Date(req.deadline).toISOString()})`)),
      );
      req.signal?.addEventListener('abort', this.onAbort, { once: true });
    }

    /**
     * `release`: withdraw the attempt, so a request still queued leaves the queue and an HTTP request is
     * dropped. A success needs none (its attempt is over).
     */
    private finish(release: boolean): boolean {
      if (this.settled) return false;
      this.settled = true;
      calls.delete(this);
      deadlines.remove(this.deadline);
      if (this.hold !== undefined) clearTimeout(this.hold);
      this.hold = undefined;
      this.req.signal?.removeEventListener('abort', this.onAbort);
      if (release && this.ticket !== undefined) pool!.withdraw(this.ticket);
      this.ticket = undefined;
      return true;
    }

    /** Starts the first attempt once a rate-limit hold is over. */
    holdFor(ms: number): void {
      this.hold = setTimeout(() => {
        this.hold = undefined;
        if (!this.settled) this.attempt(undefined);
      }, ms);
    }

    succeed(outcome: ResponseOutcome, transport: 'websocket' | 'http'): void {
      if (this.finish(false)) this.resolve({ ...outcome, transport });
    }

    fail(error: SparkError): void {
      if (error.code === SparkErrorCode.RateLimited && error.retryAfterMs !== undefined) {
        holdUntil = Math.max(holdUntil, Date.now() + error.retryAfterMs);
      }
      if (this.finish(true)) this.reject(error);
    }

    attempt(avoid: SparkConnection | undefined): void {
      const call = this;
      const sink: AttemptSink = {
        get settled() {
          return call.settled;
        },
        onText: (text) => {
          markEvent(call.req.timings);
          if (call.settled || call.req.onText === undefined) return;
          try {
            call.req.onText(text);
          } catch (e) {
            log('error', `spark client: onText threw: ${(e as Error).message}`);
          }
        },
        onDone: (outcome, transport) => {
          markEvent(call.req.timings);
          call.succeed(outcome, transport);
        },
        onError: (raw, retryable, failedOn, chained) => {
          if (call.settled) return;
          const error = refineModelRefusal(raw, modelOf(call.req));
          if (call.req.customTool !== undefined && !call.toolDropped && isToolRefusal(error) && Date.now() < call.req.deadline && !closed) {
            call.toolDropped = true;
            toolRefused.add(modelOf(call.req));
            log('warn', `spark client: the endpoint refused the custom tool ${call.req.customTool.name} for ${modelOf(call.req)}; asking for plain text from now on (${error.message})`);
            call.attempt(undefined);
            return;
          }
          if (retryable && !call.retried && Date.now() < call.req.deadline && !closed) {
            call.retried = true;
            if (chained) {
              call.noChain = true;
              if (error.upstreamCode === 'previous_response_not_found') pool!.noteChainFallback();
            }
            log('info', `spark client: retrying once after: ${error.message}`);
            call.attempt(failedOn);
            return;
          }
          call.fail(error);
        },
      };
      this.ticket = pool!.submit({
        priority: this.req.priority,
        affinity: this.req.affinity,
        deadline: this.req.deadline,
        avoid,
        sink,
        warmKey: this.noChain || this.req.continueFrom !== undefined || modelOf(this.req) !== options.model ? undefined : this.req.warm?.key,
        continueFrom: this.noChain ? undefined : this.req.continueFrom?.previous.responseId,
        wsFrame: (streamId, previousResponseId) => timedFrame(this.req.timings, () => wsFrame(this, streamId, previousResponseId)),
        httpBody: () => timedFrame(this.req.timings, () => httpBody(this)),
      });
    }
  }

  const userMessage = (text: string) => [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }];
  /** Unchained, a warm request carries its whole context; chained, only what is new. */
  const fullText = (req: GenerateRequest): string => {
    const full = req.warm?.fullInput;
    return full === undefined ? req.input : typeof full === 'string' ? full : full();
  };
  const cacheKey = (key: string | undefined) => (key === undefined ? {} : { prompt_cache_key: key });

  /** The input items: only what is new when chained; else the full input, or a follow-up's whole conversation. */
  function inputOf(req: GenerateRequest, chained: boolean): unknown[] {
    const follow = req.continueFrom;
    if (follow === undefined) return userMessage(chained ? req.input : fullText(req));
    const prev = follow.previous;
    const toolName = prev.toolName ?? req.customTool?.name;
    const asTool = prev.toolCallId !== undefined && toolName !== undefined;
    const answer = asTool
      ? { type: 'custom_tool_call_output', call_id: prev.toolCallId, output: req.input }
      : userMessage(req.input)[0];
    if (chained) return [answer];
    const said = asTool
      ? { type: 'custom_tool_call', call_id: prev.toolCallId, name: toolName, input: prev.toolInput ?? '' }
      : { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: prev.toolInput ?? prev.text }] };
    return [...userMessage(follow.previousInput), said, answer];
  }

  /** The create body both transports share: model, instructions, input, tool, formats. */
  function createBody(call: Call, previousResponseId: string | undefined): Record<string, unknown> {
    const req = call.req;
    const tool = req.customTool;
    const effort = req.reasoningEffort ?? options.reasoningEffort;
    return {
      model: modelOf(req),
      store: false,
      ...(previousResponseId === undefined ? {} : { previous_response_id: previousResponseId }),
      instructions: tool !== undefined && call.toolDropped ? `${req.instructions}\n\n${tool.fallbackInstructions}` : req.instructions,
      input: inputOf(req, previousResponseId !== undefined),
      ...(tool === undefined || call.toolDropped
        ? {}
        : {
            tools: [{ type: 'custom', name: tool.name, description: tool.description, format: { type: 'grammar', syntax: 'lark', definition: tool.grammar } }],
            tool_choice: { type: 'custom', name: tool.name },
          }),
      max_output_tokens: req.maxOutputTokens,
      ...(effort === undefined ? {} : { reasoning: { effort } }),
      text: { format: req.textFormat ?? { type: 'text' } },
      ...cacheKey(req.promptCacheKey),
    };
  }

  function wsFrame(call: Call, streamId: string, previousResponseId: string | undefined): string {
    return JSON.stringify({ type: 'response.create', stream_id: streamId, ...createBody(call, previousResponseId) });
  }

  /** A fresh conversation on the key's context lane (no previous_response_id): the new context replaces the old. */
  function warmFrame(req: WarmRequest, streamId: string): string {
    return JSON.stringify({
      type: 'response.create',
      generate: false,
      model: options.model,
      store: false,
      stream_id: streamId,
      instructions: req.instructions,
      input: userMessage(req.context),
      ...(reasoning === undefined ? {} : { reasoning }),
      ...cacheKey(req.promptCacheKey),
    });
  }

  function httpBody(call: Call): Record<string, unknown> {
    return { ...createBody(call, undefined), stream: true };
  }

  return {
    generate(req: GenerateRequest): Promise<GenerateResult> {
      if (closed) return Promise.reject(new SparkError(SparkErrorCode.Closed, 'the Spark client is closed'));
      if (pool === undefined) return Promise.reject(new SparkError(SparkErrorCode.NoApiKey, 'no API key is configured'));
      if (req.signal?.aborted) return Promise.reject(new SparkError(SparkErrorCode.Cancelled, 'request cancelled'));
      if (!(req.deadline > Date.now())) return Promise.reject(new SparkError(SparkErrorCode.Timeout, `the deadline ${String(req.deadline)} has already passed`));
      const wait = holdUntil - Date.now();
      if (wait > 0 && req.deadline <= holdUntil) {
        const seconds = Math.ceil(wait / 1000);
        return Promise.reject(new SparkError(SparkErrorCode.RateLimited, `rate limited by the service; holding requests for ${seconds} s`, { retryAfterMs: wait }));
      }
      markSubmitted(req.timings);
      return new Promise<GenerateResult>((resolve, reject) => {
        const call = new Call(req, resolve, reject);
        if (wait <= 0) call.attempt(undefined);
        else call.holdFor(wait);
      });
    },
    warm(req: WarmRequest): Promise<boolean> {
      if (closed || pool === undefined || !(req.deadline > Date.now())) return Promise.resolve(false);
      return pool.warm(req).catch((e: unknown) => {
        log('error', `spark client: warm-up of ${req.key} failed: ${(e as Error).message}`);
        return false;
      });
    },
    forget(key: string): void {
      pool?.forget(key);
    },
    stats() {
      return (
        pool?.stats() ?? {
          upgradesAttempted: 0,
          upgradesSucceeded: 0,
          openSockets: 0,
          inFlight: 0,
          queued: 0,
          httpRequests: 0,
          warmContexts: 0,
          chained: 0,
          chainFallbacks: 0,
          transport: options.transport === 'http' ? 'http' : 'websocket',
        }
      );
    },
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready() {
      return pool?.readyPromise ?? Promise.resolve();
    },
    async close() {
      closed = true;
      await pool?.close();
      if (calls.size === 0) deadlines.clear();
    },
    destroy() {
      closed = true;
      const err = new SparkError(SparkErrorCode.Closed, 'the Spark client was destroyed');
      for (const call of [...calls]) call.fail(err);
      deadlines.clear();
      pool?.destroy();
    },
  };
}
