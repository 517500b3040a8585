// Minimal raw clients for spark-sim, used as baselines: a WebSocket that stays open (the simulator's own
// time on a warm socket), a WebSocket opened per request, and an HTTP/SSE request on a fresh connection.
import http from 'node:http';
import WebSocket from 'ws';
import type { SparkSim } from '../../server/sim/api.js';
import { KEY } from '../support/lsp-harness.js';
import { now } from './support.js';

const TERMINAL = /"type":"(response\.completed|response\.incomplete|response\.failed|error)"/;
const DELTA = '"type":"response.output_text.delta"';

export function wsUrl(sim: SparkSim): string {
  return `${sim.url.replace(/^http/, 'ws')}/responses`;
}

export interface Timing {
  /** ms from the start of the request to the first text delta (NaN if none). */
  ttft: number;
  /** ms from the start to the terminal event. */
  total: number;
}

/** One WebSocket kept open; `request(frame)` sends a frame and resolves at the terminal event. */
export class WarmSocket {
  private pending: { start: number; ttft: number; resolve: (t: Timing) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const p = this.pending;
      if (!p) return;
      const text = data.toString();
      if (Number.isNaN(p.ttft) && text.includes(DELTA)) p.ttft = now() - p.start;
      if (TERMINAL.test(text)) {
        this.pending = undefined;
        p.resolve({ ttft: p.ttft, total: now() - p.start });
      }
    });
    ws.on('close', () => this.pending?.reject(new Error('socket closed')));
    ws.on('error', () => undefined);
  }

  static async open(sim: SparkSim): Promise<WarmSocket> {
    const ws = new WebSocket(wsUrl(sim), { headers: { authorization: `Bearer ${KEY}` } });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WarmSocket(ws);
  }

  request(frame: string): Promise<Timing> {
    return new Promise((resolve, reject) => {
      this.pending = { start: now(), ttft: NaN, resolve, reject };
      this.ws.send(frame);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Connects, sends one response.create, reads to the terminal event, closes. Times include the connect. */
export function freshSocketRequest(sim: SparkSim, frame: string): Promise<Timing> {
  const start = now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(sim), { headers: { authorization: `Bearer ${KEY}` } });
    let ttft = NaN;
    ws.on('error', reject);
    ws.once('open', () => ws.send(frame));
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      if (Number.isNaN(ttft) && text.includes(DELTA)) ttft = now() - start;
      if (TERMINAL.test(text)) {
        const total = now() - start;
        ws.close();
        resolve({ ttft, total });
      }
    });
  });
}

/** POST /v1/responses with `stream: true` on a connection of its own (`agent: false`, `Connection: close`). */
export function freshHttpRequest(sim: SparkSim, body: string): Promise<Timing> {
  const start = now();
  const url = new URL(`${sim.url}/responses`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${KEY}`,
          'content-type': 'application/json',
          accept: 'text/event-stream',
          connection: 'close',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let ttft = NaN;
        let done = false;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (Number.isNaN(ttft) && buffer.includes('response.output_text.delta')) ttft = now() - start;
          if (!done && TERMINAL.test(buffer)) {
            done = true;
            resolve({ ttft, total: now() - start });
          }
          if (buffer.length > 4096) buffer = buffer.slice(-512);
        });
        res.on('end', () => {
          if (!done) reject(new Error(`HTTP ${res.statusCode}: stream ended without a terminal event`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
