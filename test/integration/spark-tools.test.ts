// The Spark client's patch and review wire features against spark-sim on port 0: the forced custom tool and
// its input, the plain-text fallback when the tool is refused (remembered, not counted as the retry, over
// WebSockets and HTTP), per-request model and text.format, refused models, review priority that never
// takes the last free lane, and follow-ups chained from an earlier answer. No fixed sleeps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejectsWith, setupSpark } from '../support/spark-setup.js';
import { Priority, type CustomTool, type GenerateRequest, type GenerateResult } from '../../server/spark/api.js';
import { SparkErrorCode } from '../../server/spark/errors.js';

const PATCH = '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-const a = 1;\n+const a = 2;\n*** End Patch\n';
const TOOL: CustomTool = {
  name: 'apply_patch',
  description: 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool.',
  grammar: 'start: begin_patch hunk+ end_patch\n',
  fallbackInstructions: 'Answer with the patch as plain text, from *** Begin Patch to *** End Patch.',
};
const REVIEW_MODEL = 'gpt-5.3-codex';

function req(input: string, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return { instructions: 'Edit the code.', input, maxOutputTokens: 512, priority: Priority.Edit, deadline: Date.now() + 5_000, ...extra };
}

type Item = Record<string, unknown>;
const itemsOf = (body: Record<string, unknown>): Item[] => body['input'] as Item[];

test('a request with a custom tool forces it and returns its input, call id and name; onText follows the input', async (t) => {
  const { sim, client } = await setupSpark(t, {}, {}, (s) => s.enqueue({ toolInput: PATCH }));
  const seen: string[] = [];
  const result = await client.generate(req('make a 2', { customTool: TOOL, onText: (s) => seen.push(s) }));
  assert.equal(result.toolInput, PATCH);
  assert.match(result.toolCallId ?? '', /^call_/);
  assert.equal(result.toolName, 'apply_patch');
  assert.equal(result.text, '');
  assert.equal(seen.at(-1), PATCH);
  assert.ok(seen.length > 1, 'progress while the input streams');
  const body = sim.stats.creates[0]!.body;
  assert.deepEqual(body['tools'], [
    { type: 'custom', name: 'apply_patch', description: TOOL.description, format: { type: 'grammar', syntax: 'lark', definition: TOOL.grammar } },
  ]);
  assert.deepEqual(body['tool_choice'], { type: 'custom', name: 'apply_patch' });
  assert.equal(body['instructions'], 'Edit the code.');
});

for (const transport of ['websocket', 'http'] as const) {
  test(`a refused custom tool (${transport}): sent again at once without it, remembered, and the retry is still there`, async (t) => {
    const { sim, client, logs } = await setupSpark(t, { transport }, { models: { 'gpt-5.3-codex-spark': { refuseCustomTools: true } } });
    sim.enqueue({ toolInput: PATCH });
    // Over WebSockets the tool-less attempt loses its connection once: the one network retry must still be
    // available. (A cut HTTP stream is not retried at all.)
    if (transport === 'websocket') {
      sim.enqueue({ toolInput: PATCH });
      sim.inject({ kind: 'close', code: 1006, afterDeltas: 1 });
    }
    const first = await client.generate(req('make a 2', { customTool: TOOL }));
    assert.equal(first.transport, transport);
    assert.equal(first.text, PATCH, 'the patch came back as message text');
    assert.equal(first.toolInput, undefined);
    const creates = sim.stats.creates.map((c) => c.body);
    assert.equal(creates.length, transport === 'websocket' ? 3 : 2, 'refused, (cut,) answered');
    assert.ok('tools' in creates[0]!);
    for (const body of creates.slice(1)) {
      assert.equal('tools' in body, false);
      assert.equal('tool_choice' in body, false);
      assert.equal(body['instructions'], `Edit the code.\n\n${TOOL.fallbackInstructions}`);
    }
    assert.ok(logs.some((l) => l.includes('refused the custom tool apply_patch')));

    const before = sim.stats.creates.length;
    sim.enqueue(PATCH);
    const second = await client.generate(req('make a 3', { customTool: TOOL }));
    assert.equal(second.text, PATCH);
    assert.equal(sim.stats.creates.length, before + 1, 'remembered: one create, without the tool');
    assert.equal('tools' in sim.stats.creates[before]!.body, false);

    // Another model is not affected.
    sim.enqueue({ toolInput: PATCH });
    const other = await client.generate(req('make a 4', { customTool: TOOL, model: 'gpt-5.3-codex' }));
    assert.equal(other.toolInput, PATCH);
    assert.ok('tools' in sim.stats.creates[before + 1]!.body);
  });
}

test('per-request model, reasoning effort and json_schema text.format', async (t) => {
  const { sim, client } = await setupSpark(t, { reasoningEffort: 'low' });
  const finding = {
    title: '[P2] Off by one',
    body: 'The loop skips the last element.',
    confidence_score: 0.7,
    priority: 2,
    code_location: { absolute_file_path: '/repo/src/a.ts', line_range: { start: 4, end: 5 } },
  };
  sim.setReviewer((r) => (r.model === REVIEW_MODEL ? [finding] : undefined));
  const format = { type: 'json_schema' as const, name: 'review', strict: true, schema: { type: 'object', properties: {}, required: [], additionalProperties: false } };
  const result = await client.generate(req('review /repo/src/a.ts', { model: REVIEW_MODEL, reasoningEffort: 'medium', textFormat: format, priority: Priority.Review }));
  assert.deepEqual((JSON.parse(result.text) as { findings: unknown[] }).findings, [finding]);
  const body = sim.stats.creates[0]!.body;
  assert.equal(body['model'], REVIEW_MODEL);
  assert.deepEqual(body['reasoning'], { effort: 'medium' });
  assert.deepEqual(body['text'], { format });
  await client.generate(req('plain'));
  const plain = sim.stats.creates[1]!.body;
  assert.equal(plain['model'], 'gpt-5.3-codex-spark');
  assert.deepEqual(plain['reasoning'], { effort: 'low' });
  assert.deepEqual(plain['text'], { format: { type: 'text' } });
});

test('a refused model is SPARK_ERR_MODEL_REFUSED naming the model (400 and 403, WebSocket and HTTP); the pool keeps serving', async (t) => {
  const { sim, client, statuses } = await setupSpark(t, {}, { models: { 'gpt-9': { refuse: 'not-found' }, [REVIEW_MODEL]: { refuse: 'no-access' } } });
  const unknown = await rejectsWith(client.generate(req('x', { model: 'gpt-9' })), SparkErrorCode.ModelRefused);
  assert.match(unknown.message, /'gpt-9'/);
  const denied = await rejectsWith(client.generate(req('x', { model: REVIEW_MODEL })), SparkErrorCode.ModelRefused);
  assert.match(denied.message, /gpt-5\.3-codex/);
  assert.equal(sim.stats.creates.length, 2, 'not retried');
  assert.equal((await client.generate(req('still fine'))).status, 'completed');

  const http = await setupSpark(t, { transport: 'http' }, { models: { [REVIEW_MODEL]: { refuse: 'no-access' } } });
  const overHttp = await rejectsWith(http.client.generate(req('x', { model: REVIEW_MODEL })), SparkErrorCode.ModelRefused);
  assert.match(overHttp.message, /gpt-5\.3-codex/);
  assert.equal((await http.client.generate(req('still fine'))).status, 'completed');
  assert.equal([...statuses, ...http.statuses].some((s) => s.kind === 'auth-failed'), false, 'a refused model is not a refused key');
});

test('reviews never take the last free lane: a completion goes straight past queued reviews', async (t) => {
  const { sim, client } = await setupSpark(t, { poolSize: 1, lanesPerConnection: 2 });
  await client.ready();
  // The first review holds one lane (it stalls until the socket goes).
  sim.inject({ kind: 'stall', afterDeltas: 1 });
  const review = (n: number) => client.generate(req(`review ${n}`, { priority: Priority.Review, model: REVIEW_MODEL, deadline: Date.now() + 60_000 }));
  const first = review(1);
  first.catch(() => undefined);
  await sim.waitForCreates(1);
  const second = review(2);
  second.catch(() => undefined);
  assert.equal(client.stats().queued, 1, 'the second review waits although a lane is free');

  const completion = await client.generate(req('complete me', { priority: Priority.Interactive }));
  assert.equal(completion.status, 'completed');
  assert.deepEqual(
    sim.stats.creates.map((c) => itemsOf(c.body)[0]?.['content']),
    [[{ type: 'input_text', text: 'review 1' }], [{ type: 'input_text', text: 'complete me' }]],
  );
  assert.equal(client.stats().queued, 1, 'still waiting: starting it would leave no lane free');
  assert.equal(client.stats().inFlight, 1);
});

test('a review starts when it leaves a lane free, and in a one-lane pool when the pool is idle', async (t) => {
  const wide = await setupSpark(t, { poolSize: 2, lanesPerConnection: 1 });
  await wide.client.ready();
  const results = await Promise.all([1, 2].map((n) => wide.client.generate(req(`review ${n}`, { priority: Priority.Review }))));
  assert.deepEqual(results.map((r) => r.status), ['completed', 'completed']);

  const narrow = await setupSpark(t, { poolSize: 1, lanesPerConnection: 1 });
  assert.equal((await narrow.client.generate(req('lonely review', { priority: Priority.Review }))).status, 'completed');
});

test('a cancelled waiting review never goes upstream', async (t) => {
  const { sim, client } = await setupSpark(t, { poolSize: 1, lanesPerConnection: 1 });
  sim.inject({ kind: 'stall', afterDeltas: 1 });
  const busy = client.generate(req('busy', { deadline: Date.now() + 60_000 }));
  busy.catch(() => undefined);
  await sim.waitForCreates(1);
  const ctrl = new AbortController();
  const waiting = client.generate(req('review', { priority: Priority.Review, signal: ctrl.signal }));
  assert.equal(client.stats().queued, 1);
  ctrl.abort();
  await rejectsWith(waiting, SparkErrorCode.Cancelled);
  assert.equal(client.stats().queued, 0);
  assert.equal(sim.stats.creates.length, 1);
});

const FEEDBACK = 'Failed to find expected lines in src/a.ts:\nconst a = 1;';

test('continueFrom after a tool call: chained on the same lane with a custom_tool_call_output', async (t) => {
  const { sim, client } = await setupSpark(t, { poolSize: 1, lanesPerConnection: 4 });
  // A slow answer holds l0 while the first attempt runs, so that attempt runs on l1; by the follow-up both are free.
  sim.enqueue({ text: 'slow', firstTokenMs: 1_000 }, { toolInput: PATCH }, { toolInput: PATCH.replace('2', '3') });
  const slow = client.generate(req('slow one'));
  await sim.waitForCreates(1);
  const first = await client.generate(req('make a 2', { customTool: TOOL }));
  await slow;
  const second = await client.generate(req(FEEDBACK, { customTool: TOOL, continueFrom: { previous: first, previousInput: 'make a 2' } }));
  assert.equal(second.toolInput, PATCH.replace('2', '3'));
  const [held, a, b] = sim.stats.creates.map((c) => c.body);
  assert.equal(held!['stream_id'], 'l0');
  assert.equal(a!['stream_id'], 'l1');
  assert.equal(b!['previous_response_id'], first.responseId);
  assert.equal(b!['stream_id'], 'l1', 'the parent\'s lane, though l0 is free');
  assert.deepEqual(itemsOf(b!), [{ type: 'custom_tool_call_output', call_id: first.toolCallId, output: FEEDBACK }]);
  assert.equal(b!['instructions'], 'Edit the code.', 'instructions are sent again');
  assert.ok('tools' in b!);
});

test('continueFrom when the parent is gone: one retry with the whole conversation', async (t) => {
  const { sim, client, statuses } = await setupSpark(t, { poolSize: 1, lanesPerConnection: 1 });
  sim.enqueue({ toolInput: PATCH }, 'something else', { toolInput: PATCH });
  const first = await client.generate(req('make a 2', { customTool: TOOL }));
  await client.generate(req('another request takes the lane'));
  const second = await client.generate(req(FEEDBACK, { customTool: TOOL, continueFrom: { previous: first, previousInput: 'make a 2' } }));
  assert.equal(second.toolInput, PATCH);
  const bodies = sim.stats.creates.map((c) => c.body);
  assert.equal(bodies.length, 4);
  assert.equal(bodies[2]!['previous_response_id'], first.responseId, 'tried chained first');
  assert.equal('previous_response_id' in bodies[3]!, false);
  assert.deepEqual(itemsOf(bodies[3]!), [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'make a 2' }] },
    { type: 'custom_tool_call', call_id: first.toolCallId, name: 'apply_patch', input: PATCH },
    { type: 'custom_tool_call_output', call_id: first.toolCallId, output: FEEDBACK },
  ]);
  assert.deepEqual(statuses, [{ kind: 'ready', transport: 'websocket' }]);
});

test('continueFrom after a plain-text answer, and over HTTP: a user message, and the whole conversation', async (t) => {
  const { sim, client } = await setupSpark(t, {}, { models: { 'gpt-5.3-codex-spark': { refuseCustomTools: true } } });
  sim.enqueue(PATCH, PATCH);
  const first = await client.generate(req('make a 2', { customTool: TOOL }));
  assert.equal(first.toolCallId, undefined);
  await client.generate(req(FEEDBACK, { customTool: TOOL, continueFrom: { previous: first, previousInput: 'make a 2' } }));
  const chained = sim.stats.creates.at(-1)!.body;
  assert.equal(chained['previous_response_id'], first.responseId);
  assert.deepEqual(itemsOf(chained), [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: FEEDBACK }] }]);
  assert.equal('tools' in chained, false, 'the refusal is remembered for follow-ups too');

  const http = await setupSpark(t, { transport: 'http' });
  http.sim.enqueue({ toolInput: PATCH }, { toolInput: PATCH });
  const one: GenerateResult = await http.client.generate(req('make a 2', { customTool: TOOL }));
  const two = await http.client.generate(req(FEEDBACK, { customTool: TOOL, continueFrom: { previous: one, previousInput: 'make a 2' } }));
  assert.equal(two.transport, 'http');
  const body = http.sim.stats.creates[1]!.body;
  assert.equal('previous_response_id' in body, false);
  assert.deepEqual(
    itemsOf(body).map((i) => i['type']),
    ['message', 'custom_tool_call', 'custom_tool_call_output'],
  );
});

test('close() lets a waiting review run before the sockets close', async (t) => {
  const { sim, client } = await setupSpark(t, { poolSize: 1, lanesPerConnection: 2 });
  sim.enqueue({ text: 'busy for a while', firstTokenMs: 300 }, { text: 'review done', firstTokenMs: 100 });
  const busy = client.generate(req('busy'));
  await sim.waitForCreates(1);
  const review = client.generate(req('review', { priority: Priority.Review }));
  assert.equal(client.stats().queued, 1, 'the review waits: one lane is free but it is the last');
  const closed = client.close();
  assert.equal((await busy).text, 'busy for a while');
  assert.equal((await review).text, 'review done');
  await closed;
  assert.equal(sim.stats.creates.length, 2);
});
