// Completion and inline completion through a real LSP client, the in-process server and spark-sim.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import {
  CancellationTokenSource,
  CompletionRequest,
  InlineCompletionRequest,
  LSPErrorCodes,
  ResponseError,
  type CompletionList,
  type InlineCompletionList,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { PLAIN_CAPABILITIES, positionOf, startHarness, until, type Harness } from '../support/lsp-harness.js';

const URI = 'file:///work/src/greet.ts';
const SOURCE = 'export function greet(name: string) {\n  return `Hello, ${na\n}\n';
let h: Harness;
afterEach(async () => h?.close());

function inputTextOf(body: Record<string, unknown>): string {
  return JSON.stringify(body.input);
}

test('completion inserts the model text at the cursor with an insert/replace edit', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue('me}`;');
  const position = positionOf(SOURCE, '${na');
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
  assert.equal(list.items.length, 1);
  const item = list.items[0]!;
  const edit = item.textEdit;
  assert.ok(edit && 'insert' in edit, 'InsertReplaceEdit for a client that supports it');
  assert.equal(edit.newText, 'name}`;');
  assert.deepEqual(edit.insert.end, position);
  assert.deepEqual(edit.insert.start, { line: position.line, character: position.character - 2 });
  const after = TextDocument.applyEdits(h.docs.get(URI)!, [{ range: edit.insert, newText: edit.newText }]);
  assert.equal(after, 'export function greet(name: string) {\n  return `Hello, ${name}`;\n}\n');

  const create = h.requests().at(-1)!;
  assert.equal(create.body.model, 'gpt-5.3-codex-spark');
  assert.equal(create.body.store, false);
  assert.match(inputTextOf(create.body), /greet\.ts/, 'the prompt names the file');
  assert.match(String(create.body.instructions), /only the text to insert/i);
});

test('completion uses a plain TextEdit for clients without insert/replace support, multi-line allowed', { timeout: 10_000 }, async () => {
  h = await startHarness({ capabilities: PLAIN_CAPABILITIES });
  const text = 'function add(a: number, b: number) {\n';
  h.open(URI, text);
  h.sim.enqueue('  return a + b;\n}\n');
  const position = { line: 1, character: 0 };
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
  const edit = list.items[0]?.textEdit as TextEdit;
  assert.ok(edit && 'range' in edit);
  assert.equal(TextDocument.applyEdits(h.docs.get(URI)!, [edit]), `${text}  return a + b;\n}`, 'a trailing blank line of the answer is dropped');
});

test('inline completion returns insertText and a range at the cursor', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue('me}!`;');
  const position = positionOf(SOURCE, '${na');
  const list = (await h.client.sendRequest(InlineCompletionRequest.type, {
    textDocument: { uri: URI },
    position,
    context: { triggerKind: 1 },
  })) as InlineCompletionList;
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0]!.insertText, 'me}!`;');
  assert.deepEqual(list.items[0]!.range, { start: position, end: position });
});

test('a completion answered after the document changed is dropped, never stale', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: 'me}`;', firstTokenMs: 200 });
  const pending = h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: positionOf(SOURCE, '${na') });
  await h.waitForRequests(1);
  h.change(URI, SOURCE.replace('${na', '${nam'));
  const list = (await pending) as CompletionList;
  assert.deepEqual(list.items, []);
});

test('a cancelled completion is answered at once with RequestCancelled; the next one is served', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: 'slow', firstTokenMs: 60_000 }, 'me}`;');
  const source = new CancellationTokenSource();
  const position = positionOf(SOURCE, '${na');
  const first = h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position }, source.token);
  await h.waitForRequests(1);
  source.cancel();
  await assert.rejects(first, (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled);
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'name}`;');
});

test('a new completion on a document supersedes the one in flight, which is answered empty', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: 'old', firstTokenMs: 60_000 }, 'me}`;');
  const position = positionOf(SOURCE, '${na');
  const first = h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position });
  await h.waitForRequests(1);
  const second = h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position });
  assert.deepEqual(((await first) as CompletionList).items, []);
  assert.equal(((await second) as CompletionList).items[0]?.textEdit?.newText, 'name}`;');
});

test('several documents complete at once on lanes of the pooled connections, with no new upgrades', { timeout: 15_000 }, async () => {
  // Each reply waits before its first token, so all four are in flight on the one connection at once.
  h = await startHarness({ sim: { tokensPerSecond: 2_000, firstTokenMs: 400 }, initializationOptions: { poolSize: 1 } });
  const uris = [0, 1, 2, 3].map((i) => `file:///work/src/f${i}.ts`);
  uris.forEach((uri, i) => h.open(uri, `const value${i} = `));
  const replies = uris.map((_, i) => `${i} + ${'1 + '.repeat(20)}0;`);
  h.sim.setResponder((req) => replies[Number(/const value(\d) = /.exec(req.inputText)?.[1])] ?? '');
  const lists = (await Promise.all(
    uris.map((uri) => h.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 15 } })),
  )) as CompletionList[];
  lists.forEach((list, i) => assert.equal(list.items[0]?.textEdit?.newText, replies[i]));
  const lanes = new Set(h.requests().map((c) => `${c.connection}/${String(c.body.stream_id)}`));
  assert.equal(lanes.size, 4, 'each concurrent request had its own lane');
  assert.equal(h.sim.stats.upgrades, 1, 'one pooled connection carried them all; none was opened per request');
  assert.equal(new Set(h.requests().map((c) => c.connection)).size, 1);
});

test('a socket dropped mid-stream does not lose the completion', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.inject({ kind: 'close', code: 1006, afterDeltas: 1 });
  h.sim.setResponder(() => 'me}`;');
  const list = (await h.client.sendRequest(CompletionRequest.type, {
    textDocument: { uri: URI },
    position: positionOf(SOURCE, '${na'),
  })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'name}`;');
  assert.ok(h.requests().length >= 2, 'the request was sent again');
});

test('when WebSockets are refused (426) completions go over HTTP/SSE', { timeout: 10_000 }, async () => {
  h = await startHarness({ beforeInitialize: (sim) => sim.inject({ kind: 'upgrade-status', status: 426, times: 100 }) });
  h.open(URI, SOURCE);
  h.sim.setResponder(() => 'me}`;');
  const list = (await h.client.sendRequest(CompletionRequest.type, {
    textDocument: { uri: URI },
    position: positionOf(SOURCE, '${na'),
  })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'name}`;');
  assert.ok(h.sim.stats.httpRequests >= 1, 'served over HTTP');
});

test('typing along a suggestion is answered from it, without asking the model again', { timeout: 10_000 }, async () => {
  h = await startHarness();
  const text = 'const total = \n';
  h.open(URI, text);
  h.sim.enqueue('items.length;');
  const ask = async (line: string) => {
    h.change(URI, `${line}\n`);
    return (await h.client.sendRequest(InlineCompletionRequest.type, {
      textDocument: { uri: URI },
      position: { line: 0, character: line.length },
      context: { triggerKind: 2 },
    })) as InlineCompletionList;
  };
  assert.equal((await ask('const total = ')).items[0]?.insertText, 'items.length;');
  assert.equal((await ask('const total = it')).items[0]?.insertText, 'ems.length;');
  assert.equal((await ask('const total = items.')).items[0]?.insertText, 'length;');
  assert.equal(h.requests().length, 1, 'one model request for the whole run');
  h.sim.enqueue('count;');
  assert.equal((await ask('const total = x')).items[0]?.insertText, 'count;', 'typing something else asks again');
  assert.equal(h.requests().length, 2);
});

test('inside a line, the first line is answered as soon as it is complete while the rest still streams', { timeout: 10_000 }, async () => {
  h = await startHarness();
  const text = 'call(\n';
  h.open(URI, 'call();\n');
  h.sim.enqueue({ text: `a, b\n${'// more text the model goes on with\n'.repeat(40)}`, tokensPerSecond: 50 });
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 0, character: text.length - 1 } })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'a, b');
  assert.equal(h.sim.stats.inFlight, 1, 'the upstream response is still streaming when the answer is out');
});

test('an open document is warmed once; completions chain from it and send only the lines around the cursor', { timeout: 10_000 }, async () => {
  h = await startHarness();
  const big = Array.from({ length: 3000 }, (_, i) => `export const value${i} = ${i};`).join('\n') + '\nexport const total = \n';
  h.open(URI, big);
  const spark = h.server.context.spark;
  assert.ok(!(spark instanceof Error));
  await until('the document is warm', () => spark.stats().warmContexts === 1);
  const [warmUp] = h.sim.stats.creates;
  assert.equal(warmUp!.body.generate, false);
  assert.ok(JSON.stringify(warmUp!.body.input).includes('export const value2999 = 2999;'), 'the warm-up carries the file');
  h.sim.enqueue('value0 + value1;');
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 3000, character: 21 } })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'value0 + value1;');
  const [request] = h.requests();
  assert.equal(request!.body.previous_response_id, warmUp!.responseId, 'chained from the warm-up');
  assert.equal(request!.connection, warmUp!.connection);
  assert.equal(request!.body.prompt_cache_key, warmUp!.body.prompt_cache_key);
  assert.ok(request!.bytes < warmUp!.bytes / 10, `${request!.bytes} bytes sent vs ${warmUp!.bytes} for the whole file`);
});
