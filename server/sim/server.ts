// The node `http` server and its wiring: routing, the `GET /v1/responses` upgrade (auth, handshake
// delay, upgrade-status faults, 101 via `ws` in noServer mode), connection bookkeeping, and shutdown.
// Applies the latency model's handshake costs (latency.ts): round trips before a 101, and TCP + TLS
// before the first HTTP request of a fresh socket.

import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { recordHeaders, type SimCore } from './core.js';
import { httpErrorBody, type ErrorSpec } from './events.js';
import { handleResponsesPost, sendHttpError } from './http.js';
import { SimConnection } from './lanes.js';
import { httpRequestDelayMs, upgradeDelayMs } from './latency.js';

const RESPONSES_PATH = '/v1/responses';

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export class SimServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SimConnection>();
  private readonly sockets = new Set<Socket | Duplex>();
  /** Sockets that already carried an HTTP request (kept alive: no handshake cost for the next one). */
  private readonly usedSockets = new WeakSet<object>();
  private connectionCount = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly core: SimCore) {
    // Pongs are answered by SimConnection, so that a `silence` fault can withhold them.
    this.wss = new WebSocketServer({ noServer: true, handleProtocols: () => false, autoPong: false });
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on('connection', (socket: Socket) => this.track(socket));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_error, socket) => socket.destroy());
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const address = this.http.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private track(socket: Socket | Duplex): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    if (path !== RESPONSES_PATH) {
      req.resume();
      sendHttpError(res, {
        status: 404,
        code: 'not_found',
        message: `spark-sim serves only ${RESPONSES_PATH}; got ${req.method ?? '?'} ${path}.`,
      });
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      sendHttpError(res, {
        status: 405,
        code: 'method_not_allowed',
        message: `Use POST ${RESPONSES_PATH}, or GET with Upgrade: websocket.`,
      });
      return;
    }
    const fresh = !this.usedSockets.has(req.socket);
    this.usedSockets.add(req.socket);
    const delay = httpRequestDelayMs(this.core.knobs, fresh);
    if (delay > 0) {
      this.core.timers.after(delay, () => {
        if (!req.socket.destroyed && !this.closing) this.handlePost(req, res);
      });
    } else {
      this.handlePost(req, res);
    }
  }

  private handlePost(req: IncomingMessage, res: ServerResponse): void {
    handleResponsesPost(this.core, req, res).catch((error: unknown) => {
      this.core.log(`http handler failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendHttpError(res, { status: 500, code: 'server_error', message: 'spark-sim internal error.' });
      else res.destroy();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.track(socket);
    socket.on('error', () => socket.destroy());
    if (this.closing) {
      socket.destroy();
      return;
    }
    const path = pathOf(req);
    if (path !== RESPONSES_PATH || (req.method ?? 'GET') !== 'GET') {
      this.reject(socket, { status: 404, code: 'not_found', message: `No WebSocket endpoint at ${path}.` });
      return;
    }
    this.core.stats.upgrades++;
    const delay = this.core.knobs.handshakeDelayMs + upgradeDelayMs(this.core.knobs);
    if (delay > 0) {
      const timer = this.core.timers.after(delay, () => {
        socket.off('close', onGone);
        this.finishUpgrade(req, socket, head);
      });
      const onGone = (): void => this.core.timers.cancel(timer);
      socket.once('close', onGone);
    } else {
      this.finishUpgrade(req, socket, head);
    }
  }

  private finishUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (socket.destroyed || this.closing) return;
    const auth = this.core.checkAuth(req.headers);
    if (!auth.ok) {
      this.reject(socket, { status: 401, code: auth.code, message: auth.message, type: 'invalid_request_error' });
      return;
    }
    const fault = this.core.takeUpgradeFault();
    if (fault) {
      this.core.log(`fault: upgrade answered with ${fault.status}`);
      this.reject(socket, {
        status: fault.status,
        code: fault.status === 426 ? 'upgrade_required' : fault.status === 429 ? 'rate_limit_exceeded' : 'upgrade_rejected',
        message:
          fault.status === 426
            ? 'WebSocket mode is not available; use HTTP POST /v1/responses.'
            : `spark-sim rejected the upgrade with ${fault.status}.`,
        ...(fault.retryAfterSeconds !== undefined ? { retryAfterSeconds: fault.retryAfterSeconds } : {}),
      });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.closing) {
        ws.terminate();
        return;
      }
      this.core.stats.openConnections++;
      this.core.recordUpgradeAccepted();
      const index = ++this.connectionCount;
      this.core.log(`connection #${index} open`);
      const connection = new SimConnection(this.core, ws, index, recordHeaders(req.headers), (closed) => {
        if (this.connections.delete(closed)) this.core.stats.openConnections--;
      });
      this.connections.add(connection);
    });
  }

  /** Answer an upgrade request with a plain HTTP status and a JSON error body, then close. */
  private reject(socket: Duplex, spec: ErrorSpec): void {
    const payload = JSON.stringify(httpErrorBody(spec));
    const lines = [
      `HTTP/1.1 ${spec.status} ${STATUS_CODES[spec.status] ?? 'Error'}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(payload)}`,
      'Connection: close',
    ];
    if (spec.retryAfterSeconds !== undefined) lines.push(`Retry-After: ${spec.retryAfterSeconds}`);
    if (spec.status === 426) lines.push('Upgrade: websocket');
    socket.end(`${lines.join('\r\n')}\r\n\r\n${payload}`);
    socket.once('finish', () => socket.destroy());
  }

  /** Every open connection goes silent (see the `silence` fault). */
  silenceNow(): void {
    for (const connection of this.connections) connection.silence();
  }

  /** Every open connection gets `websocket_connection_limit_reached` and is closed. */
  connectionLimitNow(): void {
    for (const connection of [...this.connections]) connection.hitConnectionLimit();
  }

  /** Re-arm lifetime timers after connectionLifetimeMs changed. */
  rescheduleLifetimes(): void {
    for (const connection of this.connections) connection.scheduleLifetime();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      for (const connection of [...this.connections]) connection.terminate();
      for (const client of this.wss.clients) client.terminate();
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
      this.http.closeAllConnections();
      this.wss.close();
      this.core.timers.cancelAll();
    });
    return this.closing;
  }
}
