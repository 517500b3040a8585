// The in-place checks compiled from zod schemas accept exactly what zod accepts: a table per kind, and a
// property over every wire event schema with valid events mutated at random (a value replaced, removed or added).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { compileCheck } from '../../server/spark/schema-check.js';
import * as events from '../../server/spark/events.js';
import { DidChangeParams, DidOpenParams } from '../../server/lsp/documents.js';
import { TextPositionParams } from '../../server/lsp/params.js';

function check(schema: z.ZodType, rows: [unknown, boolean][]): void {
  const compiled = compileCheck(schema);
  assert.ok(compiled, 'compiles');
  for (const [value, expected] of rows) {
    assert.equal(schema.safeParse(value).success, expected, `zod on ${JSON.stringify(value)}`);
    assert.equal(compiled(value), expected, `compiled check on ${JSON.stringify(value)}`);
  }
}

test('each kind accepts what zod accepts', () => {
  check(z.string(), [['a', true], ['', true], [1, false], [null, false], [undefined, false], [{}, false]]);
  check(z.number(), [[0, true], [-1.5, true], [Infinity, false], [NaN, false], ['1', false], [null, false]]);
  check(z.boolean(), [[true, true], [false, true], [0, false]]);
  check(z.literal('response.created'), [['response.created', true], ['response.create', false], [undefined, false]]);
  check(z.string().optional(), [['a', true], [undefined, true], [null, false], [1, false]]);
  check(z.string().nullish(), [['a', true], [undefined, true], [null, true], [1, false]]);
  check(z.number().nullable(), [[1, true], [null, true], [undefined, false]]);
  check(z.array(z.string()), [[[], true], [['a', 'b'], true], [['a', 1], false], [{ 0: 'a', length: 1 }, false], ['a', false]]);
  check(z.union([z.string(), z.number()]), [['a', true], [1, true], [true, false], [null, false]]);
  check(z.record(z.string(), z.union([z.string(), z.number()])), [
    [{}, true],
    [{ a: '1', b: 2 }, true],
    [{ a: true }, false],
    [[], false],
    [null, false],
    [JSON.parse('{"__proto__": true, "a": "x"}'), true], // zod skips a `__proto__` key
  ]);
  const obj = z.object({ type: z.literal('x'), id: z.string(), n: z.number().optional(), s: z.string().nullish() });
  check(obj, [
    [{ type: 'x', id: 'a' }, true],
    [{ type: 'x', id: 'a', n: 1, s: null, extra: [1] }, true],
    [{ type: 'x' }, false],
    [{ type: 'x', id: 'a', n: null }, false],
    [{ type: 'y', id: 'a' }, false],
    [[{ type: 'x', id: 'a' }], false],
    [null, false],
  ]);
  check(z.looseObject({ a: z.string() }), [[{ a: 'x', b: 1 }, true], [{ b: 1 }, false]]);
  check(z.undefined(), [[undefined, true], [null, false], [0, false]]);
});

test('the covered checks: integers, bounds, minimum lengths', () => {
  check(z.int(), [[0, true], [-0, true], [-7, true], [2 ** 53 - 1, true], [2 ** 53, false], [1.5, false], [Infinity, false], ['1', false]]);
  check(z.number().int(), [[3, true], [3.25, false], [NaN, false]]);
  check(z.int().min(0), [[0, true], [5, true], [-1, false], [0.5, false]]);
  check(z.number().gt(0).lt(10), [[0, false], [0.1, true], [9.9, true], [10, false]]);
  check(z.number().min(1).max(5), [[1, true], [5, true], [0.99, false], [5.01, false]]);
  check(z.string().min(1), [['a', true], ['', false], [1, false]]);
  check(z.string().min(2).min(3), [['ab', false], ['abc', true]]);
});

test('kinds and checks the module does not cover are left to zod', () => {
  for (const schema of [
    z.string().max(3),
    z.string().regex(/a/),
    z.number().multipleOf(2),
    z.strictObject({ a: z.string() }),
    z.string().default('x'),
    z.object({ a: z.string().transform((s) => s.length) }),
    z.object({ a: z.date() }),
    z.record(z.enum(['a', 'b']), z.string()),
  ]) {
    assert.equal(compileCheck(schema), undefined, JSON.stringify((schema as unknown as { _zod: { def: { type: string } } })._zod.def.type));
  }
});

const response = { id: 'resp_1', object: 'response', status: 'completed', error: null, incomplete_details: null, instructions: 'x', output: [], usage: null };
const messageItem = { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hi', annotations: [], logprobs: [] }] };
const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, total_tokens: 13 };
const common = { sequence_number: 4, stream_id: 'l0' };

/** A valid event of each schema, as the service (and spark-sim) sends it. */
const samples: [z.ZodType, Record<string, unknown>][] = [
  [events.ResponseCreatedSchema, { type: 'response.created', ...common, response: { ...response, status: 'in_progress' } }],
  [events.ResponseInProgressSchema, { type: 'response.in_progress', ...common, response: { ...response, status: 'in_progress' } }],
  [events.ResponseQueuedSchema, { type: 'response.queued', response: { ...response, status: 'queued' } }],
  [events.ResponseCompletedSchema, { type: 'response.completed', ...common, response: { ...response, output: [messageItem], usage } }],
  [events.ResponseIncompleteSchema, { type: 'response.incomplete', ...common, response: { ...response, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage } }],
  [events.ResponseFailedSchema, { type: 'response.failed', ...common, response: { ...response, status: 'failed', error: { code: 'server_error', message: 'boom', param: null, type: 'server_error' } } }],
  [events.OutputItemAddedSchema, { type: 'response.output_item.added', ...common, output_index: 0, item: { ...messageItem, status: 'in_progress', content: [] } }],
  [events.OutputItemDoneSchema, { type: 'response.output_item.done', ...common, output_index: 0, item: messageItem }],
  [events.ContentPartAddedSchema, { type: 'response.content_part.added', ...common, item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } }],
  [events.ContentPartDoneSchema, { type: 'response.content_part.done', ...common, item_id: 'msg_1', output_index: 0, content_index: 0, part: { type: 'output_text', text: 'hi' } }],
  [events.OutputTextDeltaSchema, { type: 'response.output_text.delta', ...common, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'h', logprobs: [] }],
  [events.OutputTextDoneSchema, { type: 'response.output_text.done', ...common, item_id: 'msg_1', output_index: 0, content_index: 0, text: 'hi' }],
  [events.CustomToolCallInputDeltaSchema, { type: 'response.custom_tool_call_input.delta', ...common, item_id: 'ctc_1', output_index: 0, delta: '*** Begin' }],
  [events.CustomToolCallInputDoneSchema, { type: 'response.custom_tool_call_input.done', ...common, item_id: 'ctc_1', output_index: 0, input: 'P' }],
  [events.ErrorEventSchema, { type: 'error', ...common, status: 429, error: { type: 'requests', code: 'rate_limit_exceeded', message: 'slow', param: null, headers: { 'retry-after': '7', 'x-n': 3 } } }],
  [events.ErrorEventSchema, { type: 'error', code: 'server_error', message: 'oops', param: null, headers: { 'retry-after-ms': 10 } }],
  [events.KeepaliveSchema, { type: 'keepalive', ...common }],
];

const uri = 'file:///w/a.ts';
const position = { line: 3, character: 12 };
/** The LSP parameters the server checks in place on every keystroke and completion. */
const lspSamples: [z.ZodType, Record<string, unknown>][] = [
  [TextPositionParams, { textDocument: { uri }, position }],
  [DidOpenParams, { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const a = 1;\n' } }],
  [DidChangeParams, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: position, end: { line: 3, character: 14 } }, rangeLength: 2, text: 'x' }] }],
  [DidChangeParams, { textDocument: { uri, version: 3 }, contentChanges: [{ text: 'const a = 2;\n' }] }],
];

test('every wire event schema and checked LSP parameter schema compiles, and accepts its valid sample', () => {
  for (const [schema, sample] of [...samples, ...lspSamples]) {
    const compiled = compileCheck(schema);
    assert.ok(compiled, `${String(sample['type'])} compiles`);
    assert.equal(compiled(sample), true, `${String(sample['type'])} sample`);
    assert.equal(schema.safeParse(sample).success, true);
  }
});

type Path = (string | number)[];

/** Every path to a value inside `v` (objects and arrays), the root included. */
function pathsOf(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  return out;
}

type Mutation = { kind: 'replace'; value: unknown } | { kind: 'remove' } | { kind: 'add'; key: string; value: unknown };

/** A copy of `root` with one mutation at `path` (replace the value there, remove it, or add a key to the object there). */
function mutate(root: unknown, path: Path, m: Mutation): unknown {
  const copy: unknown = structuredClone(root);
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
  }
  return copy;
}

test('on mutated events and LSP parameters, the compiled check and zod agree (property)', () => {
  const keys = fc.constantFrom('type', 'id', 'status', 'stream_id', 'delta', 'text', 'output', 'usage', 'error', 'item', 'part', 'content', 'extra', 'range', 'uri', 'line');
  const values = fc.oneof(fc.jsonValue(), fc.constantFrom(null, '', 0, -0, -1, 1.5, 2 ** 60, 1e308, 'response.completed', [], {}, { id: 'x', status: 'y' }));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    values.map((value) => ({ kind: 'replace' as const, value })),
    fc.constant({ kind: 'remove' as const }),
    fc.tuple(keys, values).map(([key, value]) => ({ kind: 'add' as const, key, value })),
  );
  const compiled = [...samples, ...lspSamples].map(([schema, sample]) => ({ schema, sample, check: compileCheck(schema)!, paths: pathsOf(sample) }));
  fc.assert(
    fc.property(fc.nat(compiled.length - 1), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (which, pick, ms) => {
      const { schema, sample, check, paths } = compiled[which]!;
      let value: unknown = sample;
      for (const [i, m] of ms.entries()) {
        const all = i === 0 ? paths : pathsOf(value);
        value = mutate(value, all[(pick + i) % all.length]!, m);
      }
      // Through JSON, as the wire delivers it (this drops `undefined`, as JSON.parse never yields it).
      const wire: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
      assert.equal(check(wire), schema.safeParse(wire).success, JSON.stringify(wire));
    }),
    { numRuns: 5000 },
  );
});
