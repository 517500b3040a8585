// The API key never leaves the process except in the Authorization header: everything the built server
// writes (LSP frames, logs at debug level, error answers, messages, stderr) is searched for it.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import {
  CompletionRequest,
  ExecuteCommandRequest,
  InitializeRequest,
  ShowMessageNotification,
} from 'vscode-languageserver-protocol/node';
import { startSim } from '../../server/sim/index.js';
import type { SparkSim } from '../../server/sim/api.js';
import { spawnServer } from '../support/stdio-server.js';

const KEY = 'sk-secret-never-print-7f3a9c';
let sim: SparkSim | undefined;
afterEach(async () => sim?.close());

async function session(acceptKey: boolean): Promise<{ all: string; messages: string[] }> {
  sim = await startSim({ tokensPerSecond: 0, apiKeys: [acceptKey ? KEY : 'sk-some-other-key'] });
  sim.setResponder(() => 'value;');
  const server = spawnServer(['--stdio'], { PATH: process.env.PATH, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: sim.url });
  const messages: string[] = [];
  server.conn.onNotification(ShowMessageNotification.type, (m) => {
    messages.push(m.message);
  });
  const uri = 'file:///work/s.ts';
  await server.conn.sendRequest(InitializeRequest.type, {
    processId: null,
    rootUri: 'file:///work',
    capabilities: { workspace: { applyEdit: true } },
    initializationOptions: { spark: { logLevel: 'debug' } },
  });
  await server.conn.sendNotification('initialized', {});
  await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const v = ' } });
  await server.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 10 } });
  const edit = server.conn
    .sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 10 } }, instruction: 'finish it' }] })
    .then((r) => JSON.stringify(r), (e: unknown) => JSON.stringify(e) + String(e));
  const answered = await edit;
  assert.equal(await server.stop(), 0);
  return { all: server.stdout().toString('utf8') + server.stderr() + answered, messages };
}

test('a refused key is reported by the variable that holds it, never by its value', { timeout: 20_000 }, async () => {
  const { all, messages } = await session(false);
  assert.ok(messages.some((m) => /refused/.test(m) && /OPENAI_API_KEY/.test(m)), messages.join('\n'));
  assert.ok(!all.includes(KEY), 'the key appears in what the server wrote');
  assert.ok(!all.includes(KEY.slice(3, 20)), 'part of the key appears in what the server wrote');
});

test('a working session at debug level never writes the key', { timeout: 20_000 }, async () => {
  const { all } = await session(true);
  assert.ok(all.includes('Content-Length'), 'the capture holds the session');
  assert.ok(all.includes('Bearer ***'), 'the debug trace of the upgrade headers is there, redacted');
  assert.ok(sim!.stats.creates.length >= 1, 'requests reached the model');
  assert.ok(!all.includes(KEY));
});
