// Warm contexts: which key (a document) owns which context lane of which connection, the id of its
// `generate:false` warm-up that later requests fork from, LRU eviction, and the pacing of warm-ups.
// Knows nothing of LSP; the client builds the frames, the pool asks here before picking a lane.
//
// Invariants (times: a logical LRU clock, not ms):
// - A key holds at most one context lane on one connection; a context lane belongs to at most one key.
//   Nothing but warm-ups is ever sent on a context lane, so the key's latest warm-up stays that lane's
//   latest response in the service's connection-local cache, and work lanes may fork from it.
// - A key is ready (chainable) only when the latest warm-up sent for it completed and no newer one was
//   asked for since: a re-warm makes it not ready at once (its old context is stale, and the new warm-up
//   will replace the old one as the lane's latest).
// - Fork caveat (spec 2.3): a warm-up is not sent on a lane while a fork from that lane was sent but has
//   not been seen to start (`unstartedForks` > 0); otherwise the parent could be replaced before the
//   service resolved the fork's previous_response_id.
// - At most `maxInFlight` warm-ups per connection are outstanding, so that with the work lanes they stay
//   within the service's 16 responses in flight and never delay a completion; further ones wait here.
//   Only the newest unsent warm-up of a lane is kept (older ones resolve false: superseded).
// - Every warm() promise resolves exactly once (never rejects); its deadline timer is cleared then.
// - States of a connection that stopped accepting work or closed are dropped (the cache died with it).

import type { WarmRequest } from './api.js';
import type { SparkError } from './errors.js';
import type { SparkConnection } from './connection.js';

interface ContextLane {
  readonly name: string;
  key: string | undefined;
  /** Forks from this lane's latest response sent and not yet started (see the fork caveat). */
  unstartedForks: number;
  /** The newest warm-up asked for on this lane and not sent yet. */
  pending: PendingWarm | undefined;
}

interface ConnWarm {
  readonly conn: SparkConnection;
  readonly lanes: ContextLane[];
}

interface PendingWarm {
  state: WarmState;
  gen: number;
  frame: string;
  deadline: number;
  settle: (ok: boolean) => void;
}

interface WarmState {
  readonly key: string;
  readonly cw: ConnWarm;
  readonly lane: ContextLane;
  /** Generation of the latest warm() for this key. */
  gen: number;
  /** Id of the completed latest warm-up; undefined while none is ready. */
  responseId: string | undefined;
  lastUsed: number;
}

/** What the pool needs to chain a request: the connection, and the id to fork from. */
export interface Chain {
  conn: SparkConnection;
  previousResponseId: string;
  /** Call once when the fork was sent; call the returned function once when it started or ended. */
  forkSent(): () => void;
}

export interface WarmOptions {
  /** Builds the warm-up frame for a lane. */
  frame(req: WarmRequest, streamId: string): string;
  /** Warm-ups outstanding per connection. */
  maxInFlight: number;
  log: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export class WarmContexts {
  private readonly byConn = new Map<SparkConnection, ConnWarm>();
  private readonly states = new Map<string, WarmState>();
  private clock = 0;

  constructor(private readonly o: WarmOptions) {}

  /** Ready keys on accepting connections. */
  get readyCount(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.responseId !== undefined && s.cw.conn.accepting) n++;
    return n;
  }

  /**
   * Starts a warm-up for `req.key` on one of `conns` (accepting ones with context lanes). Resolves true
   * when this warm-up completed and is the key's latest; false otherwise.
   */
  warm(req: WarmRequest, conns: Iterable<SparkConnection>): Promise<boolean> {
    let state = this.states.get(req.key);
    if (state !== undefined && !state.cw.conn.accepting) {
      this.drop(state);
      state = undefined;
    }
    if (state === undefined) {
      const place = this.place(conns);
      if (place === undefined) return Promise.resolve(false);
      state = { key: req.key, cw: place.cw, lane: place.lane, gen: 0, responseId: undefined, lastUsed: 0 };
      place.lane.key = req.key;
      this.states.set(req.key, state);
    }
    const s = state;
    s.gen++;
    s.responseId = undefined;
    s.lastUsed = ++this.clock;
    return new Promise<boolean>((resolve) => {
      let done = false;
      const timer = setTimeout(() => settle(false), Math.max(0, req.deadline - Date.now()));
      timer.unref();
      const settle = (ok: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(ok);
      };
      s.lane.pending?.settle(false);
      s.lane.pending = { state: s, gen: s.gen, frame: this.o.frame(req, s.lane.name), deadline: req.deadline, settle };
      this.pump(s.cw);
    });
  }

  /** The warm state to chain from for `key`, if ready on an accepting connection with a free work lane. */
  chainFor(key: string, avoid: SparkConnection | undefined): Chain | undefined {
    const s = this.states.get(key);
    if (s === undefined || s.responseId === undefined) return undefined;
    const conn = s.cw.conn;
    if (!conn.accepting || conn.freeLanes === 0 || conn === avoid) return undefined;
    s.lastUsed = ++this.clock;
    const lane = s.lane;
    return {
      conn,
      previousResponseId: s.responseId,
      forkSent: () => {
        lane.unstartedForks++;
        let open = true;
        return () => {
          if (!open) return;
          open = false;
          lane.unstartedForks--;
          if (lane.unstartedForks === 0 && lane.pending !== undefined) this.pump(s.cw);
        };
      },
    };
  }

  /** The service lost `responseId` (previous_response_not_found): the key is no longer chainable. */
  invalidate(key: string, responseId: string): void {
    const s = this.states.get(key);
    if (s !== undefined && s.responseId === responseId) s.responseId = undefined;
  }

  forget(key: string): void {
    const s = this.states.get(key);
    if (s !== undefined) this.drop(s);
  }

  /** The connection closed or stopped taking work: its warm states are gone. */
  dropConnection(conn: SparkConnection): void {
    const cw = this.byConn.get(conn);
    if (cw === undefined) return;
    this.byConn.delete(conn);
    for (const lane of cw.lanes) {
      const s = lane.key === undefined ? undefined : this.states.get(lane.key);
      if (s !== undefined) this.drop(s);
    }
  }

  /** Fails every pending warm-up and forgets every state (client closing). */
  clear(): void {
    for (const s of [...this.states.values()]) this.drop(s);
    this.byConn.clear();
  }

  private drop(s: WarmState): void {
    if (this.states.get(s.key) === s) this.states.delete(s.key);
    if (s.lane.key === s.key) s.lane.key = undefined;
    if (s.lane.pending?.state === s) {
      s.lane.pending.settle(false);
      s.lane.pending = undefined;
    }
    s.responseId = undefined;
  }

  private connWarm(conn: SparkConnection): ConnWarm {
    let cw = this.byConn.get(conn);
    if (cw === undefined) {
      cw = { conn, lanes: conn.contextLaneNames.map((name) => ({ name, key: undefined, unstartedForks: 0, pending: undefined })) };
      this.byConn.set(conn, cw);
    }
    return cw;
  }

  /**
   * A free context lane on the accepting connection holding the fewest keys (ties: fewest busy work
   * lanes); when every context lane is taken, the lane of the least recently used key is reclaimed.
   */
  private place(conns: Iterable<SparkConnection>): { cw: ConnWarm; lane: ContextLane } | undefined {
    let best: { cw: ConnWarm; lane: ContextLane; score: number } | undefined;
    const candidates: ConnWarm[] = [];
    for (const conn of conns) {
      if (!conn.accepting || conn.contextLaneNames.length === 0) continue;
      const cw = this.connWarm(conn);
      candidates.push(cw);
      const free = cw.lanes.find((l) => l.key === undefined);
      if (free === undefined) continue;
      const held = cw.lanes.length - cw.lanes.filter((l) => l.key === undefined).length;
      const score = held * 1000 + conn.busyLanes;
      if (best === undefined || score < best.score) best = { cw, lane: free, score };
    }
    if (best !== undefined) return best;
    let lru: WarmState | undefined;
    for (const cw of candidates) {
      for (const lane of cw.lanes) {
        const s = lane.key === undefined ? undefined : this.states.get(lane.key);
        if (s !== undefined && (lru === undefined || s.lastUsed < lru.lastUsed)) lru = s;
      }
    }
    if (lru === undefined) return undefined;
    this.o.log('debug', `spark warm: evicting the warm context of ${lru.key} (least recently used) from ${lru.lane.name}`);
    const { cw, lane } = lru;
    this.drop(lru);
    return { cw, lane };
  }

  /** Sends the pending warm-ups of a connection that may go now (see the invariants). */
  private pump(cw: ConnWarm): void {
    for (const lane of cw.lanes) {
      if (cw.conn.warmupsInFlight >= this.o.maxInFlight) return;
      const p = lane.pending;
      if (p === undefined || lane.unstartedForks > 0) continue;
      lane.pending = undefined;
      if (Date.now() >= p.deadline) {
        p.settle(false);
        continue;
      }
      const s = p.state;
      const sent = cw.conn.sendWarmup(
        lane.name,
        p.frame,
        {
          onDone: (responseId) => {
            const latest = this.states.get(s.key) === s && s.gen === p.gen;
            if (latest) s.responseId = responseId;
            p.settle(latest);
            this.pump(cw);
          },
          onError: (error: SparkError) => {
            this.o.log('debug', `spark warm: warm-up of ${s.key} failed: ${error.message}`);
            p.settle(false);
            this.pump(cw);
          },
        },
        p.deadline,
      );
      if (!sent) p.settle(false);
    }
  }
}
