// spark-sim's tool and structured-output surface with a raw `ws` client and fetch: custom tool calls
// (spec 12.2), tool outputs answering a call, custom tools refused per model, json_schema answers and the
// reviewer hook (spec 12.3), per-model speed and refused models.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, scriptedReviewer, type SimOptions, type SparkSim } from '../../server/sim/index.js';
import { RawClient, type Ev } from '../support/sim-client.js';

async function withSim(options: SimOptions, body: (sim: SparkSim) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  try {
    await body(sim);
  } finally {
    await sim.close();
  }
}

const PATCH = '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-const a = 1;\n+const a = 2;\n*** End Patch\n';
const GRAMMAR = 'start: begin_patch hunk+ end_patch\n';
const patchTool = (name = 'apply_patch') => ({
  tools: [{ type: 'custom', name, description: 'Edit files with a patch.', format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR } }],
  tool_choice: { type: 'custom', name },
});

const item = (e: Ev | undefined): Record<string, any> => {
  assert.ok(e, 'event expected');
  return e['item'] as Record<string, any>;
};
const responseOf = (e: Ev | undefined): Record<string, any> => {
  assert.ok(e, 'event expected');
  return e['response'] as Record<string, any>;
};
const errorOf = (e: Ev | undefined): Record<string, any> => {
  assert.equal(e?.type, 'error', JSON.stringify(e));
  return e['error'] as Record<string, any>;
};

function post(sim: SparkSim, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sim.url}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-5.3-codex-spark', store: false, ...body }),
  });
}

test('a tool reply to a request declaring the tool streams as a custom_tool_call (spec 12.2)', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue({ toolInput: PATCH });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'l0', input: 'fix a', ...patchTool() });
    const events = await client.nextResponse('l0');
    const types = events.map((e) => e.type);
    const deltas = events.filter((e) => e.type === 'response.custom_tool_call_input.delta');
    assert.ok(deltas.length >= 5, `the input streams in pieces (${deltas.length})`);
    assert.deepEqual(types, [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      ...deltas.map(() => 'response.custom_tool_call_input.delta'),
      'response.custom_tool_call_input.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const e of events) assert.equal(e['stream_id'], 'l0');
    assert.deepEqual(
      events.map((e) => e['sequence_number']),
      events.map((_, i) => i),
    );
    const added = item(events[2]);
    assert.equal(added['type'], 'custom_tool_call');
    assert.equal(added['status'], 'in_progress');
    assert.equal(added['name'], 'apply_patch');
    assert.equal(added['input'], '');
    assert.match(added['id'], /^ctc_/);
    assert.match(added['call_id'], /^call_/);
    for (const d of deltas) {
      assert.equal(d['item_id'], added['id']);
      assert.equal(d['output_index'], 0);
      assert.equal('content_index' in d, false);
    }
    assert.equal(deltas.map((d) => d['delta']).join(''), PATCH);
    const inputDone = events.at(-3) as Ev;
    assert.equal(inputDone['item_id'], added['id']);
    assert.equal(inputDone['input'], PATCH);
    const done = item(events.at(-2));
    assert.deepEqual(done, { id: added['id'], type: 'custom_tool_call', status: 'completed', call_id: added['call_id'], name: 'apply_patch', input: PATCH });
    const completed = responseOf(events.at(-1));
    assert.deepEqual(completed['output'], [done]);
    assert.equal(completed['usage'].output_tokens, deltas.length);
    assert.deepEqual(completed['tool_choice'], { type: 'custom', name: 'apply_patch' });
    assert.equal(completed['tools'][0].format.syntax, 'lark');
    client.close();
  });
});

test('a tool reply to a request without the tool is message text; toolName picks among declared tools', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue({ toolInput: PATCH }, { toolInput: 'second', toolName: 'other' });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'a', input: 'no tools' });
    const plain = await client.nextResponse('a');
    const out = responseOf(plain.at(-1))['output'] as Record<string, any>[];
    assert.equal(out.length, 1);
    assert.equal(out[0]?.['type'], 'message');
    assert.equal(out[0]?.['content'][0].text, PATCH);
    assert.equal(plain.some((e) => e.type.startsWith('response.custom_tool_call')), false);

    // `other` is not declared: text again.
    client.create({ stream_id: 'b', input: 'x', ...patchTool() });
    const undeclared = await client.nextResponse('b');
    assert.equal((responseOf(undeclared.at(-1))['output'] as Record<string, any>[])[0]?.['type'], 'message');
    client.close();
  });
});

test('a sparse tool call: no scaffolding, no terminal output, the input still in deltas and the done item', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue({ toolInput: PATCH });
    sim.inject({ kind: 'sparse' });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 's', ...patchTool() });
    const events = await client.nextResponse('s');
    const types = events.map((e) => e.type);
    assert.equal(types.includes('response.output_item.added'), false);
    assert.equal(types.includes('response.custom_tool_call_input.done'), false);
    assert.equal(events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e['delta']).join(''), PATCH);
    assert.equal(item(events.find((e) => e.type === 'response.output_item.done'))['input'], PATCH);
    assert.equal('output' in responseOf(events.at(-1)), false);
    client.close();
  });
});

test('custom_tool_call_output must answer a call of the conversation: chained, or carried in the input', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.enqueue({ toolInput: PATCH }, { toolInput: PATCH });
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'l0', input: 'fix a', ...patchTool() });
    const first = await client.nextResponse('l0');
    const call = item(first.at(-2));
    const firstId = responseOf(first.at(-1))['id'] as string;

    // A wrong call_id is refused (and evicts the same-lane parent, as any failed continuation does).
    client.create({ stream_id: 'l0', previous_response_id: firstId, input: [{ type: 'custom_tool_call_output', call_id: 'call_unknown', output: 'x' }], ...patchTool() });
    const wrong = errorOf((await client.nextResponse('l0'))[0]);
    assert.equal(wrong['param'], 'input');
    assert.match(wrong['message'], /call_unknown/);

    client.create({ stream_id: 'l1', input: 'fix a again', ...patchTool() });
    const again = await client.nextResponse('l1');
    const call2 = item(again.at(-2));
    const againId = responseOf(again.at(-1))['id'] as string;
    const feedback = 'Failed to find expected lines in src/a.ts:\nconst a = 1;';
    client.create({ stream_id: 'l1', previous_response_id: againId, input: [{ type: 'custom_tool_call_output', call_id: call2['call_id'], output: feedback }], ...patchTool() });
    const chained = await client.nextResponse('l1');
    assert.equal(chained.at(-1)?.type, 'response.completed');
    assert.equal(sim.stats.creates.at(-1)?.body['previous_response_id'], againId);

    // Over HTTP the whole conversation is in the input.
    const conversation = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix a' }] },
      { type: 'custom_tool_call', call_id: call['call_id'], name: 'apply_patch', input: PATCH },
      { type: 'custom_tool_call_output', call_id: call['call_id'], output: feedback },
    ];
    const ok = await post(sim, { input: conversation, ...patchTool() });
    assert.equal(ok.status, 200);
    const orphan = await post(sim, { input: [conversation[0], conversation[2]] });
    assert.equal(orphan.status, 400);
    const body = (await orphan.json()) as { error: Record<string, unknown> };
    assert.equal(body.error['param'], 'input');
    client.close();
  });
});

test('custom tools refused for one model: 400 invalid_request_error, param tools, on both transports', async () => {
  await withSim({ tokensPerSecond: 0, models: { 'gpt-5.3-codex-spark': { refuseCustomTools: true } } }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'l0', ...patchTool() });
    const [err] = await client.nextResponse('l0');
    assert.equal(err?.['status'], 400);
    const error = errorOf(err);
    assert.equal(error['type'], 'invalid_request_error');
    assert.equal(error['param'], 'tools');
    assert.match(error['message'], /gpt-5\.3-codex-spark/);
    // Without tools, or with another model, the request is answered.
    client.create({ stream_id: 'l0' });
    assert.equal((await client.nextResponse('l0')).at(-1)?.type, 'response.completed');
    client.create({ stream_id: 'l1', model: 'gpt-5.3-codex', ...patchTool() });
    assert.equal((await client.nextResponse('l1')).at(-1)?.type, 'response.completed');
    const res = await post(sim, { input: 'x', stream: true, ...patchTool() });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: Record<string, unknown> }).error['param'], 'tools');
    client.close();
  });
});

test('malformed tool declarations are refused: no grammar definition, tool_choice naming no declared tool', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'a', tools: [{ type: 'custom', name: 'apply_patch', format: { type: 'grammar', syntax: 'lark' } }] });
    assert.equal(errorOf((await client.nextResponse('a'))[0])['param'], 'tools[0].format');
    client.create({ stream_id: 'b', tools: [], tool_choice: { type: 'custom', name: 'apply_patch' } });
    assert.equal(errorOf((await client.nextResponse('b'))[0])['param'], 'tool_choice');
    client.close();
  });
});

const REVIEW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['findings', 'overall_correctness', 'overall_explanation', 'overall_confidence_score'],
  properties: {
    findings: { type: 'array', items: { type: 'object' } },
    overall_correctness: { type: 'string', enum: ['patch is correct', 'patch is incorrect'] },
    overall_explanation: { type: 'string' },
    overall_confidence_score: { type: 'number' },
  },
};
const reviewFormat = { text: { format: { type: 'json_schema', name: 'review', strict: true, schema: REVIEW_SCHEMA } } };

test('json_schema: a scripted review per file, a json reply, and a minimal document when nothing is scripted', async () => {
  await withSim({ tokensPerSecond: 0 }, async (sim) => {
    sim.setReviewer(
      scriptedReviewer({
        files: {
          'src/stats.ts': [{ title: '[P1] Division by zero when values is empty', body: 'mean() divides by values.length.', line_range: { start: 3, end: 4 } }],
          'src/other.ts': [{ title: 'never named', line_range: { start: 1, end: 1 } }],
        },
      }),
    );
    sim.enqueue('plain text for a completion');
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'r', model: 'gpt-5.3-codex', input: 'Review the change to /work/proj/src/stats.ts:\n--- a/src/stats.ts\n+++ b/src/stats.ts', ...reviewFormat });
    const events = await client.nextResponse('r');
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e['delta']).join('');
    const review = JSON.parse(text) as Record<string, any>;
    assert.deepEqual(review, {
      findings: [
        {
          title: '[P1] Division by zero when values is empty',
          body: 'mean() divides by values.length.',
          confidence_score: 0.8,
          priority: 1,
          code_location: { absolute_file_path: '/work/proj/src/stats.ts', line_range: { start: 3, end: 4 } },
        },
      ],
      overall_correctness: 'patch is incorrect',
      overall_explanation: 'spark-sim: 1 scripted finding(s).',
      overall_confidence_score: 0.8,
    });
    assert.deepEqual(responseOf(events.at(-1))['text'].format.type, 'json_schema');
    // The reviewer did not take the queued reply meant for a plain request.
    client.create({ stream_id: 'c' });
    const plain = await client.nextResponse('c');
    assert.equal((responseOf(plain.at(-1))['output'] as Record<string, any>[])[0]?.['content'][0].text, 'plain text for a completion');

    sim.setReviewer(undefined);
    sim.enqueue({ json: { findings: [], overall_correctness: 'patch is correct', overall_explanation: 'ok', overall_confidence_score: 1 } });
    client.create({ stream_id: 'r', ...reviewFormat });
    const scripted = await client.nextResponse('r');
    assert.equal(JSON.parse((responseOf(scripted.at(-1))['output'] as Record<string, any>[])[0]?.['content'][0].text).overall_explanation, 'ok');

    client.create({ stream_id: 'r', ...reviewFormat });
    const minimal = await client.nextResponse('r');
    assert.deepEqual(JSON.parse((responseOf(minimal.at(-1))['output'] as Record<string, any>[])[0]?.['content'][0].text), {
      findings: [],
      overall_correctness: 'patch is correct',
      overall_explanation: 'spark-sim',
      overall_confidence_score: 0,
    });

    client.create({ stream_id: 'r', text: { format: { type: 'json_schema', schema: REVIEW_SCHEMA } } });
    assert.equal(errorOf((await client.nextResponse('r'))[0])['param'], 'text.format.name');
    client.close();
  });
});

test('per-model speed: only the slow model arms pacing and first-token timers', async () => {
  await withSim({ tokensPerSecond: 0, models: { 'gpt-5.3-codex': { tokensPerSecond: 500, firstTokenMs: 5 } } }, async (sim) => {
    const client = await RawClient.open(sim);
    const before = sim.stats.timersStarted;
    client.create({ stream_id: 'fast', input: 'x' });
    await client.nextResponse('fast');
    assert.equal(sim.stats.timersStarted, before, 'the default model is instant: no timer');
    client.create({ stream_id: 'slow', model: 'gpt-5.3-codex', input: 'x' });
    const slow = await client.nextResponse('slow');
    assert.equal(slow.at(-1)?.type, 'response.completed');
    assert.ok(sim.stats.timersStarted > before + 1, 'the review model waited for its first token and was paced');
    sim.configure({ models: { 'gpt-5.3-codex': {} } });
    const after = sim.stats.timersStarted;
    client.create({ stream_id: 'slow', model: 'gpt-5.3-codex', input: 'x' });
    await client.nextResponse('slow');
    assert.equal(sim.stats.timersStarted, after, 'configure replaced the model knobs');
    client.close();
  });
});

test('refused models: 400 model_not_found for an unknown model, 403 for a model the key may not use', async () => {
  await withSim({ tokensPerSecond: 0, models: { 'gpt-9': { refuse: 'not-found' }, 'gpt-5.3-codex': { refuse: 'no-access' } } }, async (sim) => {
    const client = await RawClient.open(sim);
    client.create({ stream_id: 'a', model: 'gpt-9' });
    const [unknown] = await client.nextResponse('a');
    assert.equal(unknown?.['status'], 400);
    assert.deepEqual(errorOf(unknown), { type: 'invalid_request_error', code: 'model_not_found', message: "The requested model 'gpt-9' does not exist.", param: 'model' });
    client.create({ stream_id: 'b', model: 'gpt-5.3-codex' });
    const [denied] = await client.nextResponse('b');
    assert.equal(denied?.['status'], 403);
    assert.equal(errorOf(denied)['code'], 'model_not_found');
    assert.match(errorOf(denied)['message'], /gpt-5\.3-codex/);
    client.create({ stream_id: 'a' });
    assert.equal((await client.nextResponse('a')).at(-1)?.type, 'response.completed');
    const res = await post(sim, { model: 'gpt-5.3-codex', input: 'x', stream: true });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: Record<string, unknown> }).error['code'], 'model_not_found');
    client.close();
  });
});
