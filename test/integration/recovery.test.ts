// Recovery without a restart, fault-matrix style (the real server, a real LSP client, spark-sim): a key
// refused at the upgrade is tried again by the next request after a pause, with spark.apiKeyCommand run again
// first; and requests that disagree with the server about the text are answered empty, never at a clamped
// position. protocol.md section 11 states the same.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { CompletionRequest, ExecuteCommandRequest, InlineCompletionRequest, MessageType, type CompletionList, type InlineCompletionList } from 'vscode-languageserver-protocol/node';
import { AUTH_RETRIES_PER_MINUTE } from '../../server/spark/auth-retry.js';
import { KEY, positionOf, startHarness, until, type Harness } from '../support/lsp-harness.js';

const URI = 'file:///work/src/area.ts';
const SOURCE = 'export function area(r: number) {\n  return Math.PI * r\n}\n';
const CURSOR = positionOf(SOURCE, 'Math.PI * r');
const REPLY = ' * r; // squared';

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function complete(harness: Harness, position = CURSOR, textDocument: Record<string, unknown> = { uri: URI }): Promise<CompletionList> {
  harness.server.context.typingAlong.forget(URI);
  return (await harness.client.sendRequest(CompletionRequest.type, { textDocument: textDocument as { uri: string }, position })) as CompletionList;
}

test('recovery: a refused key is tried again after a pause, spark.apiKeyCommand re-run first; then everything works', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spark-recovery-'));
  dirs.push(dir);
  const keyFile = join(dir, 'key');
  await writeFile(keyFile, 'sk-revoked-0000000000\n');
  h = await startHarness({
    sim: { apiKeys: [KEY] },
    env: (sim) => ({ OPENAI_BASE_URL: sim.url, PATH: process.env.PATH }),
    settings: { apiKeyCommand: `cat ${keyFile}` },
    initializationOptions: { apiKeyCommand: `cat ${keyFile}` },
    // A short pause keeps the test quick; the default is a few seconds.
    server: { authRetry: { pauseMs: 200, perMinute: AUTH_RETRIES_PER_MINUTE } },
  });
  const harness = h;
  harness.sim.setResponder(() => REPLY);
  harness.open(URI, SOURCE);
  await harness.configured;
  // The client built from the pulled settings is the one that meets the refusal: a request answered after
  // the configuration answer means the server has applied it, and settled() that the client is built.
  await harness.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.status', arguments: [] });
  await harness.server.settled();
  await until('the refusal is said', () => harness.statuses.at(-1)?.health === 'error', 10_000);
  const refused = harness.statuses.at(-1)!;
  assert.match(refused.message, /API key was refused.*spark\.apiKeyCommand.*tries again/);
  assert.equal(refused.lastError?.code, 'SPARK_ERR_AUTH');
  const [message] = await harness.waitForMessages(1);
  assert.equal(message!.type, MessageType.Error);
  assert.doesNotMatch(message!.message, /sk-revoked/);

  // The user fixes what the command prints; nothing reconnects by itself meanwhile.
  await writeFile(keyFile, `${KEY}\n`);
  const upgradesBefore = harness.sim.stats.upgrades;
  // Requests keep coming, as an editor sends them (a bounded poll): one of them, after the pause, tries
  // again and is answered.
  let answered: CompletionList | undefined;
  for (let i = 0; i < 200 && !(answered && answered.items.length === 1); i++) {
    answered = await complete(harness);
    if (answered.items.length === 0) await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(answered?.items.length, 1, 'a completion is answered once the key works');
  assert.match(answered!.items[0]!.textEdit!.newText, /squared/);
  await until('the recovery is said', () => harness.statuses.at(-1)?.health === 'ok');
  assert.match(harness.statuses.at(-1)!.message, /recovered; connected over WebSocket/);
  // No storm: one retry opened the pool's connections, and nothing else reconnected.
  const pool = harness.server.context.config.poolSize;
  assert.ok(harness.sim.stats.upgrades - upgradesBefore <= pool * AUTH_RETRIES_PER_MINUTE, `upgrades after the refusal: ${harness.sim.stats.upgrades - upgradesBefore}`);
  assert.equal(harness.sim.stats.upgradesAccepted, pool);
  // Everything works again: another completion, and the status command agrees.
  assert.equal((await complete(harness)).items.length, 1);
  assert.equal(harness.messages.length, 1, 'the refusal was said once');
});

test('recovery: the retry is refused again: requests fail fast until the next pause, no storm', { timeout: 30_000 }, async () => {
  h = await startHarness({
    sim: { apiKeys: [KEY] },
    env: (sim) => ({ OPENAI_API_KEY: 'sk-still-wrong-000000', OPENAI_BASE_URL: sim.url }),
    server: { authRetry: { pauseMs: 100, perMinute: 2 } },
  });
  const harness = h;
  harness.open(URI, SOURCE);
  await until('the refusal', () => harness.statuses.at(-1)?.health === 'error', 10_000);
  const pool = harness.server.context.config.poolSize;
  // Keep asking for a while: at most 2 retries a minute may reach the endpoint.
  const until2 = Date.now() + 1_500;
  while (Date.now() < until2) {
    assert.deepEqual((await complete(harness)).items, []);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(harness.sim.stats.upgrades <= pool * 3, `upgrades: ${harness.sim.stats.upgrades} (the first ${pool}, then at most 2 retries of ${pool})`);
  assert.ok(harness.sim.stats.upgrades > pool, 'at least one retry happened');
  assert.equal(harness.sim.stats.creates.length, 0, 'nothing went upstream');
  assert.equal(harness.statuses.at(-1)!.health, 'error');
  assert.equal(harness.messages.length, 1, 'the refusal is said once, not per retry');
});

test('disagreement: a position past the last line answers empty, without a model call, logged once', async () => {
  h = await startHarness({});
  const harness = h;
  harness.sim.setResponder(() => REPLY);
  harness.open(URI, SOURCE);
  await harness.configured;
  const beyond = { line: 10, character: 0 };
  assert.deepEqual((await complete(harness, beyond)).items, []);
  assert.deepEqual((await complete(harness, beyond)).items, []);
  const inline = (await harness.client.sendRequest(InlineCompletionRequest.type, {
    textDocument: { uri: URI },
    position: beyond,
    context: { triggerKind: 1 },
  })) as InlineCompletionList;
  assert.deepEqual(inline.items, []);
  assert.equal(harness.requests().length, 0, 'the model was not asked');
  const said = harness.logs.filter((l) => /disagree/.test(l.message));
  assert.equal(said.length, 1, said.map((l) => l.message).join('\n'));
  assert.equal(said[0]!.type, MessageType.Info);
  assert.match(said[0]!.message, /line 10 lies beyond the document's last line \(3\)/);
  // The last line itself is fine (an empty line after the final newline), and so is the cursor.
  assert.equal((await complete(harness)).items.length, 1);
});

test('disagreement: a request for an older version answers empty, logged once; the current version is answered', async () => {
  h = await startHarness({});
  const harness = h;
  harness.sim.setResponder(() => REPLY);
  harness.open(URI, SOURCE);
  harness.change(URI, SOURCE);
  await harness.configured;
  const current = harness.docs.get(URI)!.version;
  assert.deepEqual((await complete(harness, CURSOR, { uri: URI, version: current - 1 })).items, []);
  assert.deepEqual((await complete(harness, CURSOR, { uri: URI, version: current - 1 })).items, []);
  assert.equal(harness.requests().length, 0);
  const said = harness.logs.filter((l) => /disagree/.test(l.message));
  assert.equal(said.length, 1);
  assert.match(said[0]!.message, new RegExp(`version ${current - 1}, the server has version ${current}`));
  assert.equal((await complete(harness, CURSOR, { uri: URI, version: current })).items.length, 1);
});
