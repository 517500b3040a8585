// spark-sim's latency model: ordering and presence under delays, the zero-latency path arming no
// timer, and lower bounds of handshake costs (a lower bound is not flaky; no upper bounds, no
// durations: those belong in benchmarks). No fixed sleeps: every wait is for an event.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request, Agent, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSim, type SimOptions, type SparkSim } from '../../server/sim/index.js';
import { RawClient, type Ev } from '../support/sim-client.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Node timers may fire up to ~1 ms before Date.now() says the delay has passed. */
const TIMER_SLACK_MS = 2;

async function withSim(options: SimOptions, fn: (sim: SparkSim) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

const LONG_TEXT = Array.from({ length: 300 }, (_, i) => `tok${i} `).join('');

function assertWellOrdered(events: Ev[], expectedText: string): void {
  const seqs = events.map((e) => e['sequence_number'] as number);
  assert.deepEqual(seqs, seqs.map((_, i) => i), 'sequence numbers 0..n with no gap or swap');
  assert.equal(events[0]?.type, 'response.created');
  assert.equal(events.at(-1)?.type, 'response.completed');
  const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e['delta'] as string).join('');
  assert.equal(text, expectedText, 'every delta arrived, in order');
}

function post(sim: SparkSim, body: Record<string, unknown>, agent: Agent | false): Promise<{ res: IncomingMessage; text: string; localPort: number | undefined }> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      `${sim.url}/responses`,
      { method: 'POST', agent, headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        const localPort = res.socket?.localPort;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolvePost({ res, text, localPort }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const sseEvents = (text: string): Ev[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as Ev);

test('all latency knobs zero: a response, a warm-up and a chained one arm no timer (same path as before)', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    const before = sim.stats.timersStarted;
    client.create({ stream_id: 'a', generate: false, input: 'context '.repeat(50) });
    const warm = await client.nextResponse('a');
    client.create({ stream_id: 'b', previous_response_id: (warm[0]?.['response'] as { id: string }).id, input: 'next' });
    const chained = await client.nextResponse('b');
    assert.equal(chained.at(-1)?.type, 'response.completed');
    const { text } = await post(sim, { model: 'm', input: 'hi', stream: true }, false);
    assert.equal(sseEvents(text).at(-1)?.type, 'response.completed');
    assert.equal(sim.stats.timersStarted, before, 'no timer was armed');
    client.close();
  });
});

test('rtt > 0 over WebSocket: a long paced reply arrives complete and in order, lanes interleave without reordering', async () => {
  await withSim({ tokensPerSecond: 5_000, latency: { rttMs: 20 } }, async (sim) => {
    sim.enqueue(LONG_TEXT, LONG_TEXT);
    const client = await RawClient.open(sim);
    const before = sim.stats.timersStarted;
    client.create({ stream_id: 'x' });
    client.create({ stream_id: 'y' });
    const [x, y] = await Promise.all([client.nextResponse('x'), client.nextResponse('y')]);
    assertWellOrdered(x, LONG_TEXT);
    assertWellOrdered(y, LONG_TEXT);
    const deltas = x.filter((e) => e.type === 'response.output_text.delta').length;
    assert.ok(sim.stats.timersStarted - before < deltas, 'due frames are flushed together, not one timer per delta');
    client.close();
  });
});

test('rtt > 0: a fault close follows the deltas sent before it; the connection-limit error precedes its close', async () => {
  await withSim({ tokensPerSecond: 0, latency: { rttMs: 10 } }, async (sim) => {
    sim.enqueue('one two three four five six');
    sim.inject({ kind: 'close', code: 1011, afterDeltas: 3 });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 's' });
    const closed = await client.closed;
    assert.equal(closed.code, 1011);
    assert.equal(client.events.filter((e) => e.type === 'response.output_text.delta').length, 3, 'the 3 deltas before the close all arrived');

    const second = await RawClient.open(sim);
    sim.inject({ kind: 'connection-limit' });
    const end = await second.closed;
    assert.equal(end.code, 1000);
    assert.equal(second.events.at(-1)?.['type'], 'error');
  });
});

test('handshake: a WebSocket upgrade takes at least handshakeRoundTrips x rttMs (lower bound only)', async () => {
  await withSim({ tokensPerSecond: 0, latency: { rttMs: 15, handshakeRoundTrips: 3 } }, async (sim) => {
    let start = Date.now();
    const client = await RawClient.open(sim);
    assert.ok(Date.now() - start >= 45 - TIMER_SLACK_MS, `upgrade took ${Date.now() - start} ms`);
    client.close();
    // configure() changes the model at run time.
    sim.configure({ latency: { handshakeRoundTrips: 5 } });
    start = Date.now();
    const again = await RawClient.open(sim);
    assert.ok(Date.now() - start >= 75 - TIMER_SLACK_MS, `upgrade took ${Date.now() - start} ms`);
    again.create({ stream_id: 'z' });
    assertWellOrdered(await again.nextResponse('z'), 'spark-sim reply #1: synthetic text from the local simulator.');
    again.close();
  });
});

test('HTTP: a fresh socket pays the TCP + TLS round trips, a kept-alive one reuses its socket; SSE stays complete and ordered', async () => {
  await withSim({ tokensPerSecond: 2_000, latency: { rttMs: 10, handshakeRoundTrips: 3 } }, async (sim) => {
    sim.enqueue(LONG_TEXT, LONG_TEXT, LONG_TEXT);
    const start = Date.now();
    const fresh = await post(sim, { model: 'm', input: 'a', stream: true }, false);
    // (3 - 1) round trips of handshake + half a round trip each way.
    assert.ok(Date.now() - start >= 30 - TIMER_SLACK_MS, `fresh request took ${Date.now() - start} ms`);
    assertWellOrdered(sseEvents(fresh.text), LONG_TEXT);

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await post(sim, { model: 'm', input: 'b', stream: true }, agent);
      const second = await post(sim, { model: 'm', input: 'c', stream: true }, agent);
      assert.equal(second.localPort, first.localPort, 'the second request reused the kept-alive socket');
      assertWellOrdered(sseEvents(second.text), LONG_TEXT);
    } finally {
      agent.destroy();
    }
    // Errors before the stream are delayed too, and still well-formed.
    const bad = await post(sim, { model: 'm', input: 'd', stream: true, previous_response_id: 'resp_x' }, false);
    assert.equal(bad.res.statusCode, 400);
    assert.equal((JSON.parse(bad.text) as { error: { code: string } }).error.code, 'previous_response_not_found');
  });
});

test('prefill: the first delta waits ttftBaseMs after response.created; warm-ups pay prefill before completing', async () => {
  await withSim({ tokensPerSecond: 0, latency: { ttftBaseMs: 30, ttftPerUncachedTokenMs: 0.01, ttftPerCachedTokenMs: 0.001 } }, async (sim) => {
    const client = await RawClient.open(sim);
    const arrivals = new Map<string, number>();
    client.ws.on('message', (data) => {
      const type = (JSON.parse(data.toString()) as Ev).type;
      if (!arrivals.has(type)) arrivals.set(type, Date.now());
    });
    // Measured from the send, a sound lower bound: the simulator starts prefill only after it received the create
    // (a gap between two arrivals shrinks whenever the first one was read late on a loaded machine).
    let sent = Date.now();
    client.create({ stream_id: 'w', generate: false, input: 'context '.repeat(100) });
    const warm = await client.nextResponse('w');
    assert.deepEqual(warm.map((e) => e.type), ['response.created', 'response.completed']);
    const warmGap = (arrivals.get('response.completed') ?? 0) - sent;
    assert.ok(warmGap >= 30 - TIMER_SLACK_MS, `warm-up prefill ${warmGap} ms`);
    arrivals.clear();
    sent = Date.now();
    client.create({ stream_id: 'g', previous_response_id: (warm[0]?.['response'] as { id: string }).id, input: 'next' });
    const events = await client.nextResponse('g');
    const gap = (arrivals.get('response.output_text.delta') ?? 0) - sent;
    assert.ok(gap >= 30 - TIMER_SLACK_MS, `prefill ${gap} ms`);
    const usage = (events.at(-1)?.['response'] as { usage: { input_tokens_details: { cached_tokens: number } } }).usage;
    assert.ok(usage.input_tokens_details.cached_tokens > 0, 'the chained prefix is counted as cached');
    client.close();
  });
});

test('latency options are validated', async () => {
  await assert.rejects(startSim({ latency: { rttMs: -1 } }), RangeError);
  await withSim({}, async (sim) => {
    assert.throws(() => sim.configure({ latency: { ttftBaseMs: Number.NaN } }), RangeError);
  });
});

test('spark-sim CLI: latency flags in --help, and --rtt-ms/--handshake-round-trips take effect', async () => {
  const help = spawn(process.execPath, ['--import', 'tsx', 'server/sim/cli.ts', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  help.stdout.on('data', (c: Buffer) => (out += c.toString()));
  await once(help, 'exit');
  for (const flag of ['--rtt-ms', '--handshake-round-trips', '--ttft-base-ms', '--ttft-per-uncached-token-ms', '--ttft-per-cached-token-ms']) {
    assert.ok(out.includes(flag), `--help documents ${flag}`);
  }
  assert.match(out, /simulation/);

  const child = spawn(process.execPath, ['--import', 'tsx', 'server/sim/cli.ts', '--port', '0', '--rtt-ms', '20', '--handshake-round-trips', '2', '--ttft-base-ms', '1'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise<string>((resolveLine, reject) => {
      createInterface({ input: child.stdout }).once('line', resolveLine);
      child.once('exit', (code) => reject(new Error(`spark-sim exited (${code})`)));
    });
    const url = /(http:\/\/\S+)/.exec(line)?.[1];
    assert.ok(url !== undefined, line);
    const start = Date.now();
    const client = await RawClient.open({ url } as SparkSim);
    assert.ok(Date.now() - start >= 40 - TIMER_SLACK_MS, `upgrade took ${Date.now() - start} ms`);
    client.close();
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
