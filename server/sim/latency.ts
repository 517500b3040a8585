// spark-sim's latency model: a SIMULATION of network and model delays, so that transports, warm
// connections and cached prefixes can be compared by measurement. Not a claim about real service timing.
//
// Parameters (SimOptions.latency, configure({latency}), CLI flags; all in ms, all default 0 except
// handshakeRoundTrips = 3, which only matters when rttMs > 0):
//   rttMs                      network round trip. Each client->server message (WebSocket frame, HTTP
//                              request) is handled rttMs/2 after it arrived, and each server->client
//                              message (event frame, SSE chunk, response head, close) is sent rttMs/2
//                              after the simulator produced it. One FIFO delay line per direction per
//                              connection: order is never changed; due messages are flushed together
//                              on one timer (no timer per delta).
//   handshakeRoundTrips        round trips a new connection costs before its first request: a WebSocket
//                              upgrade waits handshakeRoundTrips x rttMs before the 101 (TCP + TLS +
//                              upgrade); the first HTTP request on a fresh TCP socket waits
//                              (handshakeRoundTrips - 1) x rttMs extra (TCP + TLS); later requests on a
//                              kept-alive socket wait none extra.
//   ttftBaseMs, ttftPerUncachedTokenMs, ttftPerCachedTokenMs
//                              prefill: after response.created/in_progress, the first output waits
//                              ttftBaseMs + uncached x ttftPerUncachedTokenMs + cached x ttftPerCachedTokenMs,
//                              where cached = usage.input_tokens_details.cached_tokens (the chained
//                              prefix) and uncached = input_tokens - cached. A generate:false warm-up pays
//                              its prefill before response.completed. Generation then runs at tokensPerSecond.
// With every parameter 0 nothing is delayed and no timer is created: behaviour is exactly as without the model.
//
// Invariant (DelayLine): items run in push order; due times never decrease; at most one timer is
// pending per line; with a zero delay and nothing queued, push() runs the item synchronously.

import type { TimerSet } from './core.js';

export interface LatencyKnobs {
  rttMs: number;
  handshakeRoundTrips: number;
  ttftBaseMs: number;
  ttftPerUncachedTokenMs: number;
  ttftPerCachedTokenMs: number;
}

export const DEFAULT_HANDSHAKE_ROUND_TRIPS = 3;

/** Time before a WebSocket upgrade is answered (ms). */
export function upgradeDelayMs(k: LatencyKnobs): number {
  return k.rttMs > 0 ? k.handshakeRoundTrips * k.rttMs : 0;
}

/** Time before an HTTP request is handled: half a round trip, plus TCP + TLS on a fresh socket (ms). */
export function httpRequestDelayMs(k: LatencyKnobs, freshSocket: boolean): number {
  if (k.rttMs <= 0) return 0;
  return k.rttMs / 2 + (freshSocket ? Math.max(0, k.handshakeRoundTrips - 1) * k.rttMs : 0);
}

/** Prefill time of a response (ms). */
export function prefillMs(k: LatencyKnobs, inputTokens: number, cachedTokens: number): number {
  const cached = Math.max(0, Math.min(cachedTokens, inputTokens));
  return k.ttftBaseMs + (inputTokens - cached) * k.ttftPerUncachedTokenMs + cached * k.ttftPerCachedTokenMs;
}

interface Item {
  due: number;
  run: () => void;
}

/** One direction of one connection: runs pushed items `delayMs()` later, in order. */
export class DelayLine {
  private items: Item[] = [];
  private head = 0;
  private lastDue = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timers: TimerSet,
    private readonly delayMs: () => number,
  ) {}

  push(run: () => void): void {
    const delay = this.delayMs();
    if (delay <= 0 && this.head === this.items.length) {
      run();
      return;
    }
    // Never earlier than an item already queued (the delay may have changed): order is kept.
    const due = Math.max(Date.now() + Math.max(0, delay), this.lastDue);
    this.lastDue = due;
    this.items.push({ due, run });
    if (this.timer === undefined) this.arm();
  }

  /** Drops everything queued (the connection is gone). */
  clear(): void {
    this.timers.cancel(this.timer);
    this.timer = undefined;
    this.items = [];
    this.head = 0;
  }

  private arm(): void {
    const next = this.items[this.head];
    if (next === undefined) return;
    this.timer = this.timers.after(Math.max(1, Math.ceil(next.due - Date.now())), () => this.flush());
  }

  private flush(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      if (item === undefined || item.due > now) break;
      this.head++;
      item.run();
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.timer === undefined) {
      this.arm();
    }
  }
}
