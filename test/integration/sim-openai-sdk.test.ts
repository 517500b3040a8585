// Fidelity of spark-sim against the official `openai` SDK (7.x): ResponsesWS with the
// ResponsesWebSocketSession lane helper, and the SDK's HTTP streaming against the SSE endpoint.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { WebSocketError } from 'openai/resources/responses/internal-base';
import { ResponsesWebSocketSession } from 'openai/lib/responses/responses-websocket-session';
import { startSim, type SimOptions, type SparkSim } from '../../server/sim/index.js';

const MODEL = 'gpt-5.3-codex-spark';

interface Harness {
  sim: SparkSim;
  client: OpenAI;
  ws: ResponsesWS;
  session: ResponsesWebSocketSession;
  socketErrors: unknown[];
}

async function withSdk(options: SimOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const sim = await startSim(options);
  const client = new OpenAI({ apiKey: 'sk-sdk-test', baseURL: sim.url, maxRetries: 0 });
  const ws = new ResponsesWS(client);
  const socketErrors: unknown[] = [];
  ws.on('error', (error) => socketErrors.push(error));
  try {
    await once(ws.socket.platformSocket, 'open');
    const session = new ResponsesWebSocketSession(ws, {
      maxLanes: 8,
      maxBufferedEvents: 10_000,
      maxBufferedBytes: 8 << 20,
    });
    try {
      await body({ sim, client, ws, session, socketErrors });
    } finally {
      session.close();
    }
  } finally {
    ws.close();
    await sim.close();
  }
}

test('SDK default lane: create + finalResponse', async () => {
  await withSdk({}, async ({ sim, session }) => {
    sim.enqueue('Default lane reply from the sim.');
    const lane = session.lane();
    lane.create({ model: MODEL, input: 'hello', store: false });
    const response = await lane.finalResponse();
    assert.equal(response.status, 'completed');
    assert.equal(response.output_text, 'Default lane reply from the sim.');
    assert.match(response.id, /^resp_/);
    assert.ok((response.usage?.output_tokens ?? 0) > 0);
    const [create] = sim.stats.creates;
    assert.equal(create?.headers['authorization'], 'Bearer ***');
    assert.equal('stream_id' in (create?.body ?? {}), false);
  });
});

test('SDK two named lanes at once', async () => {
  await withSdk({ tokensPerSecond: 300 }, async ({ sim, session }) => {
    sim.setResponder((req) => `lane ${req.streamId ?? 'default'} answers ${req.inputText} with a few more tokens to interleave`);
    const a = session.lane('lsp-a');
    const b = session.lane('lsp-b');
    a.create({ model: MODEL, input: 'alpha', store: false });
    b.create({ model: MODEL, input: 'beta', store: false });
    const [ra, rb] = await Promise.all([a.finalResponse(), b.finalResponse()]);
    assert.equal(ra.output_text, 'lane lsp-a answers alpha with a few more tokens to interleave');
    assert.equal(rb.output_text, 'lane lsp-b answers beta with a few more tokens to interleave');
    assert.notEqual(ra.id, rb.id);
    assert.deepEqual(
      sim.stats.creates.map((c) => c.body['stream_id']),
      ['lsp-a', 'lsp-b'],
    );
  });
});

test('SDK warm-up (generate:false) then a chained continuation', async () => {
  await withSdk({}, async ({ sim, session }) => {
    const lane = session.lane('warm');
    lane.create({
      model: MODEL,
      store: false,
      generate: false,
      instructions: 'You complete code for a language server.',
      input: [{ role: 'developer', content: 'Workspace: TypeScript, strict mode.' }],
    });
    const warm = await lane.finalResponse();
    assert.equal(warm.status, 'completed');
    assert.deepEqual(warm.output, []);
    assert.equal(warm.output_text, '');

    sim.enqueue('const x = 1;');
    lane.create({ model: MODEL, store: false, previous_response_id: warm.id, input: 'complete: const x =' });
    const turn = await lane.finalResponse();
    assert.equal(turn.output_text, 'const x = 1;');
    assert.equal(turn.previous_response_id, warm.id);
    assert.ok((turn.usage?.input_tokens_details.cached_tokens ?? 0) > 0);
  });
});

test('SDK surfaces previous_response_not_found as a WebSocketError', async () => {
  await withSdk({}, async ({ session }) => {
    const lane = session.lane('miss');
    lane.create({ model: MODEL, store: false, previous_response_id: 'resp_not_cached', input: 'x' });
    const error = await lane.finalResponse().then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WebSocketError);
    const event = error.error as { status?: number; stream_id?: string; error?: { code?: string; param?: string } } | undefined;
    assert.equal(event?.status, 400);
    assert.equal(event?.stream_id, 'miss');
    assert.equal(event?.error?.code, 'previous_response_not_found');
    assert.equal(event?.error?.param, 'previous_response_id');

    // The lane stays usable after a request-scoped error.
    lane.create({ model: MODEL, store: false, input: 'full context again' });
    assert.equal((await lane.finalResponse()).status, 'completed');
  });
});

test('SDK HTTP streaming against the SSE endpoint, plus non-streaming and an HTTP error', async () => {
  await withSdk({}, async ({ sim, client }) => {
    sim.enqueue('Fallback over HTTP works.', 'Non-streamed answer.');
    const stream = await client.responses.create({ model: MODEL, input: 'fallback please', stream: true, store: false });
    const seen: string[] = [];
    let text = '';
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') final = event.response;
    }
    assert.equal(seen[0], 'response.created');
    assert.equal(seen.at(-1), 'response.completed');
    assert.equal(text, 'Fallback over HTTP works.');
    assert.equal(final?.status, 'completed');

    const plain = await client.responses.create({ model: MODEL, input: 'no stream', store: false });
    assert.equal(plain.output_text, 'Non-streamed answer.');

    await assert.rejects(
      client.responses.create({ model: MODEL, input: 'x', stream: true, store: false, previous_response_id: 'resp_ws_only' }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'previous_response_not_found');
        return true;
      },
    );
    assert.deepEqual(
      sim.stats.creates.map((c) => c.transport),
      ['http', 'http', 'http'],
    );
  });
});

const PATCH = '*** Begin Patch\n*** Add File: test/stats.test.ts\n+import { mean } from "../src/stats";\n*** End Patch\n';
const patchTool = {
  tools: [
    {
      type: 'custom' as const,
      name: 'apply_patch',
      description: 'Use the `apply_patch` tool to edit files.',
      format: { type: 'grammar' as const, syntax: 'lark' as const, definition: 'start: begin_patch hunk+ end_patch\n' },
    },
  ],
  tool_choice: { type: 'custom' as const, name: 'apply_patch' },
};

test('SDK lane: a custom tool call streams and lands in the final response, also from a sparse stream', async () => {
  await withSdk({ tokensPerSecond: 0 }, async ({ sim, session }) => {
    sim.enqueue({ toolInput: PATCH }, { toolInput: PATCH });
    const lane = session.lane('patch');
    lane.create({ model: MODEL, input: 'write a test', store: false, ...patchTool });
    const response = await lane.finalResponse();
    assert.equal(response.status, 'completed');
    const call = response.output.find((item) => item.type === 'custom_tool_call');
    assert.ok(call && call.type === 'custom_tool_call');
    assert.equal(call.name, 'apply_patch');
    assert.equal(call.input, PATCH);
    assert.match(call.call_id, /^call_/);
    assert.equal(response.output_text, '');

    sim.inject({ kind: 'sparse' });
    lane.create({ model: MODEL, input: 'again', store: false, ...patchTool });
    const sparse = await lane.finalResponse();
    const rebuilt = sparse.output.find((item) => item.type === 'custom_tool_call');
    assert.ok(rebuilt && rebuilt.type === 'custom_tool_call');
    assert.equal(rebuilt.input, PATCH);

    // The tool output answers the call on the same lane.
    lane.create({
      model: MODEL,
      store: false,
      previous_response_id: sparse.id,
      input: [{ type: 'custom_tool_call_output', call_id: rebuilt.call_id, output: 'Done!' }],
      ...patchTool,
    });
    assert.equal((await lane.finalResponse()).status, 'completed');
  });
});

test('SDK HTTP stream: custom_tool_call_input events are typed and the completed response carries the call', async () => {
  await withSdk({ tokensPerSecond: 0 }, async ({ sim, client }) => {
    sim.enqueue({ toolInput: PATCH });
    const stream = await client.responses.create({ model: MODEL, input: 'write a test', stream: true, store: false, ...patchTool });
    let input = '';
    let done: string | undefined;
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.custom_tool_call_input.delta') input += event.delta;
      if (event.type === 'response.custom_tool_call_input.done') done = event.input;
      if (event.type === 'response.completed') final = event.response;
    }
    assert.equal(input, PATCH);
    assert.equal(done, PATCH);
    const call = final?.output[0];
    assert.ok(call?.type === 'custom_tool_call');
    assert.equal(call.input, PATCH);
  });
});

test('SDK parse: a json_schema answer from the reviewer hook is parsed into output_parsed', async () => {
  await withSdk({ tokensPerSecond: 0 }, async ({ sim, client }) => {
    const finding = {
      title: '[P1] Division by zero when values is empty',
      body: 'mean([]) divides by zero.',
      confidence_score: 0.9,
      priority: 1,
      code_location: { absolute_file_path: '/repo/src/stats.ts', line_range: { start: 2, end: 2 } },
    };
    sim.setReviewer((request) => (request.model === 'gpt-5.3-codex' ? [finding] : undefined));
    const parsed = await client.responses.parse({
      model: 'gpt-5.3-codex',
      input: 'review /repo/src/stats.ts',
      store: false,
      text: {
        format: {
          type: 'json_schema',
          name: 'review',
          strict: true,
          schema: { type: 'object', properties: { findings: { type: 'array' } }, required: ['findings'], additionalProperties: false },
        },
      },
    });
    const review = parsed.output_parsed as { findings: unknown[]; overall_correctness: string } | null;
    assert.deepEqual(review?.findings, [finding]);
    assert.equal(review?.overall_correctness, 'patch is incorrect');
  });
});
