// spark.status, the spark/status notification and the per-request trace, through a real LSP client against
// the in-process server and spark-sim: what each says as the connection comes up, falls back, is rate limited
// and recovers. No timings are asserted, only that the breakdown is there and adds up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import {
  CompletionRequest,
  ErrorCodes,
  ExecuteCommandRequest,
  ResponseError,
  type CompletionList,
  type LogMessageParams,
} from 'vscode-languageserver-protocol/node';
import type { StatusReport } from '../../server/lsp/status.js';
import { KEY, positionOf, startHarness, until, type Harness, type HarnessOptions } from '../support/lsp-harness.js';

const URI = 'file:///work/src/area.ts';
const SOURCE = 'export function area(r: number) {\n  return Math.PI * r\n}\n';
const CURSOR = positionOf(SOURCE, 'Math.PI * r');
const REPLY = ' * r; // squared';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  h.sim.setResponder(() => REPLY);
  h.open(URI, SOURCE);
  await h.configured;
  return h;
}

async function status(harness: Harness): Promise<StatusReport> {
  return (await harness.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.status', arguments: [] })) as StatusReport;
}

async function complete(harness: Harness): Promise<CompletionList> {
  harness.server.context.typingAlong.forget(URI);
  return (await harness.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: CURSOR })) as CompletionList;
}

const last = (harness: Harness) => harness.statuses.at(-1);

test('spark.status: health, transport, connections, model, endpoint, and a latency breakdown that adds up', async () => {
  const harness = await start();
  await until('connected', () => last(harness)?.health === 'ok');
  const before = await status(harness);
  assert.equal(before.health, 'ok');
  assert.equal(before.transport, 'websocket');
  assert.equal(before.connections, harness.server.context.config.poolSize);
  assert.equal(before.model, 'gpt-5.3-codex-spark');
  assert.equal(before.endpoint, harness.sim.url);
  assert.equal(before.lastError, null);
  assert.equal(before.latency.samples, 0);
  assert.equal(before.latency.totalMs, null);
  assert.match(before.message, /connected over WebSocket/);
  assert.deepEqual(before.reviews, { running: 0, last: null });
  // protocol.md documents exactly these fields, in this order.
  const doc = readFileSync(new URL('../../protocol.md', import.meta.url), 'utf8');
  const block = /### `spark\.status`[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
  assert.deepEqual([...block.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]), Object.keys(before));

  for (let i = 0; i < 5; i++) assert.equal((await complete(harness)).items.length, 1);
  const after = await status(harness);
  assert.equal(after.latency.samples, 5);
  const phases = ['queueMs', 'beforeSendMs', 'firstTokenMs', 'streamingMs', 'afterLastEventMs', 'totalMs'] as const;
  for (const phase of phases) {
    const p = after.latency[phase];
    assert.ok(p !== null, phase);
    assert.ok(p.p50 >= 0 && p.p90 >= p.p50, `${phase}: ${JSON.stringify(p)}`);
  }
  // Each phase is a part of the whole round trip.
  for (const phase of phases.slice(0, -1)) assert.ok(after.latency[phase]!.p50 <= after.latency.totalMs!.p50 + 1e-9, phase);
  // The key is nowhere in it.
  assert.doesNotMatch(JSON.stringify(after), new RegExp(KEY));
});

test('spark.status takes no arguments', async () => {
  const harness = await start();
  await assert.rejects(
    harness.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.status', arguments: [{ verbose: true }] }),
    (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && /spark\.status: arguments/.test(e.message),
  );
});

test('spark/status: said when health or transport changes: connected, then fallen back to HTTP', async () => {
  // Every upgrade refused with 426: the pool falls back to HTTP/SSE at once.
  const harness = await start({ beforeInitialize: (sim) => sim.inject({ kind: 'upgrade-status', status: 426, times: 1000 }) });
  await until('the fallback is said', () => last(harness)?.transport === 'http');
  const s = last(harness)!;
  assert.equal(s.health, 'degraded');
  assert.match(s.message, /fell back to HTTP\/SSE: the endpoint answered 426/);
  assert.equal(s.connections, 0);
  // The notification carries the same shape as the command.
  assert.deepEqual(Object.keys(s).sort(), Object.keys(await status(harness)).sort());
  // Requests work over HTTP; health stays degraded (no new notification for the same health and transport).
  const count = harness.statuses.length;
  assert.equal((await complete(harness)).items.length, 1);
  assert.equal(harness.statuses.length, count);
});

test('spark/status: rate limited, then recovered at the next answered request', async () => {
  const harness = await start();
  await until('connected', () => last(harness)?.health === 'ok');
  harness.sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', message: 'Slow down.', retryAfterSeconds: 1 });
  assert.deepEqual((await complete(harness)).items, []);
  await until('the rate limit is said', () => last(harness)?.health === 'degraded');
  const limited = last(harness)!;
  assert.match(limited.message, /rate limited by the service; requests are held for 1 s/);
  assert.equal(limited.lastError?.code, 'SPARK_ERR_RATE_LIMITED');
  assert.equal(limited.transport, 'websocket');
  // The next completion waits out the hold, is answered, and health is back.
  assert.equal((await complete(harness)).items.length, 1);
  await until('the recovery is said', () => last(harness)?.health === 'ok');
  assert.match(last(harness)!.message, /recovered/);
});

test('spark/status without a key: error naming OPENAI_API_KEY', async () => {
  const harness = await start({ env: () => ({}) });
  await until('the status is said', () => last(harness) !== undefined);
  const s = last(harness)!;
  assert.equal(s.health, 'error');
  assert.equal(s.transport, 'none');
  assert.match(s.message, /OPENAI_API_KEY is not set/);
  assert.equal(s.lastError?.code, 'SPARK_ERR_NO_API_KEY');
});

test('spark/status: the endpoint unreachable is an error', async () => {
  const harness = await start({ env: () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }), settings: { transport: 'websocket' } });
  await until('unreachable is said', () => last(harness)?.health === 'error', 20_000);
  assert.match(last(harness)!.message, /the endpoint is unreachable/);
  assert.equal(last(harness)!.endpoint, 'http://127.0.0.1:9/v1');
});

function traceLines(logs: LogMessageParams[]): string[] {
  return logs.map((l) => l.message).filter((m) => / (completion|inline|edit) /.test(m) && /total=/.test(m));
}

test('spark.trace: one line per request with the breakdown; the code only at logLevel debug', async () => {
  const file: string[] = [];
  const harness = await start({ settings: { trace: true }, initializationOptions: { trace: true }, server: { logFile: (l) => file.push(l) } });
  await until('connected', () => last(harness)?.health === 'ok');
  assert.equal((await complete(harness)).items.length, 1);
  await until('the trace line', () => traceLines(harness.logs).length === 1);
  const [line] = traceLines(harness.logs);
  assert.match(line!, /^\S+Z completion answered file:\/\/\/work\/src\/area\.ts queue=[\d.]+ beforeSend=[\d.]+ firstToken=[\d.]+ streaming=[\d.]+ afterLastEvent=[\d.]+ total=[\d.]+$/);
  assert.ok(!line!.includes('squared'), 'no code at logLevel info');
  // --log-file gets the same line.
  assert.ok(file.includes(line!), file.join('\n'));
  // A request answered without the model says so.
  // (The answer repeats ' * r' before the cursor; what is inserted is '; // squared'.)
  const typed = SOURCE.replace('Math.PI * r', 'Math.PI * r;');
  harness.change(URI, typed);
  await harness.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: positionOf(typed, 'Math.PI * r;') });
  await until('the second trace line', () => traceLines(harness.logs).length === 2);
  assert.match(traceLines(harness.logs)[1]!, / completion answered \S+ upstream=no total=[\d.]+$/);

  await harness.client.sendNotification('workspace/didChangeConfiguration', { settings: { spark: { trace: true, logLevel: 'debug' } } });
  await until('logLevel debug', () => harness.server.context.config.logLevel === 'debug');
  harness.change(URI, SOURCE);
  await complete(harness);
  await until('the third trace line', () => traceLines(harness.logs).length === 3);
  assert.match(traceLines(harness.logs)[2]!, / text="; \/\/ squared"$/);
  for (const l of [...harness.logs.map((x) => x.message), ...file]) assert.ok(!l.includes(KEY), 'never the key');
});

test('spark.trace off and no log file: no trace lines', async () => {
  const harness = await start();
  await until('connected', () => last(harness)?.health === 'ok');
  await complete(harness);
  await status(harness);
  assert.deepEqual(traceLines(harness.logs), []);
});
