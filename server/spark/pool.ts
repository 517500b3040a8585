// The pool: `poolSize` persistent WebSockets opened up front, a p-queue that hands requests to free
// lanes by priority, rotation, reconnect with backoff, and the switch to HTTP/SSE and back.
// Knows nothing of LSP; builds no request bodies (the client passes them in).
//
// Invariants (units: ms; timestamps in Date.now() ms):
// - No connection is opened per request: only `poolSize` slots, each holding at most one current
//   connection and at most one replacement being opened (rotation). Retiring connections take no new
//   work and close once their lanes are idle.
// - A request holds exactly one lane (or one HTTP request) from its start until that lane is free again.
//   It starts either as a p-queue task (counted in `queue.pending`) or, when a lane is free and nothing
//   waits (`startsNow`), at once without the queue (counted in `direct`, WebSocket mode only), so
//   `queue.pending + direct` >= busy lanes + HTTP requests in flight. `capacity` is: lanes of accepting
//   connections (or `httpSlots` in HTTP mode) + busy lanes of non-accepting connections + HTTP requests
//   in flight in WebSocket mode; the queue's concurrency is kept at `capacity - direct`. Hence a starting
//   task always finds a free lane; no room pauses the queue.
// - A waiting request whose caller withdrew it (`withdraw()`) leaves the queue and never goes upstream.
//   A started request is never aborted on a WebSocket (the lane drains to its terminal event); HTTP ones are.
// - After an upgrade 401/403 nothing reconnects in the background: status `auth-failed`, requests fail
//   fast. A request submitted after the retry gate's pause (auth-retry.ts: a short pause, a cap per
//   minute) starts one retry: the key is resolved again (`refreshApiKey`), the slots reconnect, and the
//   request waits in the queue like any other; while the key is being resolved the queue stays paused.
// - Every timer is cleared by `destroy()` / the end of `close()`.
// - Warm contexts (warm.ts): each connection has `lanesPerConnection` work lanes `l*` and
//   min(16, 32 - lanesPerConnection) context lanes `c*` (32 distinct names per connection lifetime);
//   at most max(1, 16 - lanesPerConnection) warm-ups are outstanding per connection (16 in flight).
//   Warm-ups bypass the p-queue and never occupy a work lane, so the capacity invariant above holds
//   unchanged and a warm-up never delays a completion (Background priority by construction). A job
//   with a ready warm key runs on a free work lane of the connection holding the key (before affinity).
// - Reviews (priority <= Priority.Review) wait outside the p-queue and enter it only when nothing else
//   is queued and starting them leaves at least REVIEW_RESERVED_LANES lanes free, so a review never
//   takes the last free lane and interactive work never queues behind one. (With a single lane in the
//   whole pool a review starts only when the pool is idle.)
// - A follow-up (`continueFrom`) runs on the connection that produced its parent, on the parent's lane
//   when free, while that connection takes work and has a free lane; otherwise it is sent unchained.

import PQueue from 'p-queue';
import { Priority, type SparkClientOptions, type SparkStats, type SparkStatus, type WarmRequest } from './api.js';
import { SparkError, SparkErrorCode } from './errors.js';
import { SparkConnection, type ConnectionHooks, type LaneSink, type UpgradeFailure } from './connection.js';
import { httpGenerate, responsesUrl } from './transport-http.js';
import type { ResponseOutcome } from './response-stream.js';
import { WarmContexts, type Chain } from './warm.js';
import { RetryGate } from './auth-retry.js';

type Log = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

/** What the pool reports back for one attempt of one request. */
export interface AttemptSink {
  readonly settled: boolean;
  onText(textSoFar: string): void;
  onDone(outcome: ResponseOutcome, transport: 'websocket' | 'http'): void;
  /**
   * `failedOn`: the connection the attempt ran on, so a retry can avoid it. `chained`: the attempt
   * forked from a warm context (a retry must send the full input).
   */
  onError(error: SparkError, retryable: boolean, failedOn: SparkConnection | undefined, chained: boolean): void;
}

export interface PoolJob {
  priority: number;
  affinity: string | undefined;
  deadline: number;
  /** A connection to avoid (the one a first attempt failed on), if another has a free lane. */
  avoid: SparkConnection | undefined;
  /** Chain from this key's warm context when it is ready (see warm.ts); undefined: never chain. */
  warmKey: string | undefined;
  /** Chain from this earlier response, on the connection (and lane) that produced it, when that is still possible. */
  continueFrom?: string | undefined;
  /** `previousResponseId` is set when the request chains (warm context or continueFrom): send only the new input. */
  wsFrame(streamId: string, previousResponseId: string | undefined): string;
  httpBody(): Record<string, unknown>;
  sink: AttemptSink;
}

/** One submitted job, as submit() hands it back (see SparkPool.withdraw). */
export class PoolTicket {
  started = false;
  withdrawn = false;
  /** Takes it out of the p-queue; made only for a job that waits there. */
  queued: AbortController | undefined;
  /** Aborts its HTTP request while it runs over HTTP. */
  http: AbortController | undefined;

  constructor(readonly job: PoolJob) {}
}

export type PoolOptions = Required<Pick<SparkClientOptions, 'baseUrl' | 'apiKey' | 'poolSize' | 'lanesPerConnection' | 'transport' | 'rotateAfterMs' | 'heartbeatMs' | 'websocketRetryMs'>> & {
  graceMs: number;
  log: Log;
  onStatus: (status: SparkStatus) => void;
  /** Builds the `generate:false` warm-up frame for a context lane. */
  warmFrame: (req: WarmRequest, streamId: string) => string;
  /** See SparkClientOptions.refreshApiKey. */
  refreshApiKey?: (() => Promise<string>) | undefined;
  authRetry?: { pauseMs: number; perMinute: number } | undefined;
};

/** Named lanes a connection may use in its lifetime, and responses in flight (spec 2.3). */
const SERVICE_LANE_NAMES = 32;
const SERVICE_IN_FLIGHT = 16;

interface Slot {
  readonly index: number;
  conn: SparkConnection | undefined;
  /** Replacement being opened while `conn` keeps serving (rotation). */
  next: SparkConnection | undefined;
  /** Consecutive failed upgrades of this slot (backoff exponent). */
  failures: number;
  /** Reconnect or rotation-retry timer. */
  timer: NodeJS.Timeout | undefined;
  /** True once the slot's first upgrade has opened or failed (for ready()). */
  settledOnce: boolean;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 30_000;
const FAILURES_BEFORE_FALLBACK = 3;
const AFFINITY_LIMIT = 1024;
/** Lanes a review never takes: starting one must leave at least this many free for interactive work. */
export const REVIEW_RESERVED_LANES = 1;
/** Recent responses remembered for follow-ups (responseId -> connection and lane). */
const RECENT_LIMIT = 256;

export function websocketUrl(baseUrl: string): string {
  const url = new URL(responsesUrl(baseUrl));
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  return url.toString();
}

/** Capped exponential backoff with jitter: uniform in [half, full] of min(cap, base * 2^n). */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures, 20));
  return Math.round(full * (0.5 + 0.5 * random()));
}

export class SparkPool {
  private readonly queue = new PQueue({ concurrency: 1, autoStart: false });
  private readonly slots: Slot[];
  private readonly conns = new Set<SparkConnection>();
  private readonly slotOf = new Map<SparkConnection, Slot>();
  private readonly rotateTimers = new Map<SparkConnection, NodeJS.Timeout>();
  /** Submitted and not started: in the p-queue or among the reviews. */
  private readonly waiting = new Set<PoolTicket>();
  private readonly affinity = new Map<string, SparkConnection>();
  private readonly laneWaiters: (() => void)[] = [];
  /** Reviews waiting to enter the p-queue, oldest first (see the invariants). */
  private readonly reviews: PoolTicket[] = [];
  /** Lanes (or HTTP slots) requests may hold now, by the invariants at the top. */
  private capacity = 0;
  /** Lanes held by requests started without the p-queue (`startDirect`). */
  private direct = 0;
  /** close() waiting for the lanes started directly to be free. */
  private readonly directIdle: (() => void)[] = [];
  /** Where recent responses ran, for follow-ups: responseId -> connection and lane. */
  private readonly recent = new Map<string, { conn: SparkConnection; lane: string }>();
  private readonly httpSlots: number;
  private readonly wsUrl: string;
  /** Which transport new requests use. */
  private mode: 'websocket' | 'http';
  /** Whether WebSocket connections are wanted now (false after a fallback until the retry timer). */
  private wsWanted: boolean;
  private wsRetryTimer: NodeJS.Timeout | undefined;
  private consecutiveUpgradeFailures = 0;
  private httpInFlight = 0;
  private authFailed: SparkError | undefined;
  private readonly authRetry: RetryGate;
  /** True while a retry after a refused key resolves the key again (the queue stays paused). */
  private reauthenticating = false;
  private apiKey: string;
  private closing = false;
  private destroyed = false;
  private lastStatusKey = '';
  private readyResolve: (() => void) | undefined;
  readonly readyPromise: Promise<void>;
  private readonly counters = { upgradesAttempted: 0, upgradesSucceeded: 0, httpRequests: 0, chained: 0, chainFallbacks: 0 };
  private readonly contextLanes: number;
  private readonly warmContexts: WarmContexts;

  constructor(private readonly o: PoolOptions) {
    this.httpSlots = o.poolSize * o.lanesPerConnection;
    this.apiKey = o.apiKey;
    this.authRetry = new RetryGate(o.authRetry?.pauseMs, o.authRetry?.perMinute);
    this.contextLanes = Math.max(0, Math.min(SERVICE_IN_FLIGHT, SERVICE_LANE_NAMES - o.lanesPerConnection));
    this.warmContexts = new WarmContexts({
      frame: o.warmFrame,
      maxInFlight: Math.max(1, SERVICE_IN_FLIGHT - o.lanesPerConnection),
      log: o.log,
    });
    this.queue.on('next', () => this.admitReviews());
    this.wsUrl = websocketUrl(o.baseUrl);
    this.mode = o.transport === 'http' ? 'http' : 'websocket';
    this.wsWanted = o.transport !== 'http';
    this.readyPromise = new Promise<void>((resolve) => {
      this.readyResolve = resolve;
    });
    this.slots = Array.from({ length: o.poolSize }, (_, index) => ({
      index,
      conn: undefined,
      next: undefined,
      failures: 0,
      timer: undefined,
      settledOnce: false,
    }));
    if (this.wsWanted) {
      for (const slot of this.slots) this.openSlot(slot);
    } else {
      queueMicrotask(() => this.status({ kind: 'ready', transport: 'http' }));
      this.markReady();
    }
    this.recompute();
  }

  // ---- requests --------------------------------------------------------------------------------

  /**
   * Starts the job at once when a lane is free and nothing waits before it, else queues it; undefined when it
   * failed at once (its sink heard why). The caller withdraws the ticket when it no longer wants the answer.
   */
  submit(job: PoolJob): PoolTicket | undefined {
    if (this.destroyed || this.closing) {
      job.sink.onError(new SparkError(SparkErrorCode.Closed, 'the Spark client is closed'), false, undefined, false);
      return undefined;
    }
    if (this.authFailed && !this.retryAuth()) {
      job.sink.onError(this.authFailed, false, undefined, false);
      return undefined;
    }
    const ticket = new PoolTicket(job);
    if (job.priority > Priority.Review && this.startsNow() && this.startDirect(ticket)) return ticket;
    this.waiting.add(ticket);
    if (job.priority <= Priority.Review) {
      this.reviews.push(ticket);
      this.admitReviews();
    } else {
      this.enqueue(ticket);
    }
    return ticket;
  }

  /** The caller no longer wants the answer: a waiting job leaves the queue, an HTTP request is aborted. */
  withdraw(ticket: PoolTicket): void {
    if (ticket.withdrawn) return;
    ticket.withdrawn = true;
    if (ticket.started) {
      ticket.http?.abort('withdrawn'); // a string reason: abort() without one builds a DOMException
      return;
    }
    this.waiting.delete(ticket);
    const review = this.reviews.indexOf(ticket);
    if (review !== -1) this.reviews.splice(review, 1);
    ticket.queued?.abort('withdrawn');
  }

  /** A lane is free for interactive work and nothing waits for one (WebSocket mode). */
  private startsNow(): boolean {
    return this.mode === 'websocket' && !this.queue.isPaused && this.queue.size === 0 && this.queue.pending < this.queue.concurrency;
  }

  /** Starts a job on a free lane without the p-queue; the lane counts in `direct` until it is free. False: no lane after all. */
  private startDirect(ticket: PoolTicket): boolean {
    ticket.started = true;
    this.direct++;
    if (this.startOnLane(ticket.job, this.directReleased)) {
      this.fitQueue();
      return true;
    }
    this.direct--;
    ticket.started = false;
    return false;
  }

  private readonly directReleased = (): void => {
    this.direct--;
    if (this.direct === 0) for (const wake of this.directIdle.splice(0)) wake();
  };

  private enqueue(ticket: PoolTicket): void {
    ticket.queued ??= new AbortController();
    this.queue.add(() => this.run(ticket), { priority: ticket.job.priority, signal: ticket.queued.signal }).catch(() => undefined);
  }

  /** Moves waiting reviews into the p-queue while that leaves REVIEW_RESERVED_LANES free (`all`: closing, no more interactive work). */
  private admitReviews(all = false): void {
    while (this.reviews.length > 0) {
      const ticket = this.reviews[0]!;
      if (!this.waiting.has(ticket)) {
        this.reviews.shift();
        continue;
      }
      if (!all) {
        if (this.queue.isPaused || this.queue.size > 0) return;
        const total = this.queue.concurrency + this.direct;
        const free = this.queue.concurrency - this.queue.pending;
        const roomy = total > REVIEW_RESERVED_LANES ? free > REVIEW_RESERVED_LANES : this.queue.pending + this.direct === 0;
        if (!roomy) return;
      }
      this.reviews.shift();
      this.enqueue(ticket);
    }
  }

  /** A p-queue task: holds its lane (or HTTP request) until it is free again. */
  private async run(ticket: PoolTicket): Promise<void> {
    ticket.started = true;
    this.waiting.delete(ticket);
    const { job } = ticket;
    if (job.sink.settled || ticket.withdrawn) return;
    for (;;) {
      if (this.mode === 'http') return this.runHttp(ticket);
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      if (this.startOnLane(job, release)) return released;
      // Capacity accounting should make this unreachable; wait rather than spin.
      this.o.log('debug', 'spark pool: a started request found no free lane; waiting for one');
      await new Promise<void>((resolve) => this.laneWaiters.push(resolve));
      if (this.destroyed || job.sink.settled || ticket.withdrawn) return;
    }
  }

  /** Sends the job on a free lane: its warm context's connection, its parent's, or the best one. False when none is free. */
  private startOnLane(job: PoolJob, release: () => void): boolean {
    const chain = job.warmKey === undefined ? undefined : this.warmContexts.chainFor(job.warmKey, job.avoid);
    const follow = chain === undefined ? this.followUp(job) : undefined;
    const conn = chain?.conn ?? follow?.conn ?? this.pick(job);
    if (conn === undefined) return false;
    const started = chain?.forkSent();
    const lane = { name: '' };
    const previousResponseId = chain?.previousResponseId ?? follow?.previousResponseId;
    const sink = this.laneSink(job, conn, chain, started, previousResponseId !== undefined, lane);
    const frame = (id: string): string => {
      lane.name = id;
      return job.wsFrame(id, previousResponseId);
    };
    if (!conn.start(frame, sink, job.deadline, follow?.lane, release)) {
      started?.();
      return false;
    }
    if (chain !== undefined) this.counters.chained++;
    if (job.affinity !== undefined) this.remember(job.affinity, conn);
    return true;
  }

  private laneSink(
    job: PoolJob,
    conn: SparkConnection,
    chain: Chain | undefined,
    started: (() => void) | undefined,
    chained: boolean,
    lane: { name: string },
  ): LaneSink {
    const warmKey = job.warmKey;
    return {
      get settled() {
        return job.sink.settled;
      },
      onStarted: started,
      onText: (t) => job.sink.onText(t),
      onDone: (outcome) => {
        started?.();
        this.rememberResponse(outcome.responseId, conn, lane.name);
        job.sink.onDone(outcome, 'websocket');
      },
      onError: (error, retryable) => {
        started?.();
        if (chain !== undefined && warmKey !== undefined && error.upstreamCode === 'previous_response_not_found') {
          this.warmContexts.invalidate(warmKey, chain.previousResponseId);
        }
        job.sink.onError(error, retryable, conn, chained);
      },
    };
  }

  /** Where a follow-up can chain from its parent: the parent's connection, while it takes work and has a free lane. */
  private followUp(job: PoolJob): { conn: SparkConnection; lane: string; previousResponseId: string } | undefined {
    if (job.continueFrom === undefined) return undefined;
    const where = this.recent.get(job.continueFrom);
    if (where === undefined || !where.conn.accepting || where.conn.freeLanes === 0 || where.conn === job.avoid) return undefined;
    return { conn: where.conn, lane: where.lane, previousResponseId: job.continueFrom };
  }

  private rememberResponse(responseId: string, conn: SparkConnection, lane: string): void {
    if (lane === '' || !conn.accepting) return;
    this.recent.set(responseId, { conn, lane });
    if (this.recent.size > RECENT_LIMIT) {
      const oldest = this.recent.keys().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
  }

  /** A chained request fell back to its full input (counted in stats). */
  noteChainFallback(): void {
    this.counters.chainFallbacks++;
  }

  /** See SparkClient.warm: false in HTTP mode, when no connection opened, or when the warm-up failed. */
  async warm(req: WarmRequest): Promise<boolean> {
    if (!this.canWarm()) return false;
    if (![...this.conns].some((c) => c.accepting)) {
      await this.readyPromise;
      if (!this.canWarm() || !(req.deadline > Date.now())) return false;
    }
    return this.warmContexts.warm(req, this.conns);
  }

  private canWarm(): boolean {
    return !this.destroyed && !this.closing && this.authFailed === undefined && this.contextLanes > 0 && this.mode === 'websocket' && this.wsWanted;
  }

  forget(key: string): void {
    this.warmContexts.forget(key);
  }

  private async runHttp(ticket: PoolTicket): Promise<void> {
    const { job } = ticket;
    const abort = new AbortController();
    ticket.http = abort;
    this.httpInFlight++;
    this.counters.httpRequests++;
    try {
      const outcome = await httpGenerate({
        baseUrl: this.o.baseUrl,
        apiKey: this.apiKey,
        body: job.httpBody(),
        deadline: job.deadline,
        signal: abort.signal,
        onText: (t) => {
          if (!job.sink.settled) job.sink.onText(t);
        },
        log: this.o.log,
      });
      if (this.mode === 'http' && this.lastStatusKey === 'unreachable') this.status({ kind: 'ready', transport: 'http' });
      if (!job.sink.settled) job.sink.onDone(outcome, 'http');
    } catch (e) {
      const err = e instanceof SparkError ? e : new SparkError(SparkErrorCode.Connection, String(e), { cause: e });
      if (err.code === SparkErrorCode.Auth) this.failAuth(err.message);
      // Only a request that got no answer at all means the endpoint is down (a cut stream carries its status).
      else if (err.code === SparkErrorCode.Connection && err.status === undefined && this.mode === 'http') this.status({ kind: 'unreachable', message: err.message });
      if (!job.sink.settled) job.sink.onError(err, false, undefined, false);
    } finally {
      ticket.http = undefined;
      this.httpInFlight--;
      this.recompute();
    }
  }

  /** Affinity first, then the least-loaded accepting connection with a free lane. */
  private pick(job: PoolJob): SparkConnection | undefined {
    const preferred = job.affinity === undefined ? undefined : this.affinity.get(job.affinity);
    if (preferred !== undefined && preferred.freeLanes > 0 && preferred !== job.avoid) return preferred;
    let best: SparkConnection | undefined;
    let bestScore = Infinity;
    for (const conn of this.conns) {
      if (conn.freeLanes === 0) continue;
      const score = conn.busyLanes + (conn === job.avoid ? 1000 : 0);
      if (score < bestScore) {
        best = conn;
        bestScore = score;
      }
    }
    return best;
  }

  private remember(key: string, conn: SparkConnection): void {
    this.affinity.delete(key);
    this.affinity.set(key, conn);
    if (this.affinity.size > AFFINITY_LIMIT) {
      const oldest = this.affinity.keys().next();
      if (!oldest.done) this.affinity.delete(oldest.value);
    }
  }

  /** Re-derives the capacity from the connections, and the queue's concurrency from it (see the invariants at the top). */
  private recompute(): void {
    let capacity = 0;
    if (!this.destroyed && !this.authFailed && !this.reauthenticating) {
      capacity = this.mode === 'http' ? this.httpSlots : this.httpInFlight;
      for (const conn of this.conns) capacity += conn.accepting ? (this.mode === 'websocket' ? conn.lanesTotal : conn.busyLanes) : conn.busyLanes;
    }
    this.capacity = capacity;
    if (!this.fitQueue()) return;
    if (this.laneWaiters.length > 0) for (const wake of this.laneWaiters.splice(0)) wake();
    if (this.reviews.length > 0) this.admitReviews();
  }

  /** The queue may run what the capacity leaves beyond the lanes started directly; paused (false) when that is none. */
  private fitQueue(): boolean {
    const room = this.capacity - this.direct;
    if (room < 1) {
      this.queue.pause();
      return false;
    }
    if (this.queue.concurrency !== room) this.queue.concurrency = room;
    this.queue.start();
    return true;
  }

  // ---- connections -----------------------------------------------------------------------------

  private readonly hooks: ConnectionHooks = {
    onOpen: (conn) => this.onOpen(conn),
    onCapacity: () => this.recompute(),
    onConnectionError: (conn, code) => this.onConnectionError(conn, code),
    onClose: (conn, info) => this.onClose(conn, info.opened, info.failure, info.code),
  };

  private openConnection(slot: Slot): SparkConnection {
    this.counters.upgradesAttempted++;
    const conn = new SparkConnection(
      { url: this.wsUrl, apiKey: this.apiKey, lanes: this.o.lanesPerConnection, contextLanes: this.contextLanes, heartbeatMs: this.o.heartbeatMs, graceMs: this.o.graceMs, log: this.o.log },
      this.hooks,
    );
    this.conns.add(conn);
    this.slotOf.set(conn, slot);
    return conn;
  }

  private openSlot(slot: Slot): void {
    if (slot.conn !== undefined || slot.next !== undefined) return;
    slot.conn = this.openConnection(slot);
  }

  private onOpen(conn: SparkConnection): void {
    const slot = this.slotOf.get(conn);
    this.counters.upgradesSucceeded++;
    if (slot === undefined || this.destroyed || !this.wsWanted) {
      conn.retire();
      return;
    }
    this.consecutiveUpgradeFailures = 0;
    slot.failures = 0;
    slot.settledOnce = true;
    if (slot.next === conn) {
      const old = slot.conn;
      slot.conn = conn;
      slot.next = undefined;
      if (old !== undefined) {
        this.o.log('info', `spark pool: rotated connection ${old.id} (age ${old.ageMs} ms) to ${conn.id}`);
        old.retire();
      }
    }
    if (this.o.rotateAfterMs > 0 && Number.isFinite(this.o.rotateAfterMs)) {
      const t = setTimeout(() => this.rotate(conn), this.o.rotateAfterMs);
      this.rotateTimers.set(conn, t);
    }
    if (this.mode === 'http') {
      this.o.log('info', 'spark pool: WebSockets work again; leaving the HTTP fallback');
      this.mode = 'websocket';
    }
    if (this.wsRetryTimer !== undefined) {
      clearTimeout(this.wsRetryTimer);
      this.wsRetryTimer = undefined;
    }
    this.status({ kind: 'ready', transport: 'websocket' });
    this.markReadyIfSettled();
    this.recompute();
  }

  private rotate(conn: SparkConnection): void {
    this.rotateTimers.delete(conn);
    const slot = this.slotOf.get(conn);
    if (slot === undefined || slot.conn !== conn || slot.next !== undefined || this.closing || this.destroyed || !this.wsWanted) return;
    this.o.log('debug', `spark pool: connection ${conn.id} is ${conn.ageMs} ms old; opening its replacement`);
    slot.next = this.openConnection(slot);
  }

  private onConnectionError(conn: SparkConnection, code: string | undefined): void {
    const slot = this.slotOf.get(conn);
    if (slot === undefined || slot.conn !== conn) return;
    // The server wants a new connection (e.g. websocket_connection_limit_reached): open it now.
    this.o.log('info', `spark pool: replacing connection ${conn.id} after ${code ?? 'a connection error'}`);
    slot.conn = undefined;
    if (!this.closing && !this.destroyed && this.wsWanted && !this.authFailed && slot.next === undefined) {
      this.clearSlotTimer(slot);
      slot.conn = this.openConnection(slot);
    }
  }

  private onClose(conn: SparkConnection, opened: boolean, failure: UpgradeFailure | undefined, code: number): void {
    this.conns.delete(conn);
    const slot = this.slotOf.get(conn);
    this.slotOf.delete(conn);
    const rt = this.rotateTimers.get(conn);
    if (rt !== undefined) clearTimeout(rt);
    this.rotateTimers.delete(conn);
    for (const [key, c] of this.affinity) if (c === conn) this.affinity.delete(key);
    for (const [id, where] of this.recent) if (where.conn === conn) this.recent.delete(id);
    this.warmContexts.dropConnection(conn);
    this.recompute();
    if (slot === undefined) return this.checkDrained();
    const wasReplacement = slot.next === conn;
    const wasCurrent = slot.conn === conn;
    if (wasReplacement) slot.next = undefined;
    if (wasCurrent) slot.conn = undefined;
    if (this.destroyed) return this.checkDrained();
    if (!opened) this.onUpgradeFailure(slot, wasReplacement, failure);
    else if (wasCurrent) {
      this.o.log('info', `spark pool: connection ${conn.id} closed (${code}); reconnecting`);
      if (this.wsWanted && !this.authFailed && slot.next === undefined) this.scheduleReconnect(slot, backoffMs(slot.failures));
    }
    this.checkDrained();
  }

  private onUpgradeFailure(slot: Slot, wasReplacement: boolean, failure: UpgradeFailure | undefined): void {
    const status = failure?.status;
    const message = failure?.message ?? 'upgrade failed';
    slot.failures++;
    slot.settledOnce = true;
    this.consecutiveUpgradeFailures++;
    this.o.log('warn', `spark pool: WebSocket upgrade failed (${message}); ${this.consecutiveUpgradeFailures} in a row`);
    if (status === 401 || status === 403) {
      this.failAuth(`the endpoint refused the API key (HTTP ${status} at the WebSocket upgrade)`, status);
      return;
    }
    if (!this.wsWanted || this.closing) {
      this.markReadyIfSettled();
      return;
    }
    const anyOpen = [...this.conns].some((c) => c.accepting);
    if (this.o.transport === 'auto' && (status === 426 || (this.consecutiveUpgradeFailures >= FAILURES_BEFORE_FALLBACK && !anyOpen))) {
      this.fallbackToHttp(status === 426 ? 'the endpoint answered 426 Upgrade Required' : `${this.consecutiveUpgradeFailures} WebSocket upgrades failed in a row (${message})`);
      return;
    }
    if (this.o.transport === 'websocket' && this.consecutiveUpgradeFailures >= FAILURES_BEFORE_FALLBACK && !anyOpen) {
      this.status({ kind: 'unreachable', message });
    }
    const delay = Math.max(backoffMs(slot.failures), failure?.retryAfterMs ?? 0);
    if (wasReplacement) {
      const conn = slot.conn;
      this.clearSlotTimer(slot);
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (conn !== undefined) this.rotate(conn);
        else this.openSlot(slot);
      }, delay);
    } else {
      this.scheduleReconnect(slot, delay);
    }
    this.markReadyIfSettled();
  }

  private scheduleReconnect(slot: Slot, delay: number): void {
    if (slot.timer !== undefined) return;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.closing && this.queue.size === 0 && this.queue.pending === 0 && this.direct === 0) return;
      if (!this.destroyed && this.wsWanted && !this.authFailed) this.openSlot(slot);
    }, delay);
  }

  private clearSlotTimer(slot: Slot): void {
    if (slot.timer !== undefined) clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  private fallbackToHttp(reason: string): void {
    this.o.log('warn', `spark pool: using HTTP/SSE: ${reason}; retrying WebSockets in ${this.o.websocketRetryMs} ms`);
    this.mode = 'http';
    this.wsWanted = false;
    for (const slot of this.slots) {
      this.clearSlotTimer(slot);
      slot.next?.terminate();
    }
    for (const conn of [...this.conns]) conn.retire();
    this.status({ kind: 'fallback-http', message: reason });
    this.markReady();
    if (this.wsRetryTimer !== undefined) clearTimeout(this.wsRetryTimer);
    this.wsRetryTimer = setTimeout(() => {
      this.wsRetryTimer = undefined;
      if (this.closing || this.destroyed || this.authFailed) return;
      this.o.log('info', 'spark pool: trying WebSockets again');
      this.wsWanted = true;
      this.consecutiveUpgradeFailures = 0;
      for (const slot of this.slots) {
        slot.failures = 0;
        this.openSlot(slot);
      }
    }, this.o.websocketRetryMs);
    this.recompute();
  }

  /** Starts a retry after a refused key when the gate allows one; false: the request fails fast. */
  private retryAuth(): boolean {
    if (this.reauthenticating || !this.authRetry.allow(Date.now())) return false;
    this.o.log('info', 'spark pool: trying again after the API key was refused');
    this.authFailed = undefined;
    this.lastStatusKey = '';
    this.reauthenticating = true;
    const refresh = this.o.refreshApiKey ?? (() => Promise.resolve(this.apiKey));
    void refresh().then(
      (key) => {
        this.reauthenticating = false;
        if (this.destroyed || this.closing) return;
        this.apiKey = key;
        if (this.mode === 'websocket') {
          this.wsWanted = true;
          this.consecutiveUpgradeFailures = 0;
          for (const slot of this.slots) {
            slot.failures = 0;
            this.openSlot(slot);
          }
        }
        this.recompute();
      },
      (e: unknown) => {
        this.reauthenticating = false;
        if (!this.destroyed) this.failAuth(`the API key was refused, and resolving it again failed: ${(e as Error).message}`);
      },
    );
    return true;
  }

  private failAuth(message: string, status?: number): void {
    if (this.authFailed) return;
    this.authRetry.refused(Date.now());
    this.o.log('error', `spark pool: ${message}; not reconnecting`);
    this.authFailed = new SparkError(SparkErrorCode.Auth, message, { status });
    this.wsWanted = false;
    for (const slot of this.slots) this.clearSlotTimer(slot);
    if (this.wsRetryTimer !== undefined) clearTimeout(this.wsRetryTimer);
    this.wsRetryTimer = undefined;
    for (const conn of [...this.conns]) conn.retire();
    this.status({ kind: 'auth-failed', message });
    this.markReady();
    this.recompute();
    const err = this.authFailed;
    this.reviews.length = 0;
    for (const ticket of [...this.waiting]) {
      this.waiting.delete(ticket);
      ticket.queued?.abort('failed');
      if (!ticket.job.sink.settled) ticket.job.sink.onError(err, false, undefined, false);
    }
  }

  // ---- status, readiness, lifecycle ------------------------------------------------------------

  private status(status: SparkStatus): void {
    const key = status.kind === 'ready' ? `ready:${status.transport}` : status.kind;
    if (key === this.lastStatusKey) return;
    if (this.lastStatusKey === 'auth-failed') return;
    this.lastStatusKey = key;
    this.o.onStatus(status);
  }

  private markReadyIfSettled(): void {
    if (this.slots.every((s) => s.settledOnce)) this.markReady();
  }

  private markReady(): void {
    this.readyResolve?.();
    this.readyResolve = undefined;
  }

  stats(): SparkStats {
    let open = 0;
    let busy = 0;
    for (const conn of this.conns) {
      if (conn.state === 'open' || conn.state === 'retiring') open++;
      busy += conn.busyLanes;
    }
    return {
      upgradesAttempted: this.counters.upgradesAttempted,
      upgradesSucceeded: this.counters.upgradesSucceeded,
      openSockets: open,
      inFlight: busy + this.httpInFlight,
      queued: this.queue.size + this.reviews.length,
      httpRequests: this.counters.httpRequests,
      warmContexts: this.warmContexts.readyCount,
      chained: this.counters.chained,
      chainFallbacks: this.counters.chainFallbacks,
      transport: this.mode,
    };
  }

  private drainResolve: (() => void) | undefined;

  /** Lets queued and running requests finish (abandoned lanes drain to their terminal event), then closes every socket. */
  async close(): Promise<void> {
    if (this.closing || this.destroyed) return this.closedPromise();
    this.closing = true;
    const drained = this.closedPromise();
    // A review may enter the queue as it goes idle: wait until nothing is queued, running or waiting.
    for (;;) {
      await this.queue.onIdle();
      if (this.direct > 0) {
        await new Promise<void>((resolve) => this.directIdle.push(resolve));
        continue;
      }
      if (this.reviews.length === 0 && this.queue.size === 0 && this.queue.pending === 0) break;
      this.admitReviews(true);
    }
    this.shutdown(false);
    this.checkDrained();
    return drained;
  }

  private closed: Promise<void> | undefined;
  private closedPromise(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.drainResolve = resolve;
    });
    return this.closed;
  }

  /** Drops every socket and timer at once; pending callers are failed by the client. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.queue.clear();
    this.queue.pause();
    this.warmContexts.clear();
    for (const ticket of this.waiting) ticket.queued?.abort('destroyed');
    this.waiting.clear();
    this.reviews.length = 0;
    this.shutdown(true);
    this.markReady();
    this.closedPromise();
    this.checkDrained();
  }

  private shutdown(hard: boolean): void {
    this.wsWanted = false;
    this.warmContexts.clear();
    for (const slot of this.slots) {
      this.clearSlotTimer(slot);
      slot.next?.terminate();
    }
    if (this.wsRetryTimer !== undefined) clearTimeout(this.wsRetryTimer);
    this.wsRetryTimer = undefined;
    for (const t of this.rotateTimers.values()) clearTimeout(t);
    this.rotateTimers.clear();
    for (const conn of [...this.conns]) {
      if (hard) conn.terminate();
      else conn.close();
    }
    const waiters = this.laneWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  private checkDrained(): void {
    if ((this.closing && this.queue.size === 0 && this.queue.pending === 0 && this.direct === 0 && !this.wsWanted) || this.destroyed) {
      if (this.conns.size === 0) {
        this.drainResolve?.();
        this.drainResolve = undefined;
      }
    }
  }
}
