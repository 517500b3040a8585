// spark-sim WebSocket protocol tests with a raw `ws` client: auth, event sequence, lanes, cache,
// limits, and every fault kind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startSim, type SimOptions, type SparkSim } from '../../server/sim/index.js';
import { RawClient, refusedUpgrade, wsUrl, type Ev } from '../support/sim-client.js';

async function withSim(options: SimOptions, body: (sim: SparkSim) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

function types(events: Ev[]): string[] {
  return events.map((e) => e.type);
}

function deltas(events: Ev[]): Ev[] {
  return events.filter((e) => e.type === 'response.output_text.delta');
}

function responseOf(event: Ev | undefined): Record<string, any> {
  assert.ok(event, 'event expected');
  return event['response'] as Record<string, any>;
}

function errorOf(event: Ev | undefined): Record<string, any> {
  assert.ok(event, 'event expected');
  assert.equal(event.type, 'error');
  return event['error'] as Record<string, any>;
}

const LONG = 'The quick brown fox jumps over the lazy dog while the sim streams tokens one small piece at a time.';

test('upgrade without a bearer token or with a wrong key is refused with 401 and a JSON body', async () => {
  await withSim({ apiKeys: ['sk-good'] }, async (sim) => {
    const missing = await refusedUpgrade(sim, {});
    assert.equal(missing.status, 401);
    const missingBody = JSON.parse(missing.body) as { error: Record<string, unknown> };
    assert.equal(missingBody.error['type'], 'invalid_request_error');
    assert.equal(typeof missingBody.error['message'], 'string');

    const wrong = await refusedUpgrade(sim, { authorization: 'Bearer sk-bad' });
    assert.equal(wrong.status, 401);
    assert.equal((JSON.parse(wrong.body) as { error: Record<string, unknown> }).error['code'], 'invalid_api_key');

    const good = await RawClient.open(sim, 'sk-good', { 'OpenAI-Beta': 'responses_websockets=2026-02-06' });
    assert.equal(good.ws.protocol, '');
    good.close();
    await good.closed;
    assert.equal(sim.stats.upgrades, 3);
    assert.equal(sim.stats.upgradesAccepted, 1);
  });
});

test('any other path is 404, for upgrades and plain requests', async () => {
  await withSim({}, async (sim) => {
    const res = await fetch(`${sim.url}/models`, { headers: { authorization: 'Bearer x' } });
    assert.equal(res.status, 404);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/chat`, { headers: { authorization: 'Bearer x' } });
      ws.on('error', () => undefined);
      ws.once('unexpected-response', (_req, r) => {
        resolve(r.statusCode ?? 0);
        ws.terminate();
      });
    });
    assert.equal(status, 404);
  });
});

test('a default-lane response emits the full spec 3.1 sequence with consistent fields', async () => {
  await withSim({}, async (sim) => {
    sim.enqueue('Hello there, general Kenobi.');
    const client = await RawClient.open(sim);
    client.create({ input: 'say hello', instructions: 'be brief', max_output_tokens: 512, stream: true, client_metadata: { a: 'b' } });
    const events = await client.nextResponse();
    const t = types(events);
    assert.deepEqual(t.slice(0, 4), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    assert.deepEqual(t.slice(-4), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const ds = deltas(events);
    assert.equal(t.length, 8 + ds.length);
    assert.ok(ds.length >= 4);
    assert.deepEqual(
      events.map((e) => e['sequence_number']),
      events.map((_, i) => i),
    );
    for (const e of events) assert.equal('stream_id' in e, false);

    const created = responseOf(events[0]);
    assert.match(created['id'], /^resp_/);
    assert.equal(created['status'], 'in_progress');
    assert.deepEqual(created['output'], []);
    assert.equal(created['usage'], null);
    for (const key of [
      'id', 'object', 'created_at', 'status', 'background', 'error', 'incomplete_details', 'instructions',
      'max_output_tokens', 'max_tool_calls', 'model', 'output', 'parallel_tool_calls', 'previous_response_id',
      'prompt_cache_key', 'reasoning', 'safety_identifier', 'service_tier', 'store', 'temperature', 'text',
      'tool_choice', 'tools', 'top_logprobs', 'top_p', 'truncation', 'usage', 'user', 'metadata',
    ]) {
      assert.ok(key in created, `response.${key} present`);
    }
    assert.equal(created['object'], 'response');
    assert.equal(created['instructions'], 'be brief');
    assert.equal(created['max_output_tokens'], 512);
    assert.equal(created['store'], false);
    assert.equal(created['model'], 'gpt-5.3-codex-spark');

    const added = events[2] as Ev;
    const item = added['item'] as Record<string, any>;
    assert.match(item['id'], /^msg_/);
    assert.equal(item['type'], 'message');
    assert.equal(item['status'], 'in_progress');
    assert.deepEqual(item['content'], []);
    assert.equal(added['output_index'], 0);
    const part = events[3] as Ev;
    assert.equal(part['item_id'], item['id']);
    assert.equal(part['content_index'], 0);
    assert.deepEqual(part['part'], { type: 'output_text', text: '', annotations: [], logprobs: [] });

    for (const d of ds) {
      assert.equal(d['item_id'], item['id']);
      assert.equal(d['output_index'], 0);
      assert.equal(d['content_index'], 0);
      assert.deepEqual(d['logprobs'], []);
      assert.equal(typeof d['delta'], 'string');
      assert.equal('obfuscation' in d, false);
    }
    const text = ds.map((d) => d['delta']).join('');
    assert.equal(text, 'Hello there, general Kenobi.');
    const textDone = events.at(-4) as Ev;
    assert.equal(textDone['text'], text);
    assert.deepEqual(textDone['logprobs'], []);
    assert.deepEqual((events.at(-3) as Ev)['part'], { type: 'output_text', text, annotations: [], logprobs: [] });
    const doneItem = (events.at(-2) as Ev)['item'] as Record<string, any>;
    assert.equal(doneItem['status'], 'completed');
    assert.equal(doneItem['role'], 'assistant');
    assert.equal(doneItem['content'][0]['text'], text);

    const completed = responseOf(events.at(-1));
    assert.equal(completed['id'], created['id']);
    assert.equal(completed['status'], 'completed');
    assert.deepEqual(completed['output'], [doneItem]);
    const usage = completed['usage'];
    assert.equal(usage.output_tokens, ds.length);
    assert.equal(usage.output_tokens_details.reasoning_tokens, 0);
    assert.equal(usage.input_tokens_details.cached_tokens, 0);
    assert.ok(usage.input_tokens > 0);
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens);
    client.close();
  });
});

test('reasoning item comes first and deltas carry obfuscation when enabled', async () => {
  await withSim({ reasoning: true, obfuscation: true, tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'r' });
    const events = await client.nextResponse('r');
    const t = types(events);
    assert.equal(t[2], 'response.output_item.added');
    const rs = (events[2] as Ev)['item'] as Record<string, any>;
    assert.equal(rs['type'], 'reasoning');
    assert.match(rs['id'], /^rs_/);
    assert.ok(t.includes('response.reasoning_summary_text.delta'));
    assert.ok(t.includes('response.reasoning_summary_part.done'));
    const ds = deltas(events);
    for (const d of ds) {
      assert.equal(d['output_index'], 1);
      assert.equal(typeof d['obfuscation'], 'string');
    }
    const completed = responseOf(events.at(-1));
    assert.equal(completed['output'].length, 2);
    assert.equal(completed['output'][0].type, 'reasoning');
    assert.equal(completed['output'][1].type, 'message');
    assert.ok(completed['usage'].output_tokens_details.reasoning_tokens > 0);
    assert.equal(completed['usage'].output_tokens, ds.length + completed['usage'].output_tokens_details.reasoning_tokens);
    assert.equal(
      events.map((e) => e['sequence_number']).join(),
      events.map((_, i) => i).join(),
    );
    client.close();
  });
});

test('stream_id is echoed on every event of a named lane, including terminal and errors', async () => {
  await withSim({}, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'lsp-main.1' });
    const events = await client.nextResponse('lsp-main.1');
    assert.equal(events.at(-1)?.type, 'response.completed');
    for (const e of events) assert.equal(e['stream_id'], 'lsp-main.1');
    client.create({ stream_id: 'lsp-main.1', previous_response_id: 'resp_missing' });
    const [err] = await client.nextResponse('lsp-main.1');
    assert.equal(err?.type, 'error');
    assert.equal(err?.['stream_id'], 'lsp-main.1');
    // Nothing of this lane leaked to the default lane.
    assert.equal(client.events.filter((e) => !('stream_id' in e)).length, 0);
    client.close();
  });
});

test('two named lanes run concurrently and their events interleave', async () => {
  await withSim({ tokensPerSecond: 200 }, async (sim) => {
    sim.enqueue(LONG, LONG);
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'a' });
    client.create({ stream_id: 'b' });
    const [a, b] = await Promise.all([client.nextResponse('a'), client.nextResponse('b')]);
    assert.equal(a.at(-1)?.type, 'response.completed');
    assert.equal(b.at(-1)?.type, 'response.completed');
    const lanes = client.events.map((e) => e['stream_id']);
    const firstB = lanes.indexOf('b');
    const lastA = lanes.lastIndexOf('a');
    assert.ok(firstB < lastA, 'lane b started before lane a finished');
    const switches = lanes.filter((lane, i) => i > 0 && lane !== lanes[i - 1]).length;
    assert.ok(switches >= 3, `expected interleaving, got ${switches} lane switches`);
    client.close();
  });
});

test('one lane is FIFO: each response starts after the previous one ended', async () => {
  await withSim({ tokensPerSecond: 500 }, async (sim) => {
    sim.enqueue('first reply text here', 'second reply text here', 'third reply text here');
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'q' });
    client.create({ stream_id: 'q' });
    client.create({ stream_id: 'q' });
    const r1 = await client.nextResponse('q');
    const r2 = await client.nextResponse('q');
    const r3 = await client.nextResponse('q');
    const texts = [r1, r2, r3].map((r) => deltas(r).map((d) => d['delta']).join(''));
    assert.deepEqual(texts, ['first reply text here', 'second reply text here', 'third reply text here']);
    // The sequence is contiguous per response: no response's events overlap another's.
    const ids = client.events.map((e) => (e['response'] as { id?: string } | undefined)?.id ?? (e['item_id'] as string | undefined));
    assert.equal(ids.length, r1.length + r2.length + r3.length);
    for (const [i, r] of [r1, r2, r3].entries()) {
      assert.equal(r[0]?.type, 'response.created', `response ${i + 1} starts with created`);
      assert.deepEqual(
        r.map((e) => e['sequence_number']),
        r.map((_, k) => k),
      );
    }
    const created = client.events.filter((e) => e.type === 'response.created');
    assert.equal(new Set(created.map((e) => responseOf(e)['id'])).size, 3);
    client.close();
  });
});

test('at most 16 responses generate per connection; further creates are queued, not rejected', async () => {
  await withSim({ tokensPerSecond: 0, firstTokenMs: 300 }, async (sim) => {
    const client = await RawClient.open(sim);
    for (let i = 0; i < 20; i++) client.create({ stream_id: `lane-${i}` });
    await sim.waitForCreates(20);
    // Everything is waiting for its first token: 16 generating, 4 queued.
    assert.equal(sim.stats.inFlight, 16);
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => client.nextResponse(`lane-${i}`)));
    for (const r of all) assert.equal(r.at(-1)?.type, 'response.completed');
    assert.equal(client.events.filter((e) => e.type === 'error').length, 0);
    const firstTerminal = client.events.findIndex((e) => e.type === 'response.completed');
    const createdIndexes = client.events
      .map((e, i) => (e.type === 'response.created' ? i : -1))
      .filter((i) => i >= 0);
    assert.equal(createdIndexes.length, 20);
    // The 4 queued creates started only once earlier responses had finished.
    for (let i = 16; i < 20; i++) {
      const started = client.events.findIndex((e) => e.type === 'response.created' && e['stream_id'] === `lane-${i}`);
      assert.ok(started > firstTerminal, `lane-${i} started after a terminal event`);
    }
    assert.equal(sim.stats.inFlight, 0);
    client.close();
  });
});

test('a connection may name at most 32 distinct lanes', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    for (let i = 0; i < 32; i++) client.create({ stream_id: `l${i}`, generate: false });
    for (let i = 0; i < 32; i++) assert.equal((await client.nextResponse(`l${i}`)).at(-1)?.type, 'response.completed');
    client.create({ stream_id: 'l32', generate: false });
    const [err] = await client.nextResponse('l32');
    const error = errorOf(err);
    assert.equal(err?.['status'], 400);
    assert.equal(err?.['stream_id'], 'l32');
    assert.equal(error['code'], 'websocket_stream_limit_reached');
    assert.equal(error['type'], 'invalid_request_error');
    // Existing lanes and the default lane still work.
    client.create({ stream_id: 'l5' });
    assert.equal((await client.nextResponse('l5')).at(-1)?.type, 'response.completed');
    client.create({});
    assert.equal((await client.nextResponse()).at(-1)?.type, 'response.completed');
    client.close();
  });
});

test('an invalid stream_id is rejected with invalid_stream_id and no stream_id on the error', async () => {
  await withSim({}, async (sim) => {
    const client = await RawClient.open(sim);
    const bad: unknown[] = ['', 'has space', 'x'.repeat(257), 'slash/no', 42];
    for (const id of bad) client.create({ stream_id: id });
    const errors = await client.waitForCount((e) => e.type === 'error', bad.length);
    for (const err of errors) {
      assert.equal('stream_id' in err, false);
      assert.equal(err['status'], 400);
      const error = errorOf(err);
      assert.equal(error['code'], 'invalid_stream_id');
      assert.equal(error['param'], 'stream_id');
      assert.equal(error['type'], 'invalid_request_error');
    }
    client.create({ stream_id: 'x'.repeat(256) });
    assert.equal((await client.nextResponse('x'.repeat(256))).at(-1)?.type, 'response.completed');
    client.close();
  });
});

test('generate:false warms up, and a chained continuation counts cached tokens', async () => {
  await withSim({}, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({
      generate: false,
      instructions: 'You are a completion engine for a language server. Answer with code only.',
      input: [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Project context: a TypeScript repo.' }] }],
    });
    const warm = await client.nextResponse();
    assert.deepEqual(types(warm), ['response.created', 'response.completed']);
    const warmResponse = responseOf(warm[1]);
    assert.match(warmResponse['id'], /^resp_/);
    assert.deepEqual(warmResponse['output'], []);
    assert.equal(warmResponse['status'], 'completed');

    client.create({ previous_response_id: warmResponse['id'], input: 'complete: const x =' });
    const turn = await client.nextResponse();
    const done = responseOf(turn.at(-1));
    assert.equal(done['status'], 'completed');
    assert.equal(done['previous_response_id'], warmResponse['id']);
    assert.notEqual(done['id'], warmResponse['id']);
    const cached = done['usage'].input_tokens_details.cached_tokens;
    assert.ok(cached > 0);
    assert.equal(cached, warmResponse['usage'].input_tokens + warmResponse['usage'].output_tokens);
    assert.ok(done['usage'].input_tokens > cached);

    client.create({ previous_response_id: done['id'], input: 'again' });
    const third = responseOf((await client.nextResponse()).at(-1));
    assert.equal(third['usage'].input_tokens_details.cached_tokens, done['usage'].total_tokens);
    client.close();
  });
});

test('previous_response_not_found for unknown or superseded ids; failed same-lane continuations evict', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ previous_response_id: 'resp_unknown123' });
    const error = errorOf((await client.nextResponse())[0]);
    assert.equal(error['code'], 'previous_response_not_found');
    assert.equal(error['type'], 'invalid_request_error');
    assert.equal(error['param'], 'previous_response_id');
    assert.match(error['message'], /resp_unknown123/);
    assert.equal(client.events.at(-1)?.['status'], 400);

    // Only the latest response of a lane is cached.
    client.create({});
    const r1 = responseOf((await client.nextResponse()).at(-1))['id'];
    client.create({});
    const r2 = responseOf((await client.nextResponse()).at(-1))['id'];
    client.create({ previous_response_id: r1 });
    assert.equal(errorOf((await client.nextResponse())[0])['code'], 'previous_response_not_found');

    // A same-lane continuation that fails evicts the referenced response.
    sim.inject({ kind: 'error', status: 500, code: 'server_error' });
    client.create({ previous_response_id: r2 });
    assert.equal(errorOf((await client.nextResponse())[0])['code'], 'server_error');
    client.create({ previous_response_id: r2 });
    assert.equal(errorOf((await client.nextResponse())[0])['code'], 'previous_response_not_found');

    // Forks read another lane's latest; a failed fork keeps the shared parent.
    client.create({ stream_id: 'src' });
    const parent = responseOf((await client.nextResponse('src')).at(-1))['id'];
    sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded' });
    client.create({ stream_id: 'fork', previous_response_id: parent });
    assert.equal(errorOf((await client.nextResponse('fork'))[0])['code'], 'rate_limit_exceeded');
    client.create({ stream_id: 'fork', previous_response_id: parent });
    const forked = responseOf((await client.nextResponse('fork')).at(-1));
    assert.equal(forked['previous_response_id'], parent);
    client.create({ stream_id: 'src', previous_response_id: parent });
    assert.equal((await client.nextResponse('src')).at(-1)?.type, 'response.completed');
    client.close();
  });
});

test('the cache is dropped when the connection closes', async () => {
  await withSim({}, async (sim) => {
    const first = await RawClient.open(sim);
    first.create({ generate: false });
    const id = responseOf((await first.nextResponse()).at(-1))['id'];
    first.close();
    await first.closed;
    const second = await RawClient.open(sim);
    second.create({ previous_response_id: id });
    assert.equal(errorOf((await second.nextResponse())[0])['code'], 'previous_response_not_found');
    assert.deepEqual(
      sim.stats.creates.map((c) => c.connection),
      [1, 2],
    );
    second.close();
  });
});

test('max_output_tokens cuts the reply and ends with response.incomplete', async () => {
  await withSim({}, async (sim) => {
    sim.enqueue(LONG, { text: 'short but flagged', incomplete: true });
    const client = await RawClient.open(sim);
    client.create({ max_output_tokens: 3 });
    const events = await client.nextResponse();
    assert.equal(deltas(events).length, 3);
    const final = responseOf(events.at(-1));
    assert.equal(events.at(-1)?.type, 'response.incomplete');
    assert.equal(final['status'], 'incomplete');
    assert.deepEqual(final['incomplete_details'], { reason: 'max_output_tokens' });
    assert.equal(final['usage'].output_tokens, 3);
    assert.equal(final['output'][0].status, 'incomplete');

    client.create({});
    const flagged = await client.nextResponse();
    assert.equal(flagged.at(-1)?.type, 'response.incomplete');
    assert.equal(deltas(flagged).map((d) => d['delta']).join(''), 'short but flagged');
    client.close();
  });
});

test('response.steer is answered with response.steer.failed (steering_not_supported)', async () => {
  await withSim({ tokensPerSecond: 50 }, async (sim) => {
    sim.enqueue(LONG);
    const client = await RawClient.open(sim);
    client.create({ stream_id: 's' });
    const created = await client.waitFor((e) => e.type === 'response.created');
    const id = responseOf(created)['id'];
    client.send({ type: 'response.steer', previous_response_id: id, input: 'focus on tests' });
    const failed = await client.waitFor((e) => e.type === 'response.steer.failed');
    assert.equal(failed['stream_id'], 's');
    assert.equal(typeof failed['sequence_number'], 'number');
    const error = failed['error'] as Record<string, unknown>;
    assert.equal(error['code'], 'steering_not_supported');
    assert.equal(error['type'], 'invalid_request_error');
    assert.deepEqual(failed['steer'], { previous_response_id: id, input: 'focus on tests' });
    assert.equal((await client.nextResponse('s')).at(-1)?.type, 'response.completed');
    client.close();
  });
});

test('bad frames: invalid JSON, binary, unknown event types, background:true', async () => {
  await withSim({}, async (sim) => {
    const client = await RawClient.open(sim);
    client.ws.send('{not json');
    client.ws.send(Buffer.from('{"type":"response.create"}'), { binary: true });
    client.send({ type: 'response.cancel', response_id: 'resp_x' });
    client.create({ background: true, stream_id: 'bg' });
    const errors = await client.waitForCount((e) => e.type === 'error', 4);
    assert.deepEqual(
      errors.map((e) => [e['status'], errorOf(e)['code']]),
      [
        [400, 'invalid_json'],
        [400, 'invalid_json'],
        [400, 'unknown_event_type'],
        [400, 'unsupported_parameter'],
      ],
    );
    assert.equal(errorOf(errors[3])['type'], 'invalid_request_error');
    assert.equal(errors[3]?.['stream_id'], 'bg');
    // The connection stays usable.
    client.create({});
    await client.waitFor((e) => e.type === 'response.completed');
    client.close();
  });
});

test('connection lifetime limit while idle: error then close 1000', async () => {
  await withSim({ connectionLifetimeMs: 150 }, async (sim) => {
    const client = await RawClient.open(sim);
    const { code } = await client.closed;
    assert.equal(code, 1000);
    assert.equal(client.events.length, 1);
    const error = errorOf(client.events[0]);
    assert.equal(client.events[0]?.['status'], 400);
    assert.equal(error['code'], 'websocket_connection_limit_reached');
    assert.equal(error['type'], 'invalid_request_error');
    assert.equal(
      error['message'],
      'Responses websocket connection limit reached (60 minutes). Create a new websocket connection to continue.',
    );
    assert.equal('stream_id' in (client.events[0] as Ev), false);
  });
});

test('connection lifetime limit mid-response, set at run time with configure()', async () => {
  await withSim({ tokensPerSecond: 20 }, async (sim) => {
    sim.enqueue(LONG);
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'busy' });
    await client.waitFor((e) => e.type === 'response.output_text.delta');
    sim.configure({ connectionLifetimeMs: 1 });
    const { code } = await client.closed;
    assert.equal(code, 1000);
    const last = client.events.at(-1);
    assert.equal(errorOf(last)['code'], 'websocket_connection_limit_reached');
    assert.equal(client.events.some((e) => e.type === 'response.completed'), false);
    assert.equal(sim.stats.inFlight, 0);
  });
});

for (const code of [1006, 1011, 1000] as const) {
  test(`fault close ${code} after 2 deltas`, async () => {
    await withSim({ tokensPerSecond: 0 }, async (sim) => {
      sim.enqueue(LONG);
      sim.inject({ kind: 'close', code, afterDeltas: 2 });
      const client = await RawClient.open(sim);
      client.create({});
      const closed = await client.closed;
      assert.equal(closed.code, code);
      assert.equal(deltas(client.events).length, 2);
      assert.equal(client.events.some((e) => e.type === 'response.completed'), false);
      assert.equal(sim.stats.inFlight, 0);
    });
  });
}

test('fault error: request-scoped error with retry-after headers, on the lane', async () => {
  await withSim({}, async (sim) => {
    sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', message: 'Slow down', retryAfterSeconds: 7 });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'rl' });
    const [err] = await client.nextResponse('rl');
    assert.equal(err?.['status'], 429);
    assert.equal(err?.['stream_id'], 'rl');
    const error = errorOf(err);
    assert.equal(error['code'], 'rate_limit_exceeded');
    assert.equal(error['message'], 'Slow down');
    assert.deepEqual(error['headers'], { 'retry-after': '7' });
    assert.deepEqual(err?.['headers'], { 'retry-after': '7' });
    // The fault was used up; the reply queue was not consumed.
    sim.enqueue('after the error');
    client.create({ stream_id: 'rl' });
    const next = await client.nextResponse('rl');
    assert.equal(deltas(next).map((d) => d['delta']).join(''), 'after the error');
    client.close();
  });
});

test('fault failed: response.failed after 1 delta', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.inject({ kind: 'failed', code: 'server_error', message: 'boom', afterDeltas: 1 });
    const client = await RawClient.open(sim);
    client.create({});
    const events = await client.nextResponse();
    assert.equal(deltas(events).length, 1);
    assert.equal(events.at(-1)?.type, 'response.failed');
    const response = responseOf(events.at(-1));
    assert.equal(response['status'], 'failed');
    assert.deepEqual(response['error'], { code: 'server_error', message: 'boom' });
    client.close();
  });
});

test('fault incomplete: response.incomplete after 2 deltas', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue(LONG);
    sim.inject({ kind: 'incomplete', afterDeltas: 2 });
    const client = await RawClient.open(sim);
    client.create({});
    const events = await client.nextResponse();
    assert.equal(deltas(events).length, 2);
    assert.equal(events.at(-1)?.type, 'response.incomplete');
    assert.deepEqual(responseOf(events.at(-1))['incomplete_details'], { reason: 'max_output_tokens' });
    client.close();
  });
});

test('fault malformed: one non-JSON frame, then the response carries on', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue('one two three four');
    sim.inject({ kind: 'malformed', afterDeltas: 1 });
    const client = await RawClient.open(sim);
    client.create({});
    const events = await client.nextResponse();
    assert.equal(events.at(-1)?.type, 'response.completed');
    const bad = client.frames.filter((f) => {
      try {
        JSON.parse(f);
        return false;
      } catch {
        return true;
      }
    });
    assert.equal(bad.length, 1);
    assert.equal(deltas(events).map((d) => d['delta']).join(''), 'one two three four');
    client.close();
  });
});

test('fault bad-shape: a delta whose delta is not a string, then the response carries on', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue('one two three');
    sim.inject({ kind: 'bad-shape', afterDeltas: 1 });
    const client = await RawClient.open(sim);
    client.create({});
    const events = await client.nextResponse();
    const ds = deltas(events);
    assert.equal(ds.filter((d) => typeof d['delta'] !== 'string').length, 1);
    assert.equal(ds.filter((d) => typeof d['delta'] === 'string').map((d) => d['delta']).join(''), 'one two three');
    assert.equal(events.at(-1)?.type, 'response.completed');
    client.close();
  });
});

test('fault stall: the response goes silent and stays in flight, other lanes carry on', async () => {
  await withSim({ tokensPerSecond: 1000 }, async (sim) => {
    sim.enqueue('stalls here', LONG);
    sim.inject({ kind: 'stall', afterDeltas: 1 });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'stuck' });
    await client.waitFor((e) => e.type === 'response.output_text.delta' && e['stream_id'] === 'stuck');
    client.create({ stream_id: 'free' });
    assert.equal((await client.nextResponse('free')).at(-1)?.type, 'response.completed');
    const stuck = client.events.filter((e) => e['stream_id'] === 'stuck');
    assert.equal(deltas(stuck).length, 1);
    assert.equal(stuck.some((e) => e.type.startsWith('response.') && e.type.endsWith('completed')), false);
    assert.equal(sim.stats.inFlight, 1);
    client.close();
    await client.closed;
  });
});

test('fault sparse: no scaffolding events, no terminal output, unknown event types', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.inject({ kind: 'sparse' });
    const client = await RawClient.open(sim);
    client.create({});
    const events = await client.nextResponse();
    const t = types(events);
    assert.equal(t.includes('response.output_item.added'), false);
    assert.equal(t.includes('response.content_part.added'), false);
    assert.ok(t.includes('response.output_item.done'));
    assert.ok(t.some((x) => !x.startsWith('response.')), 'has an unknown event type');
    assert.equal(events.at(-1)?.type, 'response.completed');
    assert.equal('output' in responseOf(events.at(-1)), false);
    client.close();
  });
});

test('fault connection-limit: every open connection gets the error and is closed', async () => {
  await withSim({ tokensPerSecond: 10 }, async (sim) => {
    sim.enqueue(LONG);
    const a = await RawClient.open(sim);
    const b = await RawClient.open(sim);
    a.create({});
    await a.waitFor((e) => e.type === 'response.output_text.delta');
    assert.equal(sim.stats.openConnections, 2);
    sim.inject({ kind: 'connection-limit' });
    const [ca, cb] = await Promise.all([a.closed, b.closed]);
    assert.equal(ca.code, 1000);
    assert.equal(cb.code, 1000);
    assert.equal(errorOf(a.events.at(-1))['code'], 'websocket_connection_limit_reached');
    assert.equal(errorOf(b.events.at(-1))['code'], 'websocket_connection_limit_reached');
    assert.equal(sim.stats.openConnections, 0);
  });
});

test('fault upgrade-status: 426 once (HTTP fallback signal), 429 with Retry-After twice', async () => {
  await withSim({}, async (sim) => {
    const auth = { authorization: 'Bearer sk-x' };
    sim.inject({ kind: 'upgrade-status', status: 426 });
    const refused = await refusedUpgrade(sim, auth);
    assert.equal(refused.status, 426);
    const ok = await RawClient.open(sim);
    await sim.waitForUpgrades(1);
    ok.close();

    sim.inject({ kind: 'upgrade-status', status: 429, times: 2, retryAfterSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const r = await refusedUpgrade(sim, auth);
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '3');
    }
    const again = await RawClient.open(sim);
    again.create({});
    assert.equal((await again.nextResponse()).at(-1)?.type, 'response.completed');
    again.close();
    assert.equal(sim.stats.upgrades, 5);
    assert.equal(sim.stats.upgradesAccepted, 2);
  });
});

test('handshake delay, responder, and recorded creates with redacted auth', async () => {
  await withSim({ handshakeDelayMs: 30 }, async (sim) => {
    sim.setResponder((req) => `echo:${req.inputText}:${req.streamId ?? '-'}:${req.index}`);
    const client = await RawClient.open(sim, 'sk-secret', { 'OpenAI-Beta': 'responses_websockets=2026-02-06' });
    client.create({ input: [{ role: 'user', content: [{ type: 'input_text', text: 'abc' }] }], stream_id: 'e' });
    const events = await client.nextResponse('e');
    assert.equal(deltas(events).map((d) => d['delta']).join(''), 'echo:abc:e:1');
    await sim.waitForCreates(1);
    const [create] = sim.stats.creates;
    assert.equal(create?.transport, 'websocket');
    assert.equal(create?.connection, 1);
    assert.equal(create?.headers['authorization'], 'Bearer ***');
    assert.equal(create?.headers['openai-beta'], 'responses_websockets=2026-02-06');
    assert.equal(create?.body['stream_id'], 'e');
    assert.ok((create?.bytes ?? 0) > 20);
    client.close();
  });
});

test('default replies are synthetic and deterministic', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({});
    client.create({});
    const one = deltas(await client.nextResponse()).map((d) => d['delta']).join('');
    const two = deltas(await client.nextResponse()).map((d) => d['delta']).join('');
    assert.match(one, /^spark-sim reply #1\b/);
    assert.match(two, /^spark-sim reply #2\b/);
    client.close();
  });
});

test('deltas are paced at tokensPerSecond after firstTokenMs', async () => {
  await withSim({ tokensPerSecond: 100, firstTokenMs: 80 }, async (sim) => {
    const text = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    sim.enqueue(text);
    const client = await RawClient.open(sim);
    const sentAt = Date.now();
    const stamps: number[] = [];
    client.ws.on('message', (data: WebSocket.RawData) => {
      if (String(data).includes('"response.output_text.delta"')) stamps.push(Date.now());
    });
    client.create({});
    const created = await client.waitFor((e) => e.type === 'response.created');
    const createdAt = Date.now();
    assert.ok(created);
    assert.ok(createdAt - sentAt >= 75, `first event after firstTokenMs (${createdAt - sentAt} ms)`);
    const events = await client.nextResponse();
    assert.equal(deltas(events).length, 20);
    const spread = (stamps.at(-1) ?? 0) - (stamps[0] ?? 0);
    // 20 tokens at 100/s: the last is due 190 ms after the first.
    assert.ok(spread >= 150, `deltas spread over ${spread} ms`);
    assert.equal(deltas(events).map((d) => d['delta']).join(''), text);
    client.close();
  });
});

test('wsUrl derives ws://…/v1/responses from the sim url', async () => {
  await withSim({}, async (sim) => {
    assert.equal(wsUrl(sim), `ws://127.0.0.1:${sim.port}/v1/responses`);
  });
});
