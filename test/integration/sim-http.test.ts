// spark-sim HTTP fallback tests: SSE framing for POST /v1/responses, JSON responses and errors, auth.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, type SimOptions, type SparkSim } from '../../server/sim/index.js';

async function withSim(options: SimOptions, body: (sim: SparkSim) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

function post(sim: SparkSim, body: unknown, token: string | null = 'sk-test'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  return fetch(`${sim.url}/responses`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface SseEvent {
  event: string;
  data: Record<string, any>;
}

/** Parse an SSE body strictly: every block is exactly `event:` + `data:` lines. */
function parseSse(text: string): SseEvent[] {
  assert.ok(text.endsWith('\n\n'), 'body ends with a blank line');
  const blocks = text.slice(0, -2).split('\n\n');
  return blocks.map((block) => {
    const lines = block.split('\n');
    assert.equal(lines.length, 2, `two lines per event: ${JSON.stringify(block)}`);
    const [eventLine, dataLine] = lines as [string, string];
    assert.match(eventLine, /^event: \S+$/);
    assert.match(dataLine, /^data: \{/);
    const event = eventLine.slice('event: '.length);
    const data = JSON.parse(dataLine.slice('data: '.length)) as Record<string, any>;
    assert.equal(data['type'], event, 'event line matches the JSON type');
    return { event, data };
  });
}

async function errorBody(res: Response): Promise<Record<string, unknown>> {
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const json = (await res.json()) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type']);
  return json.error;
}

test('POST stream:true answers 200 text/event-stream with event/data framing and no [DONE]', async () => {
  await withSim({}, async (sim) => {
    sim.enqueue('Streaming over server-sent events.');
    const res = await post(sim, { model: 'gpt-5.3-codex-spark', input: 'hi', stream: true, store: false });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text();
    assert.equal(text.includes('[DONE]'), false);
    const events = parseSse(text);
    assert.equal(events[0]?.event, 'response.created');
    assert.equal(events[1]?.event, 'response.in_progress');
    assert.equal(events.at(-1)?.event, 'response.completed');
    assert.deepEqual(
      events.map((e) => e.data['sequence_number']),
      events.map((_, i) => i),
    );
    const deltaText = events
      .filter((e) => e.event === 'response.output_text.delta')
      .map((e) => e.data['delta'])
      .join('');
    assert.equal(deltaText, 'Streaming over server-sent events.');
    for (const e of events) assert.equal('stream_id' in e.data, false);
    const final = events.at(-1)?.data['response'];
    assert.equal(final.status, 'completed');
    assert.ok(final.usage.total_tokens > 0);

    assert.equal(sim.stats.httpRequests, 1);
    const [create] = sim.stats.creates;
    assert.equal(create?.transport, 'http');
    assert.equal(create?.connection, 0);
    assert.equal(create?.headers['authorization'], 'Bearer ***');
    assert.equal(create?.body['input'], 'hi');
  });
});

test('POST without stream returns a JSON Response object', async () => {
  await withSim({}, async (sim) => {
    sim.enqueue('plain json reply');
    const res = await post(sim, { model: 'gpt-5.3-codex-spark', input: 'hi' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, any>;
    assert.match(body['id'], /^resp_/);
    assert.equal(body['object'], 'response');
    assert.equal(body['status'], 'completed');
    assert.equal(body['output'][0].content[0].text, 'plain json reply');
  });
});

test('WS-only fields, previous_response_id, bad JSON and bad routes are JSON errors', async () => {
  await withSim({}, async (sim) => {
    const streamId = await post(sim, { input: 'x', stream: true, stream_id: 'lane' });
    assert.equal(streamId.status, 400);
    const e1 = await errorBody(streamId);
    assert.equal(e1['param'], 'stream_id');
    assert.equal(e1['type'], 'invalid_request_error');

    const generate = await post(sim, { input: 'x', stream: true, generate: false });
    assert.equal(generate.status, 400);
    assert.equal((await errorBody(generate))['param'], 'generate');

    const previous = await post(sim, { input: 'x', stream: true, store: false, previous_response_id: 'resp_abc' });
    assert.equal(previous.status, 400);
    const e3 = await errorBody(previous);
    assert.equal(e3['code'], 'previous_response_not_found');
    assert.equal(e3['param'], 'previous_response_id');
    assert.match(String(e3['message']), /resp_abc/);

    const badJson = await post(sim, '{"input": ');
    assert.equal(badJson.status, 400);
    await errorBody(badJson);

    const notFound = await fetch(`${sim.url}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer x' } });
    assert.equal(notFound.status, 404);
    await errorBody(notFound);

    const wrongMethod = await fetch(`${sim.url}/responses`, { headers: { authorization: 'Bearer x' } });
    assert.equal(wrongMethod.status, 405);
    await errorBody(wrongMethod);
  });
});

test('auth over HTTP matches the upgrade: missing or wrong key is 401', async () => {
  await withSim({ apiKeys: ['sk-one', 'sk-two'] }, async (sim) => {
    const missing = await post(sim, { input: 'x', stream: true }, null);
    assert.equal(missing.status, 401);
    assert.equal((await errorBody(missing))['type'], 'invalid_request_error');
    const wrong = await post(sim, { input: 'x', stream: true }, 'sk-three');
    assert.equal(wrong.status, 401);
    assert.equal((await errorBody(wrong))['code'], 'invalid_api_key');
    const ok = await post(sim, { input: 'x', stream: true }, 'sk-two');
    assert.equal(ok.status, 200);
    await ok.text();
    assert.equal(sim.stats.creates.length, 1);
  });
});

test('faults apply over HTTP: error status with Retry-After, failed, incomplete, close', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 4 });
    const limited = await post(sim, { input: 'x', stream: true });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '4');
    assert.equal((await errorBody(limited))['code'], 'rate_limit_exceeded');

    sim.inject({ kind: 'failed', code: 'server_error', afterDeltas: 1 });
    const failed = parseSse(await (await post(sim, { input: 'x', stream: true })).text());
    assert.equal(failed.at(-1)?.event, 'response.failed');
    assert.equal(failed.at(-1)?.data['response'].error.code, 'server_error');

    sim.enqueue('one two three four five six');
    const cut = parseSse(await (await post(sim, { input: 'x', stream: true, max_output_tokens: 2 })).text());
    assert.equal(cut.at(-1)?.event, 'response.incomplete');
    assert.equal(cut.filter((e) => e.event === 'response.output_text.delta').length, 2);

    sim.inject({ kind: 'close', code: 1006, afterDeltas: 1 });
    const dropped = await post(sim, { input: 'x', stream: true });
    assert.equal(dropped.status, 200);
    await assert.rejects(dropped.text());
    assert.equal(sim.stats.inFlight, 0);
  });
});
