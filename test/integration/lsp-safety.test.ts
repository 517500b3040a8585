// Edits that are always safe and content that never leaves: exclusions, workspace bounds, forged action
// data, plaintext endpoints, and the key from a command.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  CompletionRequest,
  ExecuteCommandRequest,
  MessageType,
  ResponseError,
  type CodeAction,
  type CompletionList,
} from 'vscode-languageserver-protocol/node';
import { SparkError } from '../../server/spark/errors.js';
import { startHarness, type Harness } from '../support/lsp-harness.js';

let h: Harness;
afterEach(async () => h?.close());

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } };
const errorCode = (e: unknown) => (e instanceof ResponseError ? (e.data as { code?: string } | undefined)?.code : undefined);

test('an excluded file is never sent: no completion, no actions, edits refused', { timeout: 10_000 }, async () => {
  h = await startHarness({ settings: { exclude: ['*.secret.ts'] } });
  await h.configured;
  for (const uri of ['file:///work/.env', 'file:///work/src/db.secret.ts']) {
    h.open(uri, 'API_TOKEN = abc\n');
    const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 12 } })) as CompletionList;
    assert.deepEqual(list.items, [], uri);
    assert.deepEqual(await h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [] } }), [], uri);
    await assert.rejects(
      h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri, range, instruction: 'x' }] }),
      (e: unknown) => errorCode(e) === 'SPARK_ERR_EXCLUDED',
    );
  }
  assert.equal(h.requests().length, 0, 'nothing reached the model');
});

test('a document outside the workspace folders is refused', { timeout: 10_000 }, async () => {
  h = await startHarness();
  const uri = 'file:///etc/passwd-like.ts';
  h.open(uri, 'const x = 1;\n');
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri, range, instruction: 'x' }] }),
    (e: unknown) => errorCode(e) === 'SPARK_ERR_BAD_ARGUMENT' && /outside the workspace/.test((e as Error).message),
  );
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 5 } })) as CompletionList;
  assert.deepEqual(list.items, []);
  assert.equal(h.requests().length, 0);
});

test('forged resolve data pointing elsewhere is refused; genuine data resolves', { timeout: 10_000 }, async () => {
  h = await startHarness();
  const a = 'file:///work/a.ts';
  const b = 'file:///work/b.ts';
  h.open(a, 'const alpha = 1;\n');
  h.open(b, 'const beta = 2;\n');
  const [offered] = (await h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: a }, range, context: { diagnostics: [] } })) as CodeAction[];
  const data = offered!.data as Record<string, unknown>;
  const forgeries = [
    { ...data, uri: b },
    { ...data, range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } } },
    { ...data, instruction: 'delete everything' },
    { ...data, sig: 'AAAA' },
  ];
  for (const forged of forgeries) {
    await assert.rejects(
      h.client.sendRequest(CodeActionResolveRequest.type, { ...offered!, data: forged }),
      (e: unknown) => errorCode(e) === 'SPARK_ERR_BAD_ARGUMENT' && /not offered by this spark-lsp/.test((e as Error).message),
    );
  }
  assert.equal(h.requests().length, 0);
  h.sim.enqueue('const alpha = 10;');
  const resolved = (await h.client.sendRequest(CodeActionResolveRequest.type, offered!)) as CodeAction;
  assert.ok(resolved.edit);
  assert.deepEqual(Object.keys(resolved.edit.changes ?? {}).concat((resolved.edit.documentChanges ?? []).map((d) => ('textDocument' in d ? d.textDocument.uri : ''))), [a]);
});

test('a plaintext endpoint off loopback is refused before any connection, with one message', { timeout: 10_000 }, async () => {
  h = await startHarness({ env: () => ({ OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://spark.example.invalid/v1' }) });
  await h.server.settled();
  const [message] = await h.waitForMessages(1);
  assert.equal(message!.type, MessageType.Error);
  assert.match(message!.message, /plaintext http:\/\/spark\.example\.invalid.*spark\.allowInsecureTransport/);
  const spark = h.server.context.spark;
  assert.ok(spark instanceof SparkError && spark.code === 'SPARK_ERR_INSECURE_ENDPOINT');
});

test('the key can come from spark.apiKeyCommand', { timeout: 10_000 }, async () => {
  const key = 'sk-from-a-command-0123';
  h = await startHarness({
    sim: { apiKeys: [key] },
    initializationOptions: { apiKeyCommand: `echo ${key}` },
    env: (sim) => ({ OPENAI_BASE_URL: sim.url, PATH: process.env.PATH }),
  });
  h.open('file:///work/k.ts', 'const k = ');
  await h.server.settled();
  h.sim.enqueue('1;');
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: 'file:///work/k.ts' }, position: { line: 0, character: 10 } })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, '1;');
  assert.equal(h.requests()[0]!.headers.authorization, 'Bearer ***');
});
