// Table tests for the response accumulator's tool calls (full and sparse streams, which source wins) and for
// the error classifications the client acts on: a refused custom tool, a refused model.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerEvent, type ServerEvent } from '../../server/spark/events.js';
import { ResponseAccumulator, isToolRefusal, refineModelRefusal, upstreamError, type Step } from '../../server/spark/response-stream.js';
import { SparkError, SparkErrorCode } from '../../server/spark/errors.js';

const ev = (e: Record<string, unknown>): ServerEvent => {
  const parsed = parseServerEvent(JSON.stringify(e));
  assert.equal(parsed.kind, 'event', JSON.stringify(parsed));
  return (parsed as { event: ServerEvent }).event;
};
const call = (input: string | undefined, id = 'ctc_1', callId = 'call_1') => ({
  id,
  type: 'custom_tool_call',
  status: 'completed',
  call_id: callId,
  name: 'apply_patch',
  ...(input === undefined ? {} : { input }),
});
const added = (id = 'ctc_1', callId = 'call_1') => ({ type: 'response.output_item.added', output_index: 0, item: { ...call('', id, callId), status: 'in_progress' } });
const delta = (d: string, item_id?: string) => ({ type: 'response.custom_tool_call_input.delta', output_index: 0, delta: d, ...(item_id === undefined ? {} : { item_id }) });
const inputDone = (input: string, item_id = 'ctc_1') => ({ type: 'response.custom_tool_call_input.done', item_id, output_index: 0, input });
const itemDone = (item: Record<string, unknown>) => ({ type: 'response.output_item.done', output_index: 0, item });
const completed = (output?: unknown[]) => ({ type: 'response.completed', response: { id: 'resp_1', status: 'completed', ...(output === undefined ? {} : { output }) } });
const message = (text: string) => ({ id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });

function run(events: Record<string, unknown>[]): { steps: Step[]; done: Extract<Step, { kind: 'done' }> } {
  const acc = new ResponseAccumulator();
  const steps = events.map((e) => acc.feed(ev(e)));
  const last = steps.at(-1);
  assert.equal(last?.kind, 'done');
  return { steps, done: last as Extract<Step, { kind: 'done' }> };
}

type Want = { toolInput?: string; toolCallId?: string; toolName?: string; text: string };
const table: [string, Record<string, unknown>[], Want][] = [
  [
    'full stream',
    [added(), delta('*** Begin', 'ctc_1'), delta(' Patch\n', 'ctc_1'), inputDone('*** Begin Patch\n'), itemDone(call('*** Begin Patch\n')), completed([call('*** Begin Patch\n')])],
    { toolInput: '*** Begin Patch\n', toolCallId: 'call_1', toolName: 'apply_patch', text: '' },
  ],
  ['the terminal output wins', [delta('a'), itemDone(call('b')), completed([call('c')])], { toolInput: 'c', toolCallId: 'call_1', toolName: 'apply_patch', text: '' }],
  ['then the done item', [delta('a'), inputDone('b', 'ctc_1'), itemDone(call('c')), completed()], { toolInput: 'c', toolCallId: 'call_1', toolName: 'apply_patch', text: '' }],
  ['then input.done', [added(), delta('a', 'ctc_1'), inputDone('b'), completed()], { toolInput: 'b', text: '' }],
  ['sparse: deltas only, without item ids', [delta('*** Begin '), delta('Patch\n'), completed()], { toolInput: '*** Begin Patch\n', text: '' }],
  ['a done item without input keeps the streamed input', [added(), delta('p', 'ctc_1'), itemDone(call(undefined)), completed()], { toolInput: 'p', toolCallId: 'call_1', toolName: 'apply_patch', text: '' }],
  [
    'a second tool call is ignored',
    [added(), delta('first', 'ctc_1'), added('ctc_2', 'call_2'), delta('second', 'ctc_2'), itemDone(call('second', 'ctc_2', 'call_2')), itemDone(call('first')), completed()],
    { toolInput: 'first', toolCallId: 'call_1', toolName: 'apply_patch', text: '' },
  ],
  ['a message and a call', [completed([message('Here is the patch.'), call('P')])], { toolInput: 'P', toolCallId: 'call_1', toolName: 'apply_patch', text: 'Here is the patch.' }],
  ['no call', [completed([message('plain')])], { text: 'plain' }],
];

for (const [name, events, want] of table) {
  test(`tool call: ${name}`, () => {
    const { done } = run(events);
    const { toolInput, toolCallId, toolName, text } = done.outcome;
    assert.deepEqual(
      Object.fromEntries(Object.entries({ toolInput, toolCallId, toolName, text }).filter(([, v]) => v !== undefined)),
      want,
    );
  });
}

test('tool input deltas report the input so far as progress', () => {
  const { steps } = run([added(), delta('a', 'ctc_1'), delta('b', 'ctc_1'), completed()]);
  assert.deepEqual(
    steps.filter((s) => s?.kind === 'text').map((s) => (s as { text: string }).text),
    ['a', 'ab'],
  );
});

const upstream = (status: number | undefined, code: string | undefined, message: string, param?: string) => upstreamError(status, code, message, undefined, param);

const refusals: [string, SparkError, boolean][] = [
  ['400 param tools', upstream(400, 'unsupported_value', "upstream error 400 unsupported_value: Custom tools are not supported with model 'm'.", 'tools'), true],
  ['400 param tools[0].format', upstream(400, 'invalid_value', 'upstream error 400 invalid_value: bad format', 'tools[0].format'), true],
  ['400 param tool_choice', upstream(400, 'invalid_value', 'upstream error 400 invalid_value: nope', 'tool_choice'), true],
  ['400 message names grammar', upstream(400, 'invalid_request_error', 'HTTP 400: Grammar-constrained tools are unavailable for this model.'), true],
  ['400 message names custom tools', upstream(400, undefined, 'HTTP 400: Tool type custom is not supported.'), true],
  ['flat error with param tools', upstream(undefined, 'invalid_value', 'upstream error invalid_value: x', 'tools'), true],
  ['400 previous_response_not_found', upstream(400, 'previous_response_not_found', "upstream error 400 previous_response_not_found: Previous response with id 'r' not found.", 'previous_response_id'), false],
  ['400 unknown model', upstream(400, 'model_not_found', "upstream error 400 model_not_found: The requested model 'm' does not exist.", 'model'), false],
  ['500 naming tools', upstream(500, 'server_error', 'upstream error 500 server_error: tools exploded'), false],
  ['429', upstream(429, 'rate_limit_exceeded', 'upstream error 429: slow down, custom tools later'), false],
];
for (const [name, error, want] of refusals) {
  test(`tool refusal: ${name} -> ${want}`, () => assert.equal(isToolRefusal(error), want));
}

test('refused models: model_not_found at any status, and a 403 naming the model; the message names the model', () => {
  const cases: [SparkError, string | undefined][] = [
    [upstream(400, 'model_not_found', "upstream error 400 model_not_found: The requested model 'gpt-9' does not exist.", 'model'), "the endpoint refused the model 'gpt-9'"],
    [upstream(403, 'model_not_found', 'HTTP 403: Project `p` does not have access to model `gpt-9`'), "the endpoint refused the model 'gpt-9'"],
    [upstream(404, 'model_not_found', 'HTTP 404: no such thing'), "the endpoint refused the model 'gpt-9'"],
    [upstream(403, 'permission_denied', 'upstream error 403: gpt-9 is not enabled for this project'), "the endpoint refused the model 'gpt-9'"],
    [upstream(403, 'permission_denied', 'upstream error 403: the key is revoked'), undefined],
    [upstream(401, 'invalid_api_key', 'upstream error 401: Incorrect API key provided for gpt-9'), undefined],
  ];
  for (const [error, prefix] of cases) {
    const refined = refineModelRefusal(error, 'gpt-9');
    if (prefix === undefined) {
      assert.equal(refined, error, error.message);
    } else {
      assert.equal(refined.code, SparkErrorCode.ModelRefused, error.message);
      assert.ok(refined.message.startsWith(prefix), refined.message);
      assert.equal(refined.status, error.status);
      assert.equal(refineModelRefusal(refined, 'gpt-9'), refined, 'refining twice changes nothing');
    }
  }
});
