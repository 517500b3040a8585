// Helix cannot be installed here, so its config is checked the way Helix would use it: the server command
// from clients/helix/languages.toml is started, sent the `config` table as initializationOptions and on
// workspace/configuration (as Helix does), and must accept every setting and serve a completion.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { parse } from 'smol-toml';
import {
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  InitializeRequest,
  ShowMessageNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type CompletionList,
  type ShowMessageParams,
} from 'vscode-languageserver-protocol/node';
import { applySettings, DEFAULT_CONFIG } from '../../server/config/schema.js';
import { CLIENTS, workspace, type Workspace } from './support.js';

interface HelixConfig {
  'language-server': Record<string, { command: string; args?: string[]; config?: Record<string, unknown> }>;
  language: { name: string; 'language-servers': string[] }[];
}

const config = parse(readFileSync(join(CLIENTS, 'helix/languages.toml'), 'utf8')) as unknown as HelixConfig;
const spark = config['language-server'].spark!;

let ws: Workspace | undefined;
afterEach(async () => ws?.close());

test('every language entry runs spark beside its usual server', () => {
  assert.ok(config.language.length >= 5);
  for (const lang of config.language) {
    assert.ok(lang['language-servers'].includes('spark'), lang.name);
    assert.ok(lang['language-servers'].length >= 2, `${lang.name} keeps its usual server`);
  }
});

test('every setting in the Helix config is one the server accepts', () => {
  const section = spark.config?.spark;
  assert.ok(section, 'the config carries a spark section');
  assert.deepEqual(applySettings(DEFAULT_CONFIG, section).warnings, []);
});

test('the configured command starts spark-lsp, which takes the settings without a warning and completes', { timeout: 30_000 }, async () => {
  ws = await workspace({});
  ws.sim.setResponder(() => '42;');
  const child = spawn(spark.command, spark.args ?? [], { cwd: ws.dir, env: ws.env, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const messages: ShowMessageParams[] = [];
  conn.onNotification(ShowMessageNotification.type, (m) => {
    messages.push(m);
  });
  conn.onRequest(ConfigurationRequest.type, (p) => p.items.map((item) => (item.section ? spark.config?.[item.section] ?? null : spark.config)));
  conn.listen();
  await conn.sendRequest(InitializeRequest.type, {
    processId: null,
    rootUri: null,
    capabilities: { workspace: { configuration: true } },
    initializationOptions: spark.config,
  });
  await conn.sendNotification('initialized', {});
  const uri = 'file:///work/answer.ts';
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const answer = ' } });
  const list = (await conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 15 } })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, '42;');
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  const [code] = await once(child, 'exit');
  conn.dispose();
  assert.equal(code, 0);
  assert.deepEqual(messages, [], 'no warning about the settings');
});
