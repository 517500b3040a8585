// Shared simulator state: timing knobs, the fault and reply queues, recorded traffic, auth,
// and the timer registry that close() clears. Both transports (WebSocket and HTTP) read from here.

import type { IncomingHttpHeaders } from 'node:http';
import type { RecordedCreate, SimFault, SimLatency, SimModel, SimOptions, SimReply, SimResponder, SimReviewer, SimStats } from './api.js';
import { DEFAULT_HANDSHAKE_ROUND_TRIPS, type LatencyKnobs } from './latency.js';

export type ResponseFault = Exclude<SimFault, { kind: 'upgrade-status' } | { kind: 'connection-limit' } | { kind: 'silence' }>;
export type UpgradeFault = Extract<SimFault, { kind: 'upgrade-status' }>;

export interface Knobs extends LatencyKnobs {
  tokensPerSecond: number;
  firstTokenMs: number;
  handshakeDelayMs: number;
  connectionLifetimeMs: number;
  reasoning: boolean;
  obfuscation: boolean;
}

/** Timers owned by the simulator; close() clears every one still pending. */
export class TimerSet {
  private readonly pending = new Set<NodeJS.Timeout>();

  constructor(private readonly onArm: () => void = () => undefined) {}

  after(ms: number, fn: () => void): NodeJS.Timeout {
    this.onArm();
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, Math.max(0, ms));
    this.pending.add(handle);
    return handle;
  }

  cancel(handle: NodeJS.Timeout | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.pending.delete(handle);
  }

  cancelAll(): void {
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }
}

export type AuthResult = { ok: true } | { ok: false; message: string; code: string | null };

export class SimCore {
  readonly knobs: Knobs;
  readonly stats: SimStats = {
    upgrades: 0,
    upgradesAccepted: 0,
    httpRequests: 0,
    openConnections: 0,
    inFlight: 0,
    creates: [],
    timersStarted: 0,
  };
  readonly timers = new TimerSet(() => {
    this.stats.timersStarted++;
  });
  readonly apiKeys: ReadonlySet<string> | undefined;
  responder: SimResponder | undefined;
  reviewer: SimReviewer | undefined;
  /** Per-model knobs by model name (SimOptions.models). */
  private readonly models = new Map<string, SimModel>();
  private readonly replies: SimReply[] = [];
  private readonly responseFaults: ResponseFault[] = [];
  private readonly upgradeFaults: UpgradeFault[] = [];
  private readonly waiters: { ready: () => boolean; resolve: () => void }[] = [];
  private readonly logSink: ((line: string) => void) | undefined;

  constructor(options: SimOptions) {
    this.knobs = {
      tokensPerSecond: nonNegative(options.tokensPerSecond, 1000, 'tokensPerSecond'),
      firstTokenMs: nonNegative(options.firstTokenMs, 0, 'firstTokenMs'),
      handshakeDelayMs: nonNegative(options.handshakeDelayMs, 0, 'handshakeDelayMs'),
      connectionLifetimeMs: nonNegative(options.connectionLifetimeMs, 3_600_000, 'connectionLifetimeMs'),
      reasoning: options.reasoning ?? false,
      obfuscation: options.obfuscation ?? false,
      rttMs: 0,
      handshakeRoundTrips: DEFAULT_HANDSHAKE_ROUND_TRIPS,
      ttftBaseMs: 0,
      ttftPerUncachedTokenMs: 0,
      ttftPerCachedTokenMs: 0,
    };
    if (options.latency !== undefined) this.setLatency(options.latency);
    this.apiKeys = options.apiKeys && options.apiKeys.length > 0 ? new Set(options.apiKeys) : undefined;
    this.responder = options.responder;
    this.reviewer = options.reviewer;
    if (options.models !== undefined) this.setModels(options.models);
    this.logSink = options.log;
  }

  /** Sets the knobs of each named model (validated), replacing what that model had. */
  setModels(models: Record<string, SimModel>): void {
    for (const [name, m] of Object.entries(models)) {
      if (m.refuse !== undefined && m.refuse !== 'not-found' && m.refuse !== 'no-access') {
        throw new RangeError(`spark-sim: models.${name}.refuse must be 'not-found' or 'no-access', got ${JSON.stringify(m.refuse)}`);
      }
      const knobs: SimModel = { ...m };
      if (m.tokensPerSecond !== undefined) knobs.tokensPerSecond = nonNegative(m.tokensPerSecond, 0, `models.${name}.tokensPerSecond`);
      if (m.firstTokenMs !== undefined) knobs.firstTokenMs = nonNegative(m.firstTokenMs, 0, `models.${name}.firstTokenMs`);
      this.models.set(name, knobs);
    }
  }

  modelKnobs(model: string): SimModel | undefined {
    return this.models.get(model);
  }

  /** Applies the given latency parameters (validated; absent ones keep their value). */
  setLatency(latency: SimLatency): void {
    const k = this.knobs;
    if (latency.rttMs !== undefined) k.rttMs = nonNegative(latency.rttMs, 0, 'latency.rttMs');
    if (latency.handshakeRoundTrips !== undefined) k.handshakeRoundTrips = nonNegative(latency.handshakeRoundTrips, DEFAULT_HANDSHAKE_ROUND_TRIPS, 'latency.handshakeRoundTrips');
    if (latency.ttftBaseMs !== undefined) k.ttftBaseMs = nonNegative(latency.ttftBaseMs, 0, 'latency.ttftBaseMs');
    if (latency.ttftPerUncachedTokenMs !== undefined) k.ttftPerUncachedTokenMs = nonNegative(latency.ttftPerUncachedTokenMs, 0, 'latency.ttftPerUncachedTokenMs');
    if (latency.ttftPerCachedTokenMs !== undefined) k.ttftPerCachedTokenMs = nonNegative(latency.ttftPerCachedTokenMs, 0, 'latency.ttftPerCachedTokenMs');
  }

  log(line: string): void {
    this.logSink?.(`[spark-sim] ${line}`);
  }

  // ---- replies -------------------------------------------------------------------------------

  enqueue(replies: SimReply[]): void {
    this.replies.push(...replies);
  }

  /** The next queued reply, if any. */
  takeQueuedReply(): SimReply | undefined {
    return this.replies.shift();
  }

  // ---- faults --------------------------------------------------------------------------------

  armFault(fault: ResponseFault | UpgradeFault): void {
    if (fault.kind === 'upgrade-status') {
      this.upgradeFaults.push({ ...fault, times: fault.times ?? 1 });
    } else {
      this.responseFaults.push(fault);
    }
  }

  /** Consume one use of the oldest armed upgrade fault. */
  takeUpgradeFault(): UpgradeFault | undefined {
    const head = this.upgradeFaults[0];
    if (!head) return undefined;
    const left = (head.times ?? 1) - 1;
    if (left <= 0) this.upgradeFaults.shift();
    else head.times = left;
    return head;
  }

  /**
   * Consume the oldest armed fault for this kind of response. A `generate:false` warm-up produces no
   * output: only an `error` fault armed with `warmup: true` applies to it, and such a fault waits for a
   * warm-up; every other fault waits for the next generating response (clients warm up in the
   * background, which must not eat faults meant for completions).
   */
  takeResponseFault(forWarmup: boolean): ResponseFault | undefined {
    const i = this.responseFaults.findIndex((f) => (f.kind === 'error' && f.warmup === true) === forWarmup);
    if (i === -1) return undefined;
    return this.responseFaults.splice(i, 1)[0];
  }

  // ---- recorded traffic ----------------------------------------------------------------------

  /** Record a create and return its 1-based index. */
  recordCreate(create: RecordedCreate): number {
    this.stats.creates.push(create);
    this.wake();
    return this.stats.creates.length;
  }

  /** Count an accepted upgrade (101). */
  recordUpgradeAccepted(): void {
    this.stats.upgradesAccepted++;
    this.wake();
  }

  waitForCreates(n: number): Promise<void> {
    return this.waitUntil(() => this.stats.creates.length >= n);
  }

  waitForUpgrades(n: number): Promise<void> {
    return this.waitUntil(() => this.stats.upgradesAccepted >= n);
  }

  private waitUntil(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ready, resolve }));
  }

  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter?.ready()) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  // ---- auth ----------------------------------------------------------------------------------

  checkAuth(headers: IncomingHttpHeaders): AuthResult {
    const header = headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const token = match?.[1];
    if (!token) {
      return {
        ok: false,
        code: null,
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      };
    }
    if (this.apiKeys && !this.apiKeys.has(token)) {
      return { ok: false, code: 'invalid_api_key', message: `Incorrect API key provided: ${maskKey(token)}.` };
    }
    return { ok: true };
  }
}

/** Flatten and redact request headers for RecordedCreate. */
export function recordHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const flat = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? 'Bearer ***' : flat;
  }
  return out;
}

/** `type` for an error body, from its HTTP status (as the real API classifies them). */
export function errorTypeFor(status: number, code: string | null): string {
  if (status >= 500) return 'server_error';
  if (status === 429) return code === 'insufficient_quota' ? 'insufficient_quota' : 'requests';
  if (status === 403) return 'permission_error';
  return 'invalid_request_error';
}

function maskKey(token: string): string {
  if (token.length <= 8) return '*'.repeat(token.length);
  return `${token.slice(0, 3)}${'*'.repeat(Math.min(token.length - 7, 20))}${token.slice(-4)}`;
}

export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`spark-sim: ${name} must be a non-negative number, got ${value}`);
  return value;
}
