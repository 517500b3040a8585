// Test helper: a raw `ws` client for spark-sim that records every frame and lets tests wait for
// events (per lane, up to a terminal event) without sleeping.

import WebSocket from 'ws';
import type { SparkSim } from '../../server/sim/index.js';

export type Ev = Record<string, unknown> & { type: string };

export const TERMINAL_TYPES = new Set(['response.completed', 'response.incomplete', 'response.failed', 'error']);

export function wsUrl(sim: SparkSim): string {
  return `${sim.url.replace(/^http/, 'ws')}/responses`;
}

interface Waiter {
  check: () => boolean;
}

export class RawClient {
  readonly frames: string[] = [];
  readonly events: Ev[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<Waiter>();
  private readonly cursors = new Map<string, number>();
  private isClosed = false;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      this.frames.push(text);
      try {
        const parsed = JSON.parse(text) as Ev;
        this.events.push(parsed);
      } catch {
        // raw frame only (malformed fault)
      }
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.isClosed = true;
        resolve({ code, reason: reason.toString() });
        this.wake();
      });
    });
    ws.on('error', () => undefined);
  }

  static async open(sim: SparkSim, token: string | null = 'sk-test', headers: Record<string, string> = {}): Promise<RawClient> {
    const all: Record<string, string> = { ...headers };
    if (token !== null) all['authorization'] = `Bearer ${token}`;
    const ws = new WebSocket(wsUrl(sim), { headers: all });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }

  create(fields: Record<string, unknown> = {}): void {
    this.send({ type: 'response.create', model: 'gpt-5.3-codex-spark', input: 'hi', store: false, ...fields });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) if (waiter.check()) this.waiters.delete(waiter);
  }

  /** Resolve once `ready()` returns a value; rejects if the socket closes first. */
  private until<T>(ready: () => T | undefined, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const value = ready();
          if (value !== undefined) {
            resolve(value);
            return true;
          }
          if (this.isClosed) {
            reject(new Error(`socket closed while waiting for ${what}`));
            return true;
          }
          return false;
        },
      };
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  /** The first event (from index `from`) matching `pred`. */
  waitFor(pred: (event: Ev) => boolean, from = 0): Promise<Ev> {
    return this.until(() => this.events.slice(from).find(pred), 'a matching event');
  }

  /** Wait until `n` events in total match `pred`; returns them. */
  waitForCount(pred: (event: Ev) => boolean, n: number): Promise<Ev[]> {
    return this.until(() => {
      const found = this.events.filter(pred);
      return found.length >= n ? found : undefined;
    }, `${n} matching events`);
  }

  /** Wait for a raw frame matching `pred`. */
  waitForFrame(pred: (frame: string) => boolean): Promise<string> {
    return this.until(() => this.frames.find(pred), 'a matching frame');
  }

  /**
   * The events of the lane `streamId` (undefined = default lane) from the lane's cursor up to and
   * including the next terminal event (completed/incomplete/failed/error); advances the cursor.
   */
  nextResponse(streamId?: string): Promise<Ev[]> {
    const key = streamId ?? '';
    return this.until(() => {
      const start = this.cursors.get(key) ?? 0;
      for (let i = start; i < this.events.length; i++) {
        const event = this.events[i];
        if (!event || event['stream_id'] !== streamId) continue;
        if (TERMINAL_TYPES.has(event.type)) {
          this.cursors.set(key, i + 1);
          return this.events.slice(start, i + 1).filter((e) => e['stream_id'] === streamId);
        }
      }
      return undefined;
    }, `a terminal event on lane ${streamId ?? '(default)'}`);
  }

  close(): void {
    this.ws.close();
  }
}

/** The HTTP status of a refused upgrade (and its body). */
export function refusedUpgrade(
  sim: SparkSim,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(sim), { headers });
    ws.on('error', () => undefined);
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        ws.terminate();
      });
    });
  });
}
