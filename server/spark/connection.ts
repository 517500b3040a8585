// One WebSocket to the Responses API: handshake, named lanes (`stream_id`), event routing, heartbeat.
// Knows nothing of queues, retries or LSP; the pool decides what to do when a connection ends.
//
// States: connecting -> open -> (retiring) -> closed. Invariants:
// - Lane names come from fixed sets (the service allows 32 distinct names per connection lifetime),
//   so names are reused, never minted per request: work lanes `l0..l{lanes-1}` carry generating
//   requests, context lanes `c0..c{contextLanes-1}` carry only `generate:false` warm-ups (warm.ts
//   decides which key owns which). lanes + contextLanes <= 32.
// - A context lane is a FIFO of warm-ups already sent: the service runs one lane in order, so the
//   terminal event of a context lane always belongs to the oldest warm-up in its FIFO. Warm-ups never
//   count as busy work lanes (`busyLanes`), so the pool's work capacity is unaffected by them.
// - A lane holds at most one response; it is busy from `start()` until that response's terminal event
//   (completed / incomplete / failed / lane-scoped error) or the socket's end, even when the caller
//   has gone away (cancelled, timed out, malformed event): later events are then discarded.
// - Every started sink gets exactly one onDone/onError unless it reports `settled` first; a socket end
//   fails each busy lane's sink with a retryable SPARK_ERR_CONNECTION.
// - The `release` callback of each start() that took a lane is called exactly once, when that lane frees.
// - A response still running `graceMs` after its deadline makes the lane unusable: the socket is terminated
//   (the watchdogs of all lanes and warm-ups share one timer, deadlines.ts, cleared when the socket closes).
// Units: all durations in milliseconds; `openedAt` in Date.now() milliseconds.

import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import { SparkError, SparkErrorCode } from './errors.js';
import { redactHeaders, requestHeaders } from './headers.js';
import { parseServerEvent, type ErrorEvent } from './events.js';
import { ResponseAccumulator, connectionErrorOf, retryAfterMs, type ResponseOutcome } from './response-stream.js';
import { Deadlines, type Deadline } from './deadlines.js';


/** Receives the result of one response on a lane. */
export interface LaneSink {
  /** True once the caller no longer wants events (cancelled, timed out, already failed). */
  readonly settled: boolean;
  onText(textSoFar: string): void;
  onDone(outcome: ResponseOutcome): void;
  /** `retryable`: the same request may be sent once more (on another connection). */
  onError(error: SparkError, retryable: boolean): void;
  /** The service started the response (its id was seen); called at most once, before onDone/onError. */
  onStarted?(): void;
}

/** Receives the result of one `generate:false` warm-up on a context lane. Exactly one call per warm-up. */
export interface WarmupSink {
  onDone(responseId: string): void;
  onError(error: SparkError): void;
}

interface Warmup {
  sink: WarmupSink;
  acc: ResponseAccumulator;
  watchdog: Deadline | undefined;
}

export interface UpgradeFailure {
  /** HTTP status of a refused upgrade; undefined for network errors. */
  status: number | undefined;
  retryAfterMs: number | undefined;
  message: string;
}

export interface ConnectionHooks {
  onOpen(conn: SparkConnection): void;
  /** A lane became free (or the connection stopped taking work); capacity changed. */
  onCapacity(conn: SparkConnection): void;
  /** A connection-level `error` event (no stream_id), e.g. websocket_connection_limit_reached. */
  onConnectionError(conn: SparkConnection, code: string | undefined, message: string): void;
  /** The socket is gone. `failure` is set when it never opened. */
  onClose(conn: SparkConnection, info: { opened: boolean; failure: UpgradeFailure | undefined; code: number; reason: string }): void;
}

export interface ConnectionOptions {
  /** ws:// or wss:// URL ending in /responses. */
  url: string;
  apiKey: string;
  lanes: number;
  /** Context lanes (`c0..`) for warm-ups; 0 disables warm contexts. */
  contextLanes?: number;
  heartbeatMs: number;
  /** How long past its deadline a response may run before the socket is terminated. */
  graceMs: number;
  log: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export type ConnectionState = 'connecting' | 'open' | 'retiring' | 'closed';

interface Lane {
  readonly name: string;
  sink: LaneSink | undefined;
  acc: ResponseAccumulator | undefined;
  release: (() => void) | undefined;
  watchdog: Deadline | undefined;
}

let nextConnectionId = 1;
const ITEM_ID_IN_TEXT = /"item_id"\s*:\s*"([^"\\]{1,256})"/;

export class SparkConnection {
  readonly id = nextConnectionId++;
  state: ConnectionState = 'connecting';
  /** Date.now() when the upgrade succeeded. */
  openedAt: number | undefined;
  private readonly ws: WebSocket;
  private readonly lanes: Lane[];
  private readonly byName = new Map<string, Lane>();
  /** Context lane name -> warm-ups sent on it and not yet ended, oldest first. */
  private readonly contexts = new Map<string, Warmup[]>();
  private warmupsOut = 0;
  private busy = 0;
  private failure: UpgradeFailure | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Deadline + grace of each busy lane and warm-up. */
  private readonly watchdogs = new Deadlines();
  private closeFallback: NodeJS.Timeout | undefined;
  private heardSincePing = true;
  private pingOutstanding = false;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.lanes = Array.from({ length: options.lanes }, (_, i) => {
      const lane: Lane = { name: `l${i}`, sink: undefined, acc: undefined, release: undefined, watchdog: undefined };
      this.byName.set(lane.name, lane);
      return lane;
    });
    for (let i = 0; i < (options.contextLanes ?? 0); i++) this.contexts.set(`c${i}`, []);
    const headers = requestHeaders(options.apiKey);
    options.log('debug', `spark connection ${this.id}: GET ${options.url} ${JSON.stringify(redactHeaders(headers))}`);
    this.ws = new WebSocket(options.url, { perMessageDeflate: false, followRedirects: false, handshakeTimeout: 15_000, headers });
    this.ws.on('unexpected-response', (_req, res: IncomingMessage) => this.onUnexpectedResponse(res));
    this.ws.on('open', () => this.onOpen());
    this.ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.ws.on('pong', () => {
      this.heardSincePing = true;
    });
    this.ws.on('error', (err) => {
      if (this.openedAt === undefined) this.failure ??= { status: undefined, retryAfterMs: undefined, message: err.message };
      this.options.log('debug', `spark connection ${this.id}: socket error: ${err.message}`);
    });
    this.ws.on('close', (code, reason) => this.onSocketClose(code, reason.toString()));
  }

  get lanesTotal(): number {
    return this.lanes.length;
  }
  get busyLanes(): number {
    return this.busy;
  }
  /** Open and not retiring: may be given new requests. */
  get accepting(): boolean {
    return this.state === 'open';
  }
  get freeLanes(): number {
    return this.accepting ? this.lanes.length - this.busy : 0;
  }
  /** Names of the context lanes (`c0..`), fixed for the connection's life. */
  get contextLaneNames(): string[] {
    return [...this.contexts.keys()];
  }
  /** Warm-ups sent and not yet ended, across every context lane. */
  get warmupsInFlight(): number {
    return this.warmupsOut;
  }
  /** Age in ms since the upgrade succeeded (0 while connecting). */
  get ageMs(): number {
    return this.openedAt === undefined ? 0 : Date.now() - this.openedAt;
  }

  /**
   * Sends a request on a free lane (`preferLane` when it is free). `frame(streamId)` builds the
   * `response.create` text; `release` is called once that lane is free again. False (and nothing sent, and
   * `release` never called) when no lane is free.
   */
  start(frame: (streamId: string) => string, sink: LaneSink, deadline: number, preferLane: string | undefined, release: () => void): boolean {
    if (!this.accepting) return false;
    const preferred = preferLane === undefined ? undefined : this.byName.get(preferLane);
    const lane = preferred?.sink === undefined && preferred !== undefined ? preferred : this.lanes.find((l) => l.sink === undefined);
    if (lane === undefined) return false;
    lane.release = release;
    lane.sink = sink;
    lane.acc = new ResponseAccumulator();
    this.busy++;
    if (Number.isFinite(deadline) && Number.isFinite(this.options.graceMs)) {
      lane.watchdog = this.watchdogs.add(deadline + this.options.graceMs, () => {
        lane.watchdog = undefined;
        if (lane.sink !== sink) return;
        this.options.log('warn', `spark connection ${this.id}: lane ${lane.name} overran its deadline by ${this.options.graceMs} ms; dropping the socket`);
        this.terminate();
      });
    }
    this.ws.send(frame(lane.name), (err) => {
      if (err) this.options.log('debug', `spark connection ${this.id}: send failed: ${err.message}`);
    });
    return true;
  }

  /**
   * Sends a `generate:false` warm-up (`frame` is the complete text, with `stream_id` = `lane`) on a
   * context lane. Returns false (and sends nothing) when the connection takes no work or the lane is
   * unknown. A warm-up still running `graceMs` after `deadline` drops the socket, as on work lanes.
   */
  sendWarmup(lane: string, frame: string, sink: WarmupSink, deadline: number): boolean {
    const fifo = this.contexts.get(lane);
    if (!this.accepting || fifo === undefined) return false;
    const warmup: Warmup = { sink, acc: new ResponseAccumulator(), watchdog: undefined };
    if (Number.isFinite(deadline) && Number.isFinite(this.options.graceMs)) {
      warmup.watchdog = this.watchdogs.add(deadline + this.options.graceMs, () => {
        warmup.watchdog = undefined;
        if (!fifo.includes(warmup)) return;
        this.options.log('warn', `spark connection ${this.id}: warm-up on ${lane} overran its deadline by ${this.options.graceMs} ms; dropping the socket`);
        this.terminate();
      });
    }
    fifo.push(warmup);
    this.warmupsOut++;
    this.ws.send(frame, (err) => {
      if (err) this.options.log('debug', `spark connection ${this.id}: send failed: ${err.message}`);
    });
    return true;
  }

  /** Stops taking new requests; closes once every lane is idle. */
  retire(): void {
    if (this.state === 'closed' || this.state === 'retiring') return;
    if (this.state === 'connecting') {
      this.terminate();
      return;
    }
    this.state = 'retiring';
    this.hooks.onCapacity(this);
    if (this.busy === 0) this.close();
  }

  /** Graceful close (1000); falls back to terminate if the peer does not answer within a second. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.terminate();
      return;
    }
    if (this.state === 'open') {
      this.state = 'retiring';
      this.hooks.onCapacity(this);
    }
    this.ws.close(1000, 'client closing');
    this.closeFallback ??= setTimeout(() => this.ws.terminate(), 1000);
    this.closeFallback.unref();
  }

  /** Drops the socket at once; busy lanes fail with a retryable SPARK_ERR_CONNECTION. */
  terminate(): void {
    if (this.state === 'closed') return;
    this.ws.terminate();
  }

  private onUnexpectedResponse(res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
    this.failure = { status, retryAfterMs: retryAfterMs(headers), message: `upgrade answered HTTP ${status}` };
    res.resume();
    this.ws.terminate();
  }

  private onOpen(): void {
    this.openedAt = Date.now();
    if (this.state !== 'connecting') {
      this.ws.terminate();
      return;
    }
    this.state = 'open';
    if (this.options.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
      this.heartbeat.unref();
    }
    this.hooks.onOpen(this);
  }

  private beat(): void {
    if (this.pingOutstanding && !this.heardSincePing) {
      this.options.log('warn', `spark connection ${this.id}: no pong within ${this.options.heartbeatMs} ms; dropping the socket`);
      this.terminate();
      return;
    }
    this.heardSincePing = false;
    this.pingOutstanding = true;
    this.ws.ping();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.heardSincePing = true;
    if (isBinary) {
      this.options.log('warn', `spark connection ${this.id}: ignoring a binary frame`);
      return;
    }
    const raw = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    const parsed = parseServerEvent(raw);
    if (parsed.kind === 'unknown') return;
    if (parsed.kind === 'malformed') {
      this.onMalformed(parsed.streamId, parsed.reason, raw);
      return;
    }
    const event = parsed.event;
    const streamId = event.stream_id ?? undefined;
    if (streamId === undefined) {
      if (event.type === 'error') this.onConnectionError(event);
      else this.options.log('debug', `spark connection ${this.id}: ignoring ${event.type} on the default lane`);
      return;
    }
    const fifo = this.contexts.get(streamId);
    if (fifo !== undefined) {
      this.onWarmupEvent(streamId, fifo, event);
      return;
    }
    const lane = this.byName.get(streamId);
    if (lane === undefined || lane.sink === undefined || lane.acc === undefined) {
      this.options.log('debug', `spark connection ${this.id}: ignoring ${event.type} for idle lane ${streamId}`);
      return;
    }
    if (
      (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') &&
      lane.acc.responseId !== undefined &&
      event.response.id !== lane.acc.responseId
    ) {
      this.options.log('debug', `spark connection ${this.id}: ignoring a stale ${event.type} on lane ${streamId}`);
      return;
    }
    const sink = lane.sink;
    const hadId = lane.acc.responseId !== undefined;
    const step = lane.acc.feed(event);
    if (!hadId && lane.acc.responseId !== undefined && !sink.settled) sink.onStarted?.();
    if (step === undefined) return;
    if (step.kind === 'text') {
      if (!sink.settled) sink.onText(step.text);
      return;
    }
    this.freeLane(lane);
    if (sink.settled) return;
    if (step.kind === 'done') sink.onDone(step.outcome);
    else sink.onError(step.error, step.retryable);
  }

  /** An event of a context lane belongs to its oldest warm-up (lanes are FIFO). */
  private onWarmupEvent(lane: string, fifo: Warmup[], event: Parameters<ResponseAccumulator['feed']>[0]): void {
    const head = fifo[0];
    if (head === undefined) {
      this.options.log('debug', `spark connection ${this.id}: ignoring ${event.type} for idle context lane ${lane}`);
      return;
    }
    const step = head.acc.feed(event);
    if (step === undefined || step.kind === 'text') return;
    this.endWarmup(fifo);
    if (step.kind === 'done') head.sink.onDone(step.outcome.responseId);
    else head.sink.onError(step.error);
  }

  private endWarmup(fifo: Warmup[]): Warmup | undefined {
    const head = fifo.shift();
    if (head === undefined) return undefined;
    if (head.watchdog !== undefined) this.watchdogs.remove(head.watchdog);
    this.warmupsOut--;
    return head;
  }

  /**
   * A frame that cannot be read fails the request of its lane. Without a readable stream_id, the
   * lane is found by an output item id in the raw text, or by being the only busy lane.
   */
  private onMalformed(streamId: string | undefined, reason: string, raw: string): void {
    let lane = streamId === undefined ? undefined : this.byName.get(streamId);
    if (lane === undefined && streamId === undefined) {
      const itemId = ITEM_ID_IN_TEXT.exec(raw)?.[1];
      const busy = this.lanes.filter((l) => l.sink !== undefined && !l.sink.settled);
      lane = itemId === undefined ? undefined : busy.find((l) => l.acc?.itemIds.has(itemId));
      if (lane === undefined && busy.length === 1) lane = busy[0];
    }
    const sink = lane?.sink;
    if (lane === undefined || sink === undefined) {
      this.options.log('warn', `spark connection ${this.id}: malformed frame for no known lane (${reason})`);
      return;
    }
    this.options.log('warn', `spark connection ${this.id}: malformed frame on lane ${lane.name}: ${reason}`);
    // The response keeps running upstream: the lane stays busy until its terminal event.
    if (!sink.settled) sink.onError(new SparkError(SparkErrorCode.Protocol, `malformed server event: ${reason}`), false);
  }

  private onConnectionError(event: ErrorEvent): void {
    const { code, message } = connectionErrorOf(event);
    this.options.log('warn', `spark connection ${this.id}: connection-level error ${code ?? '(no code)'}: ${message}`);
    if (this.state === 'open') {
      this.state = 'retiring';
      this.hooks.onCapacity(this);
    }
    this.hooks.onConnectionError(this, code, message);
    this.failLanes(`connection error ${code ?? ''}: ${message}`);
    this.close();
  }

  private failLanes(why: string): void {
    for (const fifo of this.contexts.values()) {
      for (let head = this.endWarmup(fifo); head !== undefined; head = this.endWarmup(fifo)) {
        head.sink.onError(new SparkError(SparkErrorCode.Connection, `spark connection ${this.id} lost during a warm-up: ${why}`));
      }
    }
    for (const lane of this.lanes) {
      const sink = lane.sink;
      if (sink === undefined) continue;
      this.freeLane(lane, false);
      if (!sink.settled) sink.onError(new SparkError(SparkErrorCode.Connection, `spark connection ${this.id} lost mid-response: ${why}`), true);
    }
    this.hooks.onCapacity(this);
  }

  private freeLane(lane: Lane, notify = true): void {
    if (lane.watchdog !== undefined) this.watchdogs.remove(lane.watchdog);
    const release = lane.release;
    lane.watchdog = undefined;
    lane.sink = undefined;
    lane.acc = undefined;
    lane.release = undefined;
    this.busy--;
    release?.();
    if (this.state === 'retiring' && this.busy === 0) this.close();
    if (notify) this.hooks.onCapacity(this);
  }

  private onSocketClose(code: number, reason: string): void {
    const opened = this.openedAt !== undefined;
    this.state = 'closed';
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    if (this.closeFallback !== undefined) clearTimeout(this.closeFallback);
    this.heartbeat = undefined;
    this.closeFallback = undefined;
    this.failLanes(`socket closed (${code}${reason ? ` ${reason}` : ''})`);
    this.watchdogs.clear();
    const failure = opened ? undefined : (this.failure ?? { status: undefined, retryAfterMs: undefined, message: `socket closed (${code}) before the upgrade` });
    this.hooks.onClose(this, { opened, failure, code, reason });
  }
}
