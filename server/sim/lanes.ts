// One accepted WebSocket connection: client frame parsing, stream_id lanes (FIFO per lane,
// concurrent across lanes, 16 in flight, 32 named lanes), the connection-local response cache,
// steer replies, and the connection lifetime limit. Frames in both directions pass through the
// latency model's delay lines (latency.ts): rttMs/2 each way, order kept, synchronous when rttMs is 0.

import { performance } from 'node:perf_hooks';
import type { RawData, WebSocket } from 'ws';
import type { SimCore } from './core.js';
import {
  CONNECTION_LIMIT_MESSAGE,
  DEFAULT_MODEL,
  countTokens,
  injectedError,
  newId,
  previousNotFound,
  wsErrorEvent,
  type ErrorSpec,
  type Json,
} from './events.js';
import { makeRequest, resolveReply } from './replies.js';
import { callIdsOf, checkCreate } from './checks.js';
import { ResponseRun, type RunResult, type RunSink } from './run.js';
import { DelayLine } from './latency.js';

export const STREAM_ID_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;
export const MAX_IN_FLIGHT = 16;
export const MAX_NAMED_LANES = 32;

/** Cache/lane key of the default lane ('' is never a valid stream_id). */
const DEFAULT_LANE = '';

interface PendingCreate {
  body: Json;
  streamId: string | undefined;
  index: number;
}

interface CachedResponse {
  id: string;
  totalTokens: number;
  /** Tool calls made in this response's conversation (its lineage), which later outputs may answer. */
  callIds: ReadonlySet<string>;
}

const NO_CALLS: ReadonlySet<string> = new Set();

interface ActiveRun {
  run: ResponseRun;
  streamId: string | undefined;
  model: unknown;
}

export class SimConnection {
  private readonly pending: PendingCreate[] = [];
  private readonly busyLanes = new Set<string>();
  private readonly namedLanes = new Set<string>();
  private readonly cache = new Map<string, CachedResponse>();
  private readonly active = new Map<string, ActiveRun>();
  private running = 0;
  private pumping = false;
  private pumpAgain = false;
  private closed = false;
  /** A half-open path: nothing is answered or sent any more, and the socket stays open. */
  private silent = false;
  private lifetimeTimer: NodeJS.Timeout | undefined;
  private readonly openedAt = Date.now();
  /** Client->server frames, handled rttMs/2 after arrival; server->client frames and closes, sent rttMs/2 late. */
  private readonly inbound: DelayLine;
  private readonly outbound: DelayLine;

  constructor(
    private readonly core: SimCore,
    private readonly ws: WebSocket,
    readonly index: number,
    private readonly headers: Record<string, string>,
    private readonly onClosed: (connection: SimConnection) => void,
  ) {
    const halfRtt = (): number => this.core.knobs.rttMs / 2;
    this.inbound = new DelayLine(core.timers, halfRtt);
    this.outbound = new DelayLine(core.timers, halfRtt);
    ws.on('message', (data, isBinary) => {
      const at = performance.now();
      if (!this.silent) this.inbound.push(() => this.onMessage(data, isBinary, at));
    });
    ws.on('ping', (data) => {
      if (!this.silent) this.outbound.push(() => this.ws.readyState === this.ws.OPEN && this.ws.pong(data));
    });
    ws.on('close', (code) => {
      this.core.log(`connection #${index} closed (${code})`);
      this.inbound.clear();
      this.outbound.clear();
      this.teardown();
    });
    ws.on('error', (error) => this.core.log(`connection #${index} socket error: ${error.message}`));
    this.scheduleLifetime();
  }

  /** (Re)arm the lifetime timer from the connection's opening time and the current knob. */
  scheduleLifetime(): void {
    if (this.closed) return;
    this.core.timers.cancel(this.lifetimeTimer);
    const remaining = this.openedAt + this.core.knobs.connectionLifetimeMs - Date.now();
    this.lifetimeTimer = this.core.timers.after(remaining, () => this.hitConnectionLimit());
  }

  /** Stop answering anything (frames, pings) and stop sending, without closing: a dead network path. */
  silence(): void {
    this.core.log(`connection #${this.index}: silent`);
    this.silent = true;
    this.outbound.clear();
  }

  /** Send `websocket_connection_limit_reached` and close with 1000, idle or mid-response. */
  hitConnectionLimit(): void {
    if (this.closed) return;
    this.core.log(`connection #${this.index}: connection limit reached`);
    this.sendJson(
      wsErrorEvent({
        status: 400,
        type: 'invalid_request_error',
        code: 'websocket_connection_limit_reached',
        message: CONNECTION_LIMIT_MESSAGE,
        param: null,
      }),
    );
    this.teardown();
    // The close follows the error event down the same (delayed) line.
    this.outbound.push(() => this.ws.close(1000, 'Connection lifetime exceeded'));
  }

  /** Drop without a close frame (used by SparkSim.close()). */
  terminate(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.teardown();
    this.ws.terminate();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.core.timers.cancel(this.lifetimeTimer);
    this.lifetimeTimer = undefined;
    for (const { run } of this.active.values()) run.cancel();
    this.active.clear();
    this.pending.length = 0;
    this.busyLanes.clear();
    this.cache.clear();
    this.running = 0;
    this.onClosed(this);
  }

  // ---- frames ---------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean, receivedAt: number): void {
    if (this.closed) return;
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.sendError(undefined, {
        status: 400,
        code: 'invalid_json',
        message: 'Binary frames are not supported. Send each event as a JSON text frame.',
      });
      return;
    }
    const text = buffer.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.sendError(undefined, { status: 400, code: 'invalid_json', message: 'Invalid JSON in WebSocket frame.' });
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.sendError(undefined, { status: 400, code: 'invalid_json', message: 'Expected a JSON object event.' });
      return;
    }
    const event = parsed as Json;
    const type = event['type'];
    if (type === 'response.create') {
      this.onCreate(event, buffer.byteLength, receivedAt);
    } else if (type === 'response.steer') {
      this.onSteer(event);
    } else {
      this.sendError(undefined, {
        status: 400,
        code: 'unknown_event_type',
        message: `Unknown event type: ${JSON.stringify(type ?? null)}. Supported: 'response.create', 'response.steer'.`,
        param: 'type',
      });
    }
  }

  private onCreate(body: Json, bytes: number, receivedAt: number): void {
    const index = this.core.recordCreate({
      transport: 'websocket',
      connection: this.index,
      body,
      bytes,
      headers: { ...this.headers },
      receivedAt,
    });
    const rawStreamId = body['stream_id'];
    let streamId: string | undefined;
    if (rawStreamId !== undefined && rawStreamId !== null) {
      if (typeof rawStreamId !== 'string' || !STREAM_ID_PATTERN.test(rawStreamId)) {
        this.sendError(undefined, {
          status: 400,
          type: 'invalid_request_error',
          code: 'invalid_stream_id',
          message: "Invalid 'stream_id': expected 1-256 characters from [A-Za-z0-9_.-].",
          param: 'stream_id',
        });
        return;
      }
      streamId = rawStreamId;
      if (!this.namedLanes.has(streamId)) {
        if (this.namedLanes.size >= MAX_NAMED_LANES) {
          this.sendError(streamId, {
            status: 400,
            type: 'invalid_request_error',
            code: 'websocket_stream_limit_reached',
            message: `Responses websocket stream limit reached (${MAX_NAMED_LANES} stream_ids per connection). Create a new websocket connection to use more streams.`,
            param: 'stream_id',
          });
          return;
        }
        this.namedLanes.add(streamId);
      }
    }
    if (body['background'] === true) {
      this.sendError(streamId, {
        status: 400,
        type: 'invalid_request_error',
        code: 'unsupported_parameter',
        message: "Background mode ('background': true) is not supported in WebSocket mode.",
        param: 'background',
      });
      return;
    }
    this.pending.push({ body, streamId, index });
    this.pump();
  }

  private onSteer(event: Json): void {
    const previous = event['previous_response_id'];
    const target = typeof previous === 'string' ? this.active.get(previous) : undefined;
    let streamId = target?.streamId;
    if (!target && typeof previous === 'string') {
      // A finished response's lane can still be found from the cache.
      for (const [key, cached] of this.cache) if (cached.id === previous && key !== DEFAULT_LANE) streamId = key;
    }
    const model = typeof target?.model === 'string' ? target.model : DEFAULT_MODEL;
    const reply: Json = {
      type: 'response.steer.failed',
      sequence_number: 0,
      error: {
        type: 'invalid_request_error',
        code: 'steering_not_supported',
        message: `Steering is not supported for model '${model}'.`,
      },
      steer: { previous_response_id: previous ?? null, input: event['input'] ?? null },
    };
    if (streamId !== undefined) reply['stream_id'] = streamId;
    this.sendJson(reply);
  }

  // ---- lanes ----------------------------------------------------------------------------------

  /** Start queued creates in arrival order while their lane is idle and fewer than 16 run. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        let i = 0;
        while (!this.closed && i < this.pending.length && this.running < MAX_IN_FLIGHT) {
          const next = this.pending[i];
          if (!next) break;
          if (this.busyLanes.has(next.streamId ?? DEFAULT_LANE)) {
            i++;
            continue;
          }
          this.pending.splice(i, 1);
          this.startCreate(next);
        }
      } while (this.pumpAgain && !this.closed);
    } finally {
      this.pumping = false;
    }
  }

  private findCached(id: string): { lane: string; entry: CachedResponse } | undefined {
    for (const [lane, entry] of this.cache) if (entry.id === id) return { lane, entry };
    return undefined;
  }

  private startCreate(create: PendingCreate): void {
    const { body, streamId } = create;
    const lane = streamId ?? DEFAULT_LANE;
    const generate = body['generate'] !== false;
    const previous = body['previous_response_id'];
    let cachedTokens = 0;
    let sameLaneParent = false;
    let parentCalls = NO_CALLS;
    if (previous !== undefined && previous !== null) {
      if (typeof previous !== 'string') {
        this.sendError(streamId, {
          status: 400,
          type: 'invalid_request_error',
          code: 'invalid_type',
          message: "Invalid type for 'previous_response_id': expected a string.",
          param: 'previous_response_id',
        });
        return;
      }
      const found = this.findCached(previous);
      if (!found) {
        this.sendError(streamId, previousNotFound(previous));
        return;
      }
      cachedTokens = found.entry.totalTokens;
      sameLaneParent = found.lane === lane;
      parentCalls = found.entry.callIds;
    }

    const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;
    const refused = checkCreate(body, model, this.core.modelKnobs(model), parentCalls);
    if (refused !== undefined) {
      if (sameLaneParent) this.cache.delete(lane);
      this.sendError(streamId, refused);
      return;
    }

    const fault = this.core.takeResponseFault(!generate);
    if (fault?.kind === 'error') {
      if (sameLaneParent) this.cache.delete(lane);
      this.sendError(streamId, injectedError(fault));
      return;
    }

    const request = makeRequest(body, streamId, 'websocket', create.index);
    const reply = generate ? resolveReply(this.core, request) : undefined;
    const inputTokens = cachedTokens + countTokens((request.instructions ?? '') + request.inputText);
    const id = newId('resp');
    const recorded = this.core.stats.creates[create.index - 1];
    if (recorded !== undefined) recorded.responseId = id;
    const sink: RunSink = {
      send: (event) => this.sendJson(streamId === undefined ? event : { ...event, stream_id: streamId }),
      sendRaw: (text) => this.sendText(text),
      drop: (code) =>
        this.outbound.push(() => {
          if (code === 1006) this.ws.terminate();
          else this.ws.close(code, code === 1011 ? 'Internal error' : 'Closing');
        }),
    };
    const run = new ResponseRun(
      this.core,
      { id, body, reply, fault, inputTokens, cachedTokens },
      sink,
      (result) => {
        if (recorded !== undefined) recorded.finishedAt = performance.now();
        this.onRunEnd(id, lane, result, sameLaneParent, new Set([...parentCalls, ...callIdsOf(body['input'])]));
      },
    );
    this.busyLanes.add(lane);
    this.running++;
    this.active.set(id, { run, streamId, model: body['model'] });
    run.start();
  }

  private onRunEnd(id: string, lane: string, result: RunResult, sameLaneParent: boolean, calls: Set<string>): void {
    if (this.closed) return;
    this.active.delete(id);
    this.busyLanes.delete(lane);
    this.running--;
    if (result.outcome === 'failed') {
      if (sameLaneParent) this.cache.delete(lane);
    } else {
      for (const callId of callIdsOf(result.output)) calls.add(callId);
      this.cache.set(lane, { id, totalTokens: result.totalTokens, callIds: calls });
    }
    this.pump();
  }

  // ---- output ---------------------------------------------------------------------------------

  private sendError(streamId: string | undefined, spec: ErrorSpec): void {
    const event = wsErrorEvent(spec);
    if (streamId !== undefined) event['stream_id'] = streamId;
    this.sendJson(event);
  }

  private sendJson(event: Json): void {
    this.sendText(JSON.stringify(event));
  }

  private sendText(text: string): void {
    this.outbound.push(() => {
      if (this.ws.readyState === this.ws.OPEN && !this.silent) this.ws.send(text);
    });
  }
}
