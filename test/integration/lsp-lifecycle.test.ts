// Start-up, settings and missing credentials, through a real LSP client and spark-sim.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import {
  CodeActionRequest,
  CompletionRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  MessageType,
  ResponseError,
  type CompletionList,
} from 'vscode-languageserver-protocol/node';
import { startHarness, type Harness } from '../support/lsp-harness.js';

const URI = 'file:///work/a.ts';
let h: Harness;
afterEach(async () => h?.close());

test('without OPENAI_API_KEY the server starts, says so once, answers empty and never connects', { timeout: 10_000 }, async () => {
  h = await startHarness({ env: () => ({}) });
  const [message] = await h.waitForMessages(1);
  assert.equal(message!.type, MessageType.Warning);
  assert.match(message!.message, /OPENAI_API_KEY/);
  h.open(URI, 'const a = ');
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 0, character: 10 } })) as CompletionList;
  assert.deepEqual(list.items, []);
  assert.deepEqual(await h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, context: { diagnostics: [] } }), []);
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri: URI, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }, instruction: 'x' }] }),
    (e: unknown) => e instanceof ResponseError && /OPENAI_API_KEY/.test(e.message),
  );
  assert.equal(h.sim.stats.upgrades, 0, 'no connection attempts without a key');
  assert.equal(h.messages.filter((m) => /OPENAI_API_KEY is not set, so/.test(m.message)).length, 1, 'the start-up message is said once');
});

test('the pool connects at initialization, before any request', { timeout: 10_000 }, async () => {
  h = await startHarness({ settings: { poolSize: 2 } });
  await h.sim.waitForUpgrades(2);
  assert.equal(h.requests().length, 0);
});

test('a bad setting gives one warning naming it and keeps the last good configuration', { timeout: 10_000 }, async () => {
  h = await startHarness({ settings: { completion: { enabled: false } } });
  await h.configured;
  h.open(URI, 'const a = ');
  const complete = async () =>
    ((await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 0, character: 10 } })) as CompletionList).items;
  assert.deepEqual(await complete(), [], 'the pulled section turned completion off');
  await h.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { spark: { completion: { enabled: true, timeoutMs: 'soon' } } } });
  const [warning] = await h.waitForMessages(1);
  assert.match(warning!.message, /spark\.completion\.timeoutMs/);
  assert.deepEqual(await complete(), [], 'the last good configuration stays');
  await h.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { spark: { completion: { enabled: true } } } });
  h.sim.enqueue('1;');
  assert.equal((await complete())[0]?.textEdit?.newText, '1;');
  assert.equal(h.requests().length, 1);
  assert.equal(h.messages.length, 1, 'one warning');
});

test('initializationOptions are the base layer of the settings', { timeout: 10_000 }, async () => {
  h = await startHarness({ initializationOptions: { spark: { model: 'spark-test-model' } } });
  h.open(URI, 'const a = ');
  h.sim.enqueue('2;');
  await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: { line: 0, character: 10 } });
  assert.equal(h.requests().at(-1)!.body.model, 'spark-test-model');
});

test('a didChange whose range is malformed is dropped whole, not taken for a full-text change', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, 'const a = 1;\n');
  const changes = [
    { range: { start: { line: null, character: 10 }, end: { line: 2.4e181, character: 4 } }, text: '\uDFFF' },
    { text: 'replaced' },
    { range: { start: { line: 1.5, character: 0 }, end: [] }, text: 'x'.repeat(1000) },
  ];
  await h.client.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: 2 }, contentChanges: changes });
  // Answered at all means the server is not stuck; the document is as it was.
  await h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, context: { diagnostics: [] } });
  const doc = h.server.context.documents.get(URI);
  assert.equal(doc?.getText(), 'const a = 1;\n');
  assert.equal(doc?.version, 1);
});
