// spark-lsp --stdio --log-file PATH, the built server: the log and one trace line per request land in the file,
// stdout stays LSP only, and neither the key nor the code appears in the file at the default logLevel.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompletionRequest, InitializeRequest, type CompletionList } from 'vscode-languageserver-protocol/node';
import { startSim } from '../../server/sim/index.js';
import { KEY } from '../support/lsp-harness.js';
import { spawnServer } from '../support/stdio-server.js';

test('--log-file: the log and a trace line per request, never the key nor the code', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spark-log-'));
  const sim = await startSim({ tokensPerSecond: 0, responder: () => 'secretCode(42);' });
  try {
    const file = join(dir, 'spark.log');
    const server = spawnServer(['--stdio', '--log-file', file], { PATH: process.env.PATH, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: sim.url });
    const uri = 'file:///tmp/log.ts';
    await server.conn.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
    await server.conn.sendNotification('initialized', {});
    await sim.waitForUpgrades(2);
    await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const answer = ' } });
    const list = (await server.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 15 } })) as CompletionList;
    assert.equal(list.items.length, 1);
    assert.equal(await server.stop(), 0);
    const log = await readFile(file, 'utf8');
    assert.match(log, /^\S+Z info connected to Spark over websocket$/m);
    assert.match(log, /^\S+Z completion answered file:\/\/\/tmp\/log\.ts queue=[\d.]+ beforeSend=[\d.]+ firstToken=[\d.]+ streaming=[\d.]+ afterLastEvent=[\d.]+ total=[\d.]+$/m);
    assert.ok(!log.includes(KEY), 'never the key');
    assert.ok(!log.includes('secretCode'), 'no code at logLevel info');
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
});
