// Where one request spends its time: a record of performance.now() marks (ms) filled at a few points.
// The LSP layer sets `received` and `answered`; the client sets the others. Pure bookkeeping: no I/O, no timers.
//
// Invariant: a mark is NaN until set; `started`/`sent` describe the last attempt (a retry overwrites them);
// `firstToken` <= `lastEvent` once both are set (the terminal event sets whichever is still missing).
import { performance } from 'node:perf_hooks';

export interface RequestTimings {
  /** The LSP request reached its handler. */
  received: number;
  /** The request was handed to the Spark client (prompt built). */
  submitted: number;
  /** A lane (or HTTP slot) took it: the queue wait ends. */
  started: number;
  /** The `response.create` frame (or HTTP body) was built and handed to the socket. */
  sent: number;
  /** The first text delta arrived (or the terminal event, for an answer without deltas). */
  firstToken: number;
  /** The last event the answer used arrived. */
  lastEvent: number;
  /** The handler had its answer. */
  answered: number;
}

export const now = (): number => performance.now();

export function startTimings(at: number = now()): RequestTimings {
  return { received: at, submitted: NaN, started: NaN, sent: NaN, firstToken: NaN, lastEvent: NaN, answered: NaN };
}

export function markSubmitted(t: RequestTimings | undefined): void {
  if (t !== undefined) t.submitted = now();
}

/** Builds a frame or body between the `started` and `sent` marks (a lane takes the request right before). */
export function timedFrame<T>(t: RequestTimings | undefined, build: () => T): T {
  if (t === undefined) return build();
  t.started = now();
  const built = build();
  t.sent = now();
  return built;
}

/** A text delta or the terminal event arrived. */
export function markEvent(t: RequestTimings | undefined): void {
  if (t === undefined) return;
  const at = now();
  if (Number.isNaN(t.firstToken)) t.firstToken = at;
  t.lastEvent = at;
}

export const PHASES = ['queue', 'beforeSend', 'firstToken', 'streaming', 'afterLastEvent', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The phases of a request that went upstream and was answered, in ms; undefined when a mark is missing.
 * queue: submitted -> started; beforeSend: received -> sent minus the queue wait; firstToken: sent ->
 * first token; streaming: first token -> last event; afterLastEvent: last event -> answered; total: received -> answered.
 */
export function phasesOf(t: RequestTimings): Record<Phase, number> | undefined {
  const { received, submitted, started, sent, firstToken, lastEvent, answered } = t;
  if (![received, submitted, started, sent, firstToken, lastEvent, answered].every(Number.isFinite)) return undefined;
  const queue = started - submitted;
  return {
    queue,
    beforeSend: sent - received - queue,
    firstToken: firstToken - sent,
    streaming: lastEvent - firstToken,
    afterLastEvent: answered - lastEvent,
    total: answered - received,
  };
}
