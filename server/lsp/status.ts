// What an editor can show about spark-lsp: health, transport, connections, the last error, where recent
// completions spent their time (p50/p90 per phase), and the background reviews. Fed by the Spark client's status
// changes, by one record per request, and by the reviewer; says `spark/status` when health, transport or the
// number of reviews running changes. Knows no connection: `notify` is given.
//
// Invariant: `notify` is called exactly when (health, transport, reviews running) differs from the last notified
// triple; the latency window holds at most WINDOW completions that went upstream and were answered.
import type { SparkStatus } from '../spark/api.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { now, PHASES, phasesOf, startTimings, type Phase, type RequestTimings } from '../spark/timings.js';

export const STATUS_NOTIFICATION = 'spark/status';

export type Health = 'ok' | 'degraded' | 'error';
export type Transport = 'websocket' | 'http' | 'none';

export interface Percentiles {
  p50: number;
  p90: number;
}

export interface LatencyReport {
  /** Completions the percentiles are over (the most recent ones that went upstream). */
  samples: number;
  /** Waiting for a free lane. */
  queueMs: Percentiles | null;
  /** The server's own work before the frame was handed to the socket (prompt, scheduling), queue wait excluded. */
  beforeSendMs: Percentiles | null;
  /** From the frame sent to the first token (network and the model). */
  firstTokenMs: Percentiles | null;
  /** From the first token to the last event the answer used. */
  streamingMs: Percentiles | null;
  /** The server's own work after the last event (parsing, the answer). */
  afterLastEventMs: Percentiles | null;
  /** The whole request, from the handler receiving it to its answer. */
  totalMs: Percentiles | null;
}

/** The background reviews (section 13 of protocol.md). */
export interface ReviewsReport {
  /** Reviews in flight that still count (a superseded or cancelled review no longer does). */
  running: number;
  /** How the last review that was not cancelled ended: the findings it showed, or why it failed. */
  last: { at: string; findings: number; error: null } | { at: string; findings: null; error: { code: string; message: string } } | null;
}

export interface StatusReport {
  health: Health;
  message: string;
  transport: Transport;
  /** WebSocket connections open now. */
  connections: number;
  model: string;
  /** The API base URL, without credentials or query. */
  endpoint: string;
  lastError: { code: string; message: string; at: string } | null;
  latency: LatencyReport;
  reviews: ReviewsReport;
}

export type RequestKind = 'completion' | 'inline' | 'edit';

/** One request as the trace and the status see it. */
export interface RequestRecord {
  kind: RequestKind;
  uri: string;
  timings: RequestTimings;
  /** `answered` (with text), `empty`, or the SPARK_ERR_* code it failed with. */
  outcome: string;
  /** The text answered (completions). */
  text?: string | undefined;
  error?: SparkError | undefined;
}

export interface StatusDeps {
  /** Sends the notification (the server holds it until `initialized`). */
  notify(report: StatusReport): void;
  model(): string;
  endpoint(): string;
  /** Open WebSocket connections of the current Spark client (0 without one). */
  connections(): number;
  /** What the configured transport is: `http` means HTTP/SSE was chosen, not fallen back to. */
  configuredTransport(): 'auto' | 'websocket' | 'http';
  reviews(): ReviewsReport;
}

/** Completions kept for the percentiles. */
const WINDOW = 200;

export class Status {
  private health: Health = 'degraded';
  private message = 'starting';
  private transport: Transport = 'none';
  private lastError: StatusReport['lastError'] = null;
  private notified: string | undefined;
  /** Why health is not ok, when a successful request ends it (rate limit, refused model). */
  private requestTrouble: 'rate-limited' | 'model-refused' | undefined;
  /** Something went wrong since the client last connected: the next connection is a recovery. */
  private troubled = false;
  /** A ring of the last WINDOW completions' phases; `next` is where the next one goes. */
  private readonly window: Record<Phase, number>[] = [];
  private next = 0;
  private readonly listeners: ((record: RequestRecord) => void)[] = [];

  constructor(private readonly deps: StatusDeps) {}

  /** Called with every request record (the trace). */
  onRecord(listener: (record: RequestRecord) => void): void {
    this.listeners.push(listener);
  }

  /** A new Spark client is connecting. */
  connecting(endpointLabel: string): void {
    this.requestTrouble = undefined;
    this.troubled = false;
    this.set('degraded', `connecting to ${endpointLabel}`, 'none');
  }

  /** There is no Spark client, and why (no key, insecure endpoint). */
  unavailable(error: SparkError): void {
    this.requestTrouble = undefined;
    this.troubled = true;
    this.noteError(error);
    this.set('error', error.message, 'none');
  }

  onSpark(status: SparkStatus, keyWhere: string): void {
    const recovered = this.troubled;
    this.troubled = status.kind !== 'ready';
    switch (status.kind) {
      case 'ready': {
        this.requestTrouble = undefined;
        const fallback = status.transport === 'http' && this.deps.configuredTransport() !== 'http';
        const how = status.transport === 'websocket' ? 'WebSocket' : 'HTTP/SSE';
        if (fallback) this.set('degraded', `${recovered ? 'recovered; ' : ''}connected over HTTP/SSE (WebSockets unavailable)`, 'http');
        else this.set('ok', `${recovered ? 'recovered; ' : ''}connected over ${how}`, status.transport);
        break;
      }
      case 'fallback-http':
        this.set('degraded', `fell back to HTTP/SSE: ${status.message}`, 'http');
        break;
      case 'unreachable':
        this.noteError(new SparkError(SparkErrorCode.Connection, status.message));
        this.set('error', `the endpoint is unreachable (${status.message}); retrying in the background`, 'none');
        break;
      case 'auth-failed':
        this.noteError(new SparkError(SparkErrorCode.Auth, status.message));
        this.set('error', `the API key was refused (${status.message}); check ${keyWhere}. The next request after a short pause tries again`, 'none');
        break;
    }
  }

  /**
   * Runs one request with a fresh timings record and records how it ended: `answered` when `run` resolves
   * to a value, `empty` when to undefined, the error's code when it throws (the error is rethrown).
   */
  async track<T>(kind: RequestKind, uri: string, run: (timings: RequestTimings) => Promise<T>, textOf?: (result: T) => string | undefined): Promise<T> {
    const timings = startTimings();
    let result: T;
    try {
      result = await run(timings);
    } catch (e) {
      timings.answered = now();
      const error = e instanceof SparkError ? e : undefined;
      this.record({ kind, uri, timings, outcome: error?.code ?? 'internal-error', error });
      throw e;
    }
    timings.answered = now();
    this.record({ kind, uri, timings, outcome: result === undefined ? 'empty' : 'answered', text: textOf?.(result) });
    return result;
  }

  /** One request ended (answered, empty, or failed). */
  record(record: RequestRecord): void {
    const { error, timings } = record;
    if (error !== undefined) this.requestFailed(error);
    else if (Number.isFinite(timings.sent)) {
      if (record.kind !== 'edit') {
        const phases = phasesOf(timings);
        if (phases !== undefined) {
          this.window[this.next] = phases;
          this.next = (this.next + 1) % WINDOW;
        }
      }
      if (this.requestTrouble !== undefined) {
        this.requestTrouble = undefined;
        this.troubled = false;
        const fallback = this.transport === 'http' && this.deps.configuredTransport() !== 'http';
        this.set(fallback ? 'degraded' : 'ok', `recovered; connected over ${this.transport === 'http' ? 'HTTP/SSE' : 'WebSocket'}`, this.transport);
      }
    }
    for (const listener of this.listeners) listener(record);
  }

  report(): StatusReport {
    return {
      health: this.health,
      message: this.message,
      transport: this.transport,
      connections: this.deps.connections(),
      model: this.deps.model(),
      endpoint: this.deps.endpoint(),
      lastError: this.lastError,
      latency: this.latency(),
      reviews: this.deps.reviews(),
    };
  }

  /** The reviews changed (one started or ended): notifies when the number running did. */
  reviewsChanged(): void {
    this.set(this.health, this.message, this.transport);
  }

  private requestFailed(error: SparkError): void {
    if (error.code === SparkErrorCode.Cancelled) return;
    this.noteError(error);
    if (error.code === SparkErrorCode.RateLimited) {
      if (this.health === 'error') return;
      this.troubled = true;
      this.requestTrouble = 'rate-limited';
      const wait = error.retryAfterMs === undefined ? '' : `; requests are held for ${Math.max(1, Math.ceil(error.retryAfterMs / 1000))} s`;
      this.set('degraded', `rate limited by the service${wait}`, this.transport);
    } else if (error.code === SparkErrorCode.ModelRefused || error.upstreamCode === 'model_not_found') {
      this.requestTrouble = 'model-refused';
      this.troubled = true;
      this.set('error', `the endpoint refused the model ${JSON.stringify(this.deps.model())} for this key; check spark.model`, this.transport);
    }
  }

  private noteError(error: SparkError): void {
    this.lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
  }

  private set(health: Health, message: string, transport: Transport): void {
    this.health = health;
    this.message = message;
    this.transport = transport;
    const key = `${health}/${transport}/${this.deps.reviews().running}`;
    if (key === this.notified) return;
    this.notified = key;
    this.deps.notify(this.report());
  }

  private latency(): LatencyReport {
    const of = (phase: Phase): Percentiles | null => {
      if (this.window.length === 0) return null;
      const sorted = this.window.map((p) => p[phase]).sort((a, b) => a - b);
      return { p50: round(nearestRank(sorted, 50)), p90: round(nearestRank(sorted, 90)) };
    };
    const [queue, beforeSend, firstToken, streaming, afterLastEvent, total] = PHASES.map(of);
    return {
      samples: this.window.length,
      queueMs: queue ?? null,
      beforeSendMs: beforeSend ?? null,
      firstTokenMs: firstToken ?? null,
      streamingMs: streaming ?? null,
      afterLastEventMs: afterLastEvent ?? null,
      totalMs: total ?? null,
    };
  }
}

/** Nearest-rank percentile of an ascending, non-empty array. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

