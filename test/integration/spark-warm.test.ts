// Warm contexts end to end against spark-sim: `generate:false` warm-ups on context lanes, requests that
// fork from them on work lanes of the same connection, fallbacks to the full input, re-warm, LRU
// eviction, forget, HTTP fallback; plus the fork-caveat pacing of WarmContexts with a fake connection.
// No fixed sleeps: every wait is for an event.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SparkSim, type RecordedCreate } from '../../server/sim/index.js';
import { setupSpark } from '../support/spark-setup.js';
import { Priority, type GenerateRequest, type SparkClient, type WarmRequest } from '../../server/spark/api.js';
import { WarmContexts } from '../../server/spark/warm.js';
import type { SparkConnection, WarmupSink } from '../../server/spark/connection.js';

const INSTRUCTIONS = 'Complete the code at the cursor.';
const CONTEXT = Array.from({ length: 40 }, (_, i) => `export const value${i} = ${i} * 2;`).join('\n');

async function setup(...args: Parameters<typeof setupSpark>): Promise<{ sim: SparkSim; client: SparkClient }> {
  const { sim, client } = await setupSpark(...args);
  await client.ready();
  return { sim, client };
}

function warmReq(key: string, context = CONTEXT, extra: Partial<WarmRequest> = {}): WarmRequest {
  return { key, instructions: INSTRUCTIONS, context, promptCacheKey: `pck-${key}`, deadline: Date.now() + 5_000, ...extra };
}

function genReq(key: string, input: string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    instructions: INSTRUCTIONS,
    input,
    maxOutputTokens: 64,
    priority: Priority.Interactive,
    deadline: Date.now() + 5_000,
    affinity: key,
    warm: { key, fullInput: `${CONTEXT}\n${input}` },
    promptCacheKey: `pck-${key}`,
    ...extra,
  };
}

const textOf = (c: RecordedCreate | undefined): string => {
  const input = c?.body['input'] as { content: { text: string }[] }[] | undefined;
  return input?.[0]?.content[0]?.text ?? '';
};
const body = (c: RecordedCreate | undefined): Record<string, unknown> => c?.body ?? {};

test('a warm-up on a context lane, then a request that forks from it on a work lane of the same connection', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  assert.equal(client.stats().warmContexts, 1);
  const warmup = sim.stats.creates[0];
  assert.equal(body(warmup)['generate'], false);
  assert.match(String(body(warmup)['stream_id']), /^c\d+$/);
  assert.equal(body(warmup)['previous_response_id'], undefined, 'a fresh conversation on the context lane');
  assert.equal(body(warmup)['instructions'], INSTRUCTIONS);
  assert.equal(body(warmup)['prompt_cache_key'], 'pck-file:///a.ts');
  assert.equal(textOf(warmup), CONTEXT);

  sim.enqueue('value40 = 40 * 2;');
  const result = await client.generate(genReq('file:///a.ts', 'export const '));
  assert.equal(result.text, 'value40 = 40 * 2;');
  const chained = sim.stats.creates[1];
  assert.equal(body(chained)['previous_response_id'], warmup?.responseId);
  assert.equal(textOf(chained), 'export const ', 'only the new input is sent');
  assert.equal(chained?.connection, warmup?.connection);
  assert.match(String(body(chained)['stream_id']), /^l\d+$/);
  assert.notEqual(body(chained)['stream_id'], body(warmup)['stream_id']);
  assert.equal(body(chained)['generate'], undefined);
  assert.equal(body(chained)['instructions'], INSTRUCTIONS, 'instructions are resent (not carried by chaining)');
  assert.equal(body(chained)['prompt_cache_key'], 'pck-file:///a.ts');
  assert.ok((result.usage?.cachedTokens ?? 0) > 0, 'the warm prefix counts as cached');
  assert.ok((chained?.bytes ?? 0) < (warmup?.bytes ?? 0) / 2, 'the chained frame is much smaller than the context');
  const stats = client.stats();
  assert.equal(stats.chained, 1);
  assert.equal(stats.chainFallbacks, 0);
  assert.equal(stats.warmContexts, 1, 'the warm context stays for the next request');
});

test('a request for a key that is not warm sends its full input, without chaining', async (t) => {
  const { sim, client } = await setup(t);
  await client.warm(warmReq('file:///other.ts'));
  await client.generate(genReq('file:///cold.ts', 'let x = '));
  const create = sim.stats.creates[1];
  assert.equal(body(create)['previous_response_id'], undefined);
  assert.equal(textOf(create), `${CONTEXT}\nlet x = `);
  assert.equal(client.stats().chained, 0);
  // A request without `warm` sends its input as it is.
  await client.generate({ ...genReq('file:///plain.ts', 'plain'), warm: undefined });
  assert.equal(textOf(sim.stats.creates[2]), 'plain');
});

test('previous_response_not_found on a chained request: the warm state is dropped and the full input is sent once', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  sim.inject({ kind: 'error', status: 400, code: 'previous_response_not_found', message: 'Previous response not found.', param: 'previous_response_id' });
  const result = await client.generate(genReq('file:///a.ts', 'foo('));
  assert.equal(result.status, 'completed');
  const [, chained, retry] = sim.stats.creates;
  assert.equal(body(chained)['previous_response_id'], sim.stats.creates[0]?.responseId);
  assert.equal(body(retry)['previous_response_id'], undefined);
  assert.equal(textOf(retry), `${CONTEXT}\nfoo(`);
  assert.equal(sim.stats.creates.length, 3);
  const stats = client.stats();
  assert.equal(stats.chained, 1);
  assert.equal(stats.chainFallbacks, 1);
  assert.equal(stats.warmContexts, 0, 'the lost context is not chained again');
  await client.generate(genReq('file:///a.ts', 'bar('));
  assert.equal(body(sim.stats.creates[3])['previous_response_id'], undefined);
});

test('a full input given as a function is built only for the attempts that send it', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  const built: string[] = [];
  const lazy = (key: string, input: string): GenerateRequest =>
    genReq(key, input, {
      warm: {
        key,
        fullInput: () => {
          built.push(input);
          return `${CONTEXT}\n${input}`;
        },
      },
    });
  await client.generate(lazy('file:///a.ts', 'chained('));
  assert.equal(body(sim.stats.creates[1])['previous_response_id'], sim.stats.creates[0]?.responseId);
  assert.deepEqual(built, [], 'a chained attempt never builds the full input');
  await client.generate(lazy('file:///cold.ts', 'cold('));
  assert.equal(textOf(sim.stats.creates[2]), `${CONTEXT}\ncold(`);
  assert.deepEqual(built, ['cold(']);
  sim.inject({ kind: 'error', status: 400, code: 'previous_response_not_found', message: 'Previous response not found.', param: 'previous_response_id' });
  await client.generate(lazy('file:///a.ts', 'lost('));
  assert.equal(textOf(sim.stats.creates[4]), `${CONTEXT}\nlost(`, 'the retry after the lost context sends the full input');
  assert.deepEqual(built, ['cold(', 'lost(']);
});

test('a lost connection takes its warm states with it; warm() on the new connection works', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  sim.inject({ kind: 'connection-limit' });
  await sim.waitForUpgrades(2);
  await until(() => client.stats().openSockets === 1 && client.stats().warmContexts === 0, 'the replacement connection');
  await client.generate(genReq('file:///a.ts', 'x'));
  assert.equal(body(sim.stats.creates[1])['previous_response_id'], undefined, 'no warm state: full input');
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  assert.equal(sim.stats.creates[2]?.connection, 2);
  await client.generate(genReq('file:///a.ts', 'y'));
  assert.equal(body(sim.stats.creates[3])['previous_response_id'], sim.stats.creates[2]?.responseId);
  assert.equal(client.stats().chained, 1);
});

test('a chained request that loses its socket is retried once with the full input', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  sim.inject({ kind: 'close', code: 1006, afterDeltas: 0 });
  const result = await client.generate(genReq('file:///a.ts', 'z'));
  assert.equal(result.status, 'completed');
  const last = sim.stats.creates.at(-1);
  assert.equal(body(last)['previous_response_id'], undefined);
  assert.equal(textOf(last), `${CONTEXT}\nz`);
  assert.equal(client.stats().chainFallbacks, 0, 'a lost socket is not a lost context: not counted as a chain fallback');
});

test('re-warm replaces the context: the newer warm-up wins, requests fork from it', async (t) => {
  const { sim, client } = await setup(t);
  const first = client.warm(warmReq('file:///a.ts', 'OLD CONTEXT'));
  const second = client.warm(warmReq('file:///a.ts', 'NEW CONTEXT'));
  assert.deepEqual(await Promise.all([first, second]), [false, true]);
  const warmups = sim.stats.creates.filter((c) => body(c)['generate'] === false);
  assert.deepEqual(warmups.map(textOf), ['OLD CONTEXT', 'NEW CONTEXT']);
  assert.equal(body(warmups[0])['stream_id'], body(warmups[1])['stream_id'], 'one context lane per key');
  assert.equal(client.stats().warmContexts, 1);
  await client.generate(genReq('file:///a.ts', 'q'));
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], warmups[1]?.responseId);
  // A later re-warm also replaces a ready context.
  assert.equal(await client.warm(warmReq('file:///a.ts', 'NEWER CONTEXT')), true);
  const newer = sim.stats.creates.at(-1);
  assert.equal(body(newer)['stream_id'], body(warmups[0])['stream_id']);
  await client.generate(genReq('file:///a.ts', 'r'));
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], newer?.responseId);
});

test('LRU eviction when every context lane of the connection is taken (16 context lanes)', async (t) => {
  const { sim, client } = await setup(t);
  const keys = Array.from({ length: 16 }, (_, i) => `file:///k${i}.ts`);
  for (const key of keys) assert.equal(await client.warm(warmReq(key)), true);
  const lanes = new Set(sim.stats.creates.map((c) => body(c)['stream_id']));
  assert.equal(lanes.size, 16, 'each key has its own context lane');
  assert.equal(client.stats().warmContexts, 16);
  // k0 is used (chained), so k1 becomes the least recently used key.
  await client.generate(genReq(keys[0]!, 'use'));
  assert.equal(client.stats().chained, 1);
  assert.equal(await client.warm(warmReq('file:///k16.ts')), true);
  const k1Lane = body(sim.stats.creates[1])['stream_id'];
  assert.equal(body(sim.stats.creates.at(-1))['stream_id'], k1Lane, 'k16 reuses the evicted key\'s lane');
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], undefined);
  assert.equal(client.stats().warmContexts, 16);
  await client.generate(genReq(keys[1]!, 'evicted'));
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], undefined, 'k1 was evicted: full input');
  await client.generate(genReq(keys[0]!, 'kept'));
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], sim.stats.creates[0]?.responseId, 'k0 is still warm');
  await client.generate(genReq('file:///k16.ts', 'new'));
  assert.ok(typeof body(sim.stats.creates.at(-1))['previous_response_id'] === 'string');
  assert.equal(client.stats().chainFallbacks, 0);
  const named = new Set(sim.stats.creates.map((c) => body(c)['stream_id']));
  assert.ok(named.size <= 32, 'within the service\'s 32 lane names');
});

test('forget drops the warm context and frees its lane for another key', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  const lane = body(sim.stats.creates[0])['stream_id'];
  client.forget('file:///a.ts');
  assert.equal(client.stats().warmContexts, 0);
  await client.generate(genReq('file:///a.ts', 'x'));
  assert.equal(body(sim.stats.creates[1])['previous_response_id'], undefined);
  assert.equal(await client.warm(warmReq('file:///b.ts')), true);
  assert.equal(body(sim.stats.creates[2])['stream_id'], lane, 'the freed lane is reused');
  client.forget('file:///never-warmed.ts');
});

test('HTTP fallback (426): warm resolves false, requests succeed with the full input and prompt_cache_key', async (t) => {
  const { sim, client } = await setup(t, {}, {}, (s) => s.inject({ kind: 'upgrade-status', status: 426 }));
  assert.equal(client.stats().transport, 'http');
  assert.equal(await client.warm(warmReq('file:///a.ts')), false);
  const result = await client.generate(genReq('file:///a.ts', 'h'));
  assert.equal(result.transport, 'http');
  const create = sim.stats.creates.at(-1);
  assert.equal(create?.transport, 'http');
  assert.equal(textOf(create), `${CONTEXT}\nh`);
  assert.equal(body(create)['prompt_cache_key'], 'pck-file:///a.ts');
  assert.equal(body(create)['previous_response_id'], undefined);
  assert.equal(sim.stats.creates.filter((c) => c.transport === 'http').length, 1, 'no warm-up went over HTTP');
  const stats = client.stats();
  assert.equal(stats.warmContexts, 0);
  assert.equal(stats.chained, 0);
});

test('concurrent chained requests for one key run on different work lanes, all forking from the warm-up', async (t) => {
  const { sim, client } = await setup(t);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  const results = await Promise.all([1, 2, 3].map((i) => client.generate(genReq('file:///a.ts', `part${i}`))));
  assert.equal(results.length, 3);
  const chained = sim.stats.creates.slice(1);
  assert.equal(chained.length, 3);
  assert.equal(new Set(chained.map((c) => body(c)['stream_id'])).size, 3);
  for (const c of chained) {
    assert.equal(body(c)['previous_response_id'], sim.stats.creates[0]?.responseId);
    assert.equal(c.connection, sim.stats.creates[0]?.connection);
  }
  for (const r of results) assert.ok((r.usage?.cachedTokens ?? 0) > 0);
  assert.equal(client.stats().chained, 3);
});

test('a warm key whose connection has no free work lane runs elsewhere with the full input', async (t) => {
  const { sim, client } = await setup(t, { poolSize: 2, lanesPerConnection: 1 }, { tokensPerSecond: 200 });
  await sim.waitForUpgrades(2);
  assert.equal(await client.warm(warmReq('file:///a.ts')), true);
  sim.enqueue('a long reply that keeps the first lane busy for a while, token after token after token');
  const first = client.generate(genReq('file:///a.ts', 'one'));
  const second = client.generate(genReq('file:///a.ts', 'two'));
  await Promise.all([first, second]);
  const [warmup, a, b] = sim.stats.creates;
  assert.equal(body(a)['previous_response_id'], warmup?.responseId);
  assert.equal(a?.connection, warmup?.connection);
  assert.equal(body(b)['previous_response_id'], undefined);
  assert.notEqual(b?.connection, warmup?.connection);
  assert.equal(textOf(b), `${CONTEXT}\ntwo`);
});

test('a failed warm-up resolves false and leaves the key cold; faults for completions are not eaten by warm-ups', async (t) => {
  const { sim, client } = await setup(t);
  sim.inject({ kind: 'error', status: 500, code: 'server_error' });
  sim.inject({ kind: 'error', status: 500, code: 'server_error', warmup: true });
  assert.equal(await client.warm(warmReq('file:///a.ts')), false, 'the warm-up got the warm-up fault');
  assert.equal(client.stats().warmContexts, 0);
  await assert.rejects(client.generate(genReq('file:///a.ts', 'x')), /server_error/);
  assert.equal(body(sim.stats.creates[1])['previous_response_id'], undefined, 'a cold key sends the full input');
  assert.equal(await client.warm(warmReq('file:///a.ts')), true, 're-warm after a failure works');
  await client.generate(genReq('file:///a.ts', 'y'));
  assert.equal(body(sim.stats.creates.at(-1))['previous_response_id'], sim.stats.creates.at(-2)?.responseId);
});

// ---- WarmContexts against a fake connection: the fork caveat and warm-up pacing -----------------

class FakeConn {
  accepting = true;
  freeLanes = 4;
  busyLanes = 0;
  readonly contextLaneNames = ['c0', 'c1'];
  readonly sent: { lane: string; frame: string; sink: WarmupSink }[] = [];
  private open = 0;
  get warmupsInFlight(): number {
    return this.open;
  }
  sendWarmup(lane: string, frame: string, sink: WarmupSink): boolean {
    this.open++;
    this.sent.push({
      lane,
      frame,
      sink: {
        onDone: (id) => {
          this.open--;
          sink.onDone(id);
        },
        onError: (e) => {
          this.open--;
          sink.onError(e);
        },
      },
    });
    return true;
  }
}

function fakeWarm(maxInFlight: number): { warm: WarmContexts; conn: FakeConn; conns: SparkConnection[] } {
  const conn = new FakeConn();
  const warm = new WarmContexts({ frame: (req, lane) => `${lane}:${req.context}`, maxInFlight, log: () => undefined });
  return { warm, conn, conns: [conn as unknown as SparkConnection] };
}

test('fork caveat: a re-warm waits until the forks sent from the old warm-up have started', async () => {
  const { warm, conn, conns } = fakeWarm(4);
  const ready = warm.warm(warmReq('k', 'v1'), conns);
  conn.sent[0]!.sink.onDone('resp_1');
  assert.equal(await ready, true);
  const chain = warm.chainFor('k', undefined);
  assert.equal(chain?.previousResponseId, 'resp_1');
  const started = chain!.forkSent();
  const rewarm = warm.warm(warmReq('k', 'v2'), conns);
  assert.equal(warm.chainFor('k', undefined), undefined, 'a re-warm makes the key not ready at once');
  assert.equal(conn.sent.length, 1, 'held back while the fork has not started');
  started();
  started(); // idempotent
  assert.equal(conn.sent.length, 2);
  assert.equal(conn.sent[1]!.frame, 'c0:v2');
  conn.sent[1]!.sink.onDone('resp_2');
  assert.equal(await rewarm, true);
  assert.equal(warm.chainFor('k', undefined)?.previousResponseId, 'resp_2');
});

test('warm-ups beyond maxInFlight wait; only the newest unsent warm-up of a lane is kept', async () => {
  const { warm, conn, conns } = fakeWarm(1);
  const a = warm.warm(warmReq('a', 'a1'), conns);
  const b1 = warm.warm(warmReq('b', 'b1'), conns);
  const b2 = warm.warm(warmReq('b', 'b2'), conns);
  assert.equal(await b1, false, 'superseded before it was sent');
  assert.deepEqual(conn.sent.map((s) => s.frame), ['c0:a1']);
  conn.sent[0]!.sink.onDone('resp_a');
  assert.equal(await a, true);
  assert.deepEqual(conn.sent.map((s) => s.frame), ['c0:a1', 'c1:b2']);
  conn.sent[1]!.sink.onError(new Error('boom') as never);
  assert.equal(await b2, false);
  assert.equal(warm.readyCount, 1);
  warm.dropConnection(conns[0]!);
  assert.equal(warm.readyCount, 0);
});

/** Waits for a condition that an event will make true (polled on a short timer, bounded). */
async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
