// Table tests for parseServerEvent: every known event type, unknown types, malformed frames.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServerEvent, type ParsedServerEvent } from '../../server/spark/events.js';

const response = (extra: Record<string, unknown> = {}) => ({ id: 'resp_1', object: 'response', status: 'in_progress', output: [], ...extra });
const message = (text: string) => ({
  id: 'msg_1',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
});
const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, total_tokens: 13 };

type Expect = { kind: 'event'; type: string } | { kind: 'unknown'; type: string; streamId?: string } | { kind: 'malformed'; streamId?: string };

function check(name: string, raw: string, expected: Expect): void {
  test(name, () => {
    const got: ParsedServerEvent = parseServerEvent(raw);
    assert.equal(got.kind, expected.kind, `kind for ${raw}: ${JSON.stringify(got)}`);
    if (got.kind === 'event' && expected.kind === 'event') assert.equal(got.event.type, expected.type);
    if (got.kind === 'unknown' && expected.kind === 'unknown') {
      assert.equal(got.type, expected.type);
      assert.equal(got.streamId, expected.streamId);
    }
    if (got.kind === 'malformed' && expected.kind === 'malformed') {
      assert.equal(got.streamId, expected.streamId);
      assert.ok(got.reason.length > 0);
    }
  });
}

const j = (v: unknown) => JSON.stringify(v);

// Every known event, well-formed (with stream_id and sequence_number).
const known: [string, Record<string, unknown>][] = [
  ['response.created', { response: response() }],
  ['response.in_progress', { response: response() }],
  ['response.queued', { response: response({ status: 'queued' }) }],
  ['response.completed', { response: response({ status: 'completed', output: [message('hi')], usage }) }],
  ['response.incomplete', { response: response({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage }) }],
  ['response.failed', { response: response({ status: 'failed', error: { code: 'server_error', message: 'boom' } }) }],
  ['response.output_item.added', { output_index: 0, item: { id: 'msg_1', type: 'message', status: 'in_progress', role: 'assistant', content: [] } }],
  ['response.output_item.done', { output_index: 0, item: message('hi') }],
  ['response.content_part.added', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } }],
  ['response.content_part.done', { item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: 'hi' } }],
  ['response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'h', logprobs: [] }],
  ['response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'hi', logprobs: [] }],
  ['keepalive', {}],
  ['response.output_item.added', { output_index: 1, item: { id: 'ctc_1', type: 'custom_tool_call', status: 'in_progress', call_id: 'call_1', name: 'apply_patch', input: '' } }],
  ['response.output_item.done', { output_index: 1, item: { id: 'ctc_1', type: 'custom_tool_call', status: 'completed', call_id: 'call_1', name: 'apply_patch', input: '*** Begin Patch\n' } }],
  ['response.custom_tool_call_input.delta', { item_id: 'ctc_1', output_index: 1, delta: '*** Begin' }],
  ['response.custom_tool_call_input.done', { item_id: 'ctc_1', output_index: 1, input: '*** Begin Patch\n*** End Patch\n' }],
];
for (const [type, fields] of known) {
  check(`${type} parses`, j({ type, sequence_number: 3, stream_id: 'l0', ...fields }), { kind: 'event', type });
  check(`${type} parses without stream_id/sequence_number`, j({ type, ...fields }), { kind: 'event', type });
  check(`${type} tolerates extra fields`, j({ type, stream_id: 'l1', obfuscation: 'xyz', future_field: { a: 1 }, ...fields }), { kind: 'event', type });
}

// Error events: both shapes of spec §5, headers inside or at top level.
check(
  'request-scoped error',
  j({ type: 'error', status: 400, stream_id: 'l2', error: { type: 'invalid_request_error', code: 'previous_response_not_found', message: 'gone', param: 'previous_response_id' } }),
  { kind: 'event', type: 'error' },
);
check('rate-limit error with headers inside', j({ type: 'error', status: 429, error: { code: 'rate_limit_exceeded', message: 'slow', headers: { 'retry-after': '7' } } }), {
  kind: 'event',
  type: 'error',
});
check('error with top-level headers', j({ type: 'error', status: 429, error: { type: 'usage_limit_reached', message: 'x' }, headers: { 'retry-after': '7' } }), {
  kind: 'event',
  type: 'error',
});
check('flat mid-stream error', j({ type: 'error', code: 'server_error', message: 'oops', param: null, sequence_number: 7 }), { kind: 'event', type: 'error' });
check('connection-level error', j({ type: 'error', status: 400, error: { type: 'invalid_request_error', code: 'websocket_connection_limit_reached', message: 'limit' } }), {
  kind: 'event',
  type: 'error',
});

test('parsed values keep their content', () => {
  const delta = parseServerEvent(j({ type: 'response.output_text.delta', stream_id: 'l3', delta: 'abc', obfuscation: 'q' }));
  assert.equal(delta.kind, 'event');
  if (delta.kind === 'event' && delta.event.type === 'response.output_text.delta') {
    assert.equal(delta.event.delta, 'abc');
    assert.equal(delta.event.stream_id, 'l3');
  }
  const done = parseServerEvent(j({ type: 'response.completed', response: response({ status: 'completed', usage }) }));
  assert.ok(done.kind === 'event' && done.event.type === 'response.completed');
  if (done.kind === 'event' && done.event.type === 'response.completed') {
    assert.equal(done.event.response.usage?.input_tokens_details?.cached_tokens, 4);
  }
  const err = parseServerEvent(j({ type: 'error', status: 429, error: { code: 'rate_limit_exceeded', headers: { 'retry-after': '7' } } }));
  assert.ok(err.kind === 'event' && err.event.type === 'error');
  if (err.kind === 'event' && err.event.type === 'error') assert.equal(err.event.error?.headers?.['retry-after'], '7');
});

test('custom tool call events keep their input and the item its call id', () => {
  const delta = parseServerEvent(j({ type: 'response.custom_tool_call_input.delta', stream_id: 'l1', item_id: 'ctc_1', output_index: 0, delta: '+x', obfuscation: 'q' }));
  assert.ok(delta.kind === 'event' && delta.event.type === 'response.custom_tool_call_input.delta');
  assert.equal(delta.event.delta, '+x');
  const done = parseServerEvent(j({ type: 'response.output_item.done', output_index: 0, item: { id: 'ctc_1', type: 'custom_tool_call', call_id: 'call_9', name: 'apply_patch', input: 'P' } }));
  assert.ok(done.kind === 'event' && done.event.type === 'response.output_item.done');
  assert.deepEqual([done.event.item.call_id, done.event.item.name, done.event.item.input], ['call_9', 'apply_patch', 'P']);
  // Sparse: no item_id or output_index.
  assert.equal(parseServerEvent(j({ type: 'response.custom_tool_call_input.delta', delta: 'x' })).kind, 'event');
});

test('terminal response without output parses (sparse streams)', () => {
  const r = parseServerEvent(j({ type: 'response.completed', stream_id: 'l0', response: { id: 'resp_9', status: 'completed' } }));
  assert.ok(r.kind === 'event' && r.event.type === 'response.completed');
});

// Unknown types are reported, with their stream_id, and never treated as malformed.
check('unknown type', j({ type: 'codex.rate_limits', rate_limits: {} }), { kind: 'unknown', type: 'codex.rate_limits' });
check('unknown type keeps stream_id', j({ type: 'responsesapi.websocket_timing', stream_id: 'l4' }), {
  kind: 'unknown',
  type: 'responsesapi.websocket_timing',
  streamId: 'l4',
});
check('reasoning delta is unknown here', j({ type: 'response.reasoning_summary_text.delta', stream_id: 'l0', delta: 'x' }), {
  kind: 'unknown',
  type: 'response.reasoning_summary_text.delta',
  streamId: 'l0',
});

// Malformed: bad JSON (stream_id found by regex when present), wrong shapes of known types.
check('bad JSON without stream_id', '{"type":"response.output_text.delta","delta":"unterminated', { kind: 'malformed' });
check('bad JSON with stream_id', '{"type":"response.output_text.delta","stream_id":"l5","delta":"unterminated', { kind: 'malformed', streamId: 'l5' });
check('bad JSON with spaced stream_id', '{"stream_id" : "lane.x-1", "delta": ', { kind: 'malformed', streamId: 'lane.x-1' });
check('empty frame', '', { kind: 'malformed' });
check('JSON array', '[1,2]', { kind: 'malformed' });
check('JSON string', '"hello"', { kind: 'malformed' });
check('no type', j({ stream_id: 'l1', delta: 'x' }), { kind: 'malformed', streamId: 'l1' });
check('numeric type', j({ type: 7 }), { kind: 'malformed' });
check('delta not a string', j({ type: 'response.output_text.delta', stream_id: 'l6', delta: 42, logprobs: 'not-a-list' }), { kind: 'malformed', streamId: 'l6' });
check('delta missing', j({ type: 'response.output_text.delta', stream_id: 'l6' }), { kind: 'malformed', streamId: 'l6' });
check('completed without response', j({ type: 'response.completed', stream_id: 'l7' }), { kind: 'malformed', streamId: 'l7' });
check('response without id', j({ type: 'response.created', response: { status: 'in_progress' } }), { kind: 'malformed' });
check('usage with string tokens', j({ type: 'response.completed', response: response({ usage: { input_tokens: '1', output_tokens: 2 } }) }), { kind: 'malformed' });
check('output_text.done without text', j({ type: 'response.output_text.done', stream_id: 'l2', item_id: 'm' }), { kind: 'malformed', streamId: 'l2' });
check('item event without item', j({ type: 'response.output_item.done', output_index: 0 }), { kind: 'malformed' });
check('error with non-string code', j({ type: 'error', stream_id: 'l3', code: 500 }), { kind: 'malformed', streamId: 'l3' });
check('stream_id of the wrong type', j({ type: 'keepalive', stream_id: 5 }), { kind: 'malformed' });
check('tool input delta not a string', j({ type: 'response.custom_tool_call_input.delta', stream_id: 'l8', item_id: 'ctc', delta: 3 }), { kind: 'malformed', streamId: 'l8' });
check('tool input done without input', j({ type: 'response.custom_tool_call_input.done', stream_id: 'l8', item_id: 'ctc' }), { kind: 'malformed', streamId: 'l8' });
check('tool call item with a numeric input', j({ type: 'response.output_item.done', output_index: 0, item: { type: 'custom_tool_call', input: 5 } }), { kind: 'malformed' });
