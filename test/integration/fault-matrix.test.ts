// The fault matrix: every fault spark-sim can inject, seen through a real LSP client and the in-process
// server. For each: what the user sees (a completion degrades quietly to an empty answer; spark.edit answers
// a ResponseError with the right SPARK_ERR_* and exactly one showMessage), that the server stays up, that the
// next request succeeds once the fault clears, and that nothing leaks (requests, lanes, sockets, timers).
// protocol.md section 11 is the same matrix in prose; keep them in step.
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
import { startSim } from '../../server/sim/index.js';
import type { SimFault, SimRequest, SparkSim } from '../../server/sim/api.js';
import type { SparkClient } from '../../server/spark/api.js';
import { SparkErrorCode } from '../../server/spark/errors.js';
import { KEY, positionOf, startHarness, type Harness, type HarnessOptions } from '../support/lsp-harness.js';
import { freePort } from '../support/free-port.js';

const URI = 'file:///work/src/circle.ts';
const SOURCE = 'export function area(r: number) {\n  return Math.PI * r\n}\n';
const CURSOR = positionOf(SOURCE, 'Math.PI * r');
/** Long enough to stream as several deltas, so faults "after N deltas" land mid-answer. */
const COMPLETION_REPLY = ' * r; // the area of a circle of radius r';
const EDITED_LINE = '  return Math.PI * r * r; // squared radius times pi\n';
const EDIT_ARGS = {
  uri: URI,
  range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } },
  instruction: 'square the radius',
};

let h: Harness | undefined;
const extraSims: SparkSim[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const sim of extraSims.splice(0)) await sim.close();
});

/** Edits (the prompt says what may change) get the edited line, as the selection's new text; completions get the completion text. */
const responder = (req: SimRequest) => (req.inputText.includes('You may change:') ? EDITED_LINE : COMPLETION_REPLY);

async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  h.sim.setResponder(responder);
  h.open(URI, SOURCE);
  if (options.settings) await h.configured;
  return h;
}

function sparkOf(harness: Harness): SparkClient {
  const spark = harness.server.context.spark;
  assert.ok(!(spark instanceof Error), `the server has a Spark client (${spark instanceof Error ? spark.message : ''})`);
  return spark;
}

/** Waits for a condition that an event will make true: a bounded poll, never a fixed sleep. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function complete(harness: Harness): Promise<CompletionList> {
  // Every completion here must reach the model (and the armed fault): drop the suggestion the server
  // remembers for typing along, which would otherwise answer a repeated request without a model call.
  harness.server.context.typingAlong.forget(URI);
  return (await harness.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: CURSOR })) as CompletionList;
}

/** A completion that carries the model's answer. */
async function completesNormally(harness: Harness): Promise<void> {
  const list = await complete(harness);
  assert.equal(list.items.length, 1, 'one completion item');
  assert.match(list.items[0]!.textEdit!.newText, /the area of a circle of radius r/);
}

/** A completion that degraded quietly: an empty answer and no message. */
async function completesEmpty(harness: Harness): Promise<void> {
  const before = harness.messages.length;
  const list = await complete(harness);
  assert.deepEqual(list.items, [], 'a completion degrades to an empty answer');
  assert.equal(harness.messages.length, before, 'and says nothing');
}

/** The creates that asked for an answer (warm-ups send `generate: false`). */
const generating = (harness: Harness) => harness.sim.stats.creates.filter((c) => c.body['generate'] !== false);

function runEdit(harness: Harness): Promise<unknown> {
  return harness.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [EDIT_ARGS] });
}

/** spark.edit applies the model's line. */
async function editsNormally(harness: Harness): Promise<void> {
  const applied = harness.applied.length;
  assert.deepEqual(await runEdit(harness), { applied: true });
  assert.equal(harness.applied.length, applied + 1);
  assert.equal(harness.text(URI), SOURCE.replace('  return Math.PI * r\n', EDITED_LINE));
  // Back to the original text for the next step (the client tells the server, as an editor would).
  harness.change(URI, SOURCE);
  await flush(harness);
}

/**
 * The harness sends didChange without waiting; a request answered at once (listing code actions makes no
 * model call) is written after it, so its answer means the server has the change and nothing is left to write.
 */
async function flush(harness: Harness): Promise<void> {
  await harness.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range: { start: CURSOR, end: CURSOR }, context: { diagnostics: [] } });
}

/** spark.edit fails with `code`, one showMessage, and nothing applied. Returns the error message. */
async function editFails(harness: Harness, code: string): Promise<string> {
  const messages = harness.messages.length;
  const applied = harness.applied.length;
  const text = harness.text(URI);
  let error: unknown;
  try {
    await runEdit(harness);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ResponseError, `spark.edit answers a ResponseError (got ${String(error)})`);
  assert.deepEqual(error.data, { code }, error.message);
  // The notification is written before the response on the same stream, so it has arrived by now.
  assert.equal(harness.messages.length, messages + 1, 'exactly one showMessage');
  assert.equal(harness.messages.at(-1)!.message, error.message, 'the message says what the error says');
  assert.equal(harness.applied.length, applied, 'no workspace/applyEdit');
  assert.equal(harness.text(URI), text, 'the document is untouched');
  return error.message;
}

/** Nothing in flight or queued (client and sim), sockets within the pool, no supersession turn left open. */
async function noLeaks(harness: Harness): Promise<void> {
  const spark = sparkOf(harness);
  const pool = harness.server.context.config.poolSize;
  await until(() => {
    const s = spark.stats();
    return (
      s.inFlight === 0 &&
      s.queued === 0 &&
      s.openSockets <= pool &&
      harness.sim.stats.inFlight === 0 &&
      harness.sim.stats.openConnections <= pool &&
      harness.server.context.latest.size === 0
    );
  }, `no leak: ${JSON.stringify({ spark: spark.stats(), simInFlight: harness.sim.stats.inFlight, simOpen: harness.sim.stats.openConnections })}`);
}

/** Timers and sockets the process holds; after a harness is closed they must be back to where they were. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

async function closedWithoutLeftovers(before: Record<string, number>): Promise<void> {
  await h!.close();
  h = undefined;
  for (const sim of extraSims.splice(0)) await sim.close();
  // Sockets close asynchronously; wait for the counts to come back rather than for a fixed time.
  await until(() => {
    const now = handles();
    return Object.entries(now).every(([kind, n]) => n <= (before[kind] ?? 0));
  }, `timers and sockets released: before ${JSON.stringify(before)}, now ${JSON.stringify(handles())}`);
}

// ---- faults of one response: the same shape for each --------------------------------------------

interface ResponseFaultRow {
  name: string;
  /** Armed before the completion and again before the edit (faults are consumed by one response). */
  faults: SimFault[];
  /** What the completion answers while the fault is armed ('partial': one item with the text so far). */
  completion: 'empty' | 'answer' | 'partial';
  /** What spark.edit answers: applied, or the error code (and what its message must say). */
  edit: 'applied' | { code: string; message?: RegExp };
}

const ROWS: ResponseFaultRow[] = [
  {
    name: '500 error event',
    faults: [{ kind: 'error', status: 500, code: 'server_error', message: 'The server had an error.' }],
    completion: 'empty',
    edit: { code: SparkErrorCode.Upstream, message: /500 server_error: The server had an error/ },
  },
  {
    name: '503 error event',
    faults: [{ kind: 'error', status: 503, code: 'service_unavailable', message: 'Overloaded.' }],
    completion: 'empty',
    edit: { code: SparkErrorCode.Upstream, message: /503 service_unavailable/ },
  },
  {
    name: 'response.failed mid-stream',
    faults: [{ kind: 'failed', code: 'server_error', afterDeltas: 2 }],
    completion: 'empty',
    edit: { code: SparkErrorCode.Upstream, message: /failed: server_error/ },
  },
  {
    // A completion may show a truncated answer (it is only a suggestion the user sees first); an edit never.
    name: 'response.incomplete',
    faults: [{ kind: 'incomplete', afterDeltas: 2 }],
    completion: 'partial',
    edit: { code: SparkErrorCode.Incomplete, message: /cut short.*nothing was applied/ },
  },
  {
    name: 'socket closed mid-stream with 1006 (retried once)',
    faults: [{ kind: 'close', code: 1006, afterDeltas: 2 }],
    completion: 'answer',
    edit: 'applied',
  },
  {
    name: 'socket closed mid-stream with 1011 (retried once)',
    faults: [{ kind: 'close', code: 1011, afterDeltas: 2 }],
    completion: 'answer',
    edit: 'applied',
  },
  {
    name: 'socket closed mid-stream twice (1006 then 1011: the one retry is spent)',
    faults: [
      { kind: 'close', code: 1006, afterDeltas: 1 },
      { kind: 'close', code: 1011, afterDeltas: 1 },
    ],
    completion: 'empty',
    edit: { code: SparkErrorCode.Connection, message: /lost mid-response/ },
  },
  {
    name: 'malformed frame (not JSON)',
    faults: [{ kind: 'malformed', afterDeltas: 1 }],
    completion: 'empty',
    edit: { code: SparkErrorCode.Protocol, message: /malformed server event/ },
  },
  {
    name: 'event of a known type with a wrong shape',
    faults: [{ kind: 'bad-shape', afterDeltas: 1 }],
    completion: 'empty',
    edit: { code: SparkErrorCode.Protocol, message: /malformed server event/ },
  },
  {
    name: 'sparse stream with unknown event types',
    faults: [{ kind: 'sparse' }],
    completion: 'answer',
    edit: 'applied',
  },
  {
    name: 'previous_response_not_found (retried once with the full input)',
    faults: [{ kind: 'error', status: 400, code: 'previous_response_not_found', param: 'previous_response_id' }],
    completion: 'answer',
    edit: 'applied',
  },
  {
    name: 'previous_response_not_found twice (the one retry is spent)',
    faults: [
      { kind: 'error', status: 400, code: 'previous_response_not_found' },
      { kind: 'error', status: 400, code: 'previous_response_not_found' },
    ],
    completion: 'empty',
    edit: { code: SparkErrorCode.Upstream, message: /previous_response_not_found/ },
  },
];

for (const row of ROWS) {
  test(`fault: ${row.name}`, { timeout: 20_000 }, async () => {
    const before = handles();
    const harness = await start();
    await sparkOf(harness).ready();

    for (const f of row.faults) harness.sim.inject(f);
    if (row.completion === 'empty') await completesEmpty(harness);
    else if (row.completion === 'answer') await completesNormally(harness);
    else {
      const list = await complete(harness);
      assert.equal(list.items.length, 1);
      assert.doesNotMatch(list.items[0]!.textEdit!.newText, /radius r/, 'only the text that arrived');
    }
    await noLeaks(harness);

    for (const f of row.faults) harness.sim.inject(f);
    if (row.edit === 'applied') await editsNormally(harness);
    else {
      const message = await editFails(harness, row.edit.code);
      if (row.edit.message) assert.match(message, row.edit.message);
    }
    await noLeaks(harness);

    // The fault has cleared: the very next requests succeed on the same server.
    await completesNormally(harness);
    await editsNormally(harness);
    await noLeaks(harness);
    assert.equal(harness.messages.length, row.edit === 'applied' ? 0 : 1, 'no message but the one for the failed edit');
    await closedWithoutLeftovers(before);
  });
}

// ---- faults with their own shape ------------------------------------------------------------------

test('fault: 429 with retry-after: the request fails, later ones wait out the retry-after, then succeed', { timeout: 20_000 }, async () => {
  const before = handles();
  const harness = await start();
  await sparkOf(harness).ready();
  harness.sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 1 });
  await completesEmpty(harness);
  // The next completion's deadline lies beyond the wait: it is held until the retry-after passed, then served.
  await completesNormally(harness);
  await noLeaks(harness);
  harness.sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 1 });
  const message = await editFails(harness, SparkErrorCode.RateLimited);
  assert.match(message, /rate limited.*1 s/i);
  await completesNormally(harness);
  await editsNormally(harness);
  await noLeaks(harness);
  assert.equal(harness.messages.length, 1, 'one message, for the failed edit');
  await closedWithoutLeftovers(before);
});

test('fault: 401 at upgrade: one clear message, no retry storm; a good key recovers', { timeout: 20_000 }, async () => {
  const before = handles();
  const harness = await start({
    // No retry within this test (the retry after a pause has a test of its own below).
    server: { authRetry: { pauseMs: 600_000, perMinute: 5 } },
    sim: { apiKeys: [KEY] },
    env: (sim) => ({ OPENAI_API_KEY: 'sk-refused-0000', OPENAI_BASE_URL: sim.url }),
  });
  await sparkOf(harness).ready();
  const [auth] = await harness.waitForMessages(1);
  assert.equal(auth!.type, MessageType.Error);
  assert.match(auth!.message, /API key was refused.*OPENAI_API_KEY/);
  assert.doesNotMatch(auth!.message, /sk-refused/, 'the key itself is never shown');

  await completesEmpty(harness);
  await completesEmpty(harness);
  const message = await editFails(harness, SparkErrorCode.Auth);
  assert.match(message, /refused the API key/);
  const pool = harness.server.context.config.poolSize;
  assert.equal(harness.sim.stats.upgrades, pool, 'one upgrade per pool slot, then none');
  assert.equal(sparkOf(harness).stats().upgradesAttempted, pool);
  assert.equal(harness.sim.stats.creates.length, 0, 'nothing went upstream');
  assert.equal(harness.messages.length, 2, 'the auth message once, and one for the edit');
  await noLeaks(harness);

  // The user fixes the key in the settings: a new client connects and serves requests.
  await harness.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { spark: { apiKey: KEY } } });
  await until(() => !(harness.server.context.spark instanceof Error) && sparkOf(harness).stats().upgradesSucceeded > 0, 'the new client to connect');
  await completesNormally(harness);
  await editsNormally(harness);
  await noLeaks(harness);
  assert.equal(harness.messages.length, 2);
  await closedWithoutLeftovers(before);
});

test('fault: 426 at upgrade: HTTP/SSE serves completions and edits', { timeout: 20_000 }, async () => {
  const before = handles();
  // Every upgrade is refused; WebSockets are retried after 5 minutes (not a setting), beyond this test.
  const harness = await start({ beforeInitialize: (sim) => sim.inject({ kind: 'upgrade-status', status: 426, times: 1000 }) });
  const spark = sparkOf(harness);
  await spark.ready();
  assert.equal(spark.stats().transport, 'http');
  await completesNormally(harness);
  await editsNormally(harness);
  assert.ok(harness.sim.stats.httpRequests >= 2, 'served over HTTP');
  assert.ok(harness.sim.stats.creates.every((c) => c.transport === 'http'));
  assert.equal(harness.sim.stats.upgrades, harness.server.context.config.poolSize, 'no further upgrades while on HTTP');
  // Faults over the fallback surface the same way.
  harness.sim.inject({ kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 3 });
  assert.match(await editFails(harness, SparkErrorCode.RateLimited), /3 s/);
  harness.sim.inject({ kind: 'close', code: 1006, afterDeltas: 1 });
  await completesEmpty(harness);
  await completesNormally(harness);
  await noLeaks(harness);
  assert.equal(spark.stats().openSockets, 0);
  assert.equal(harness.messages.length, 1, 'the fallback itself is not a message; only the failed edit is');
  await closedWithoutLeftovers(before);
});

test('fault: 429 at upgrade with retry-after: requests wait for the pool, then succeed', { timeout: 20_000 }, async () => {
  const before = handles();
  const harness = await start({ beforeInitialize: (sim) => sim.inject({ kind: 'upgrade-status', status: 429, times: 2, retryAfterSeconds: 1 }) });
  const spark = sparkOf(harness);
  await spark.ready();
  // Both slots were refused and wait out Retry-After; a completion queues for a lane meanwhile.
  assert.equal(spark.stats().openSockets, 0);
  await completesNormally(harness);
  assert.equal(harness.sim.stats.creates[0]?.transport, 'websocket');
  await editsNormally(harness);
  await noLeaks(harness);
  assert.equal(harness.messages.length, 0);
  await closedWithoutLeftovers(before);
});

test('fault: a stall with no events: the deadline answers; the lane is reclaimed', { timeout: 30_000 }, async () => {
  const before = handles();
  const harness = await start({ settings: { completion: { timeoutMs: 100 }, edit: { timeoutMs: 1000 } } });
  const spark = sparkOf(harness);
  await spark.ready();
  harness.sim.inject({ kind: 'stall', afterDeltas: 1 });
  await completesEmpty(harness);
  harness.sim.inject({ kind: 'stall', afterDeltas: 1 });
  assert.match(await editFails(harness, SparkErrorCode.Timeout), /deadline/);
  // The stalled responses still hold their lanes; other lanes serve meanwhile.
  assert.ok(spark.stats().inFlight >= 1, 'the stalled lanes are held until deadline + grace');
  await completesNormally(harness);
  // After the grace the stalled sockets are dropped and the pool reconnects.
  await noLeaks(harness);
  await until(() => spark.stats().openSockets === harness.server.context.config.poolSize, 'the pool to reconnect');
  await completesNormally(harness);
  await editsNormally(harness);
  assert.equal(harness.messages.length, 1);
  await closedWithoutLeftovers(before);
});

test('fault: websocket_connection_limit_reached while idle: the pool replaces its connections', { timeout: 20_000 }, async () => {
  const before = handles();
  const harness = await start();
  const spark = sparkOf(harness);
  await spark.ready();
  const pool = harness.server.context.config.poolSize;
  harness.sim.inject({ kind: 'connection-limit' });
  await until(() => harness.sim.stats.upgradesAccepted === 2 * pool && spark.stats().openSockets === pool, 'the replacements');
  const createsBefore = harness.sim.stats.creates.length;
  await completesNormally(harness);
  await editsNormally(harness);
  assert.ok(harness.sim.stats.creates.slice(createsBefore).every((c) => c.connection > pool), 'served on the new connections');
  await noLeaks(harness);
  assert.equal(harness.messages.length, 0);
  await closedWithoutLeftovers(before);
});

test('fault: websocket_connection_limit_reached in flight: the request is retried once on a new connection', { timeout: 20_000 }, async () => {
  const before = handles();
  // One connection, so the retry has to wait for its replacement. (The simulator hits every connection at
  // once; with two, a retry may land on the other one just before the limit reaches it too, and then the
  // one retry is spent: SPARK_ERR_CONNECTION, as for a socket lost twice.)
  const harness = await start({ initializationOptions: { poolSize: 1 } });
  await sparkOf(harness).ready();
  const pool = harness.server.context.config.poolSize;
  assert.equal(pool, 1);
  // Hold the first answer of each request back until the limit has hit it.
  harness.sim.setResponder((req) => ({ text: responder(req), firstTokenMs: req.index % 2 === 1 ? 5_000 : 0 }));

  const completion = complete(harness);
  await harness.sim.waitForCreates(1);
  harness.sim.inject({ kind: 'connection-limit' });
  const list = await completion;
  assert.match(list.items[0]?.textEdit?.newText ?? '', /the area/, 'the retry answered');
  assert.ok(harness.sim.stats.creates[1]!.connection > pool, 'on a new connection');

  const edit = runEdit(harness);
  await harness.sim.waitForCreates(3);
  harness.sim.inject({ kind: 'connection-limit' });
  assert.deepEqual(await edit, { applied: true });
  harness.change(URI, SOURCE);
  await flush(harness);

  harness.sim.setResponder(responder);
  await completesNormally(harness);
  await noLeaks(harness);
  assert.equal(harness.messages.length, 0);
  await closedWithoutLeftovers(before);
});

test('fault: the endpoint is down at start and comes up later', { timeout: 30_000 }, async () => {
  const before = handles();
  const port = await freePort();
  const harness = await start({
    settings: { completion: { timeoutMs: 300 } },
    env: () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }),
  });
  const spark = sparkOf(harness);
  await spark.ready();
  // Three refused upgrades in a row: the pool falls back to HTTP/SSE, which fails too.
  await until(() => spark.stats().transport === 'http', 'the fallback to HTTP');
  assert.deepEqual((await complete(harness)).items, [], 'completions are empty meanwhile');
  const [unreachable] = await harness.waitForMessages(1);
  assert.equal(unreachable!.type, MessageType.Warning);
  assert.match(unreachable!.message, /endpoint is unreachable.*retrying in the background/);
  assert.deepEqual((await complete(harness)).items, []);
  assert.match(await editFails(harness, SparkErrorCode.Connection), /fetch failed|ECONNREFUSED|connect/i);

  const sim = await startSim({ port, tokensPerSecond: 0, responder });
  extraSims.push(sim);
  // Answers come once the endpoint is up (over the fallback or a reconnected socket).
  await until(() => sim.stats.upgradesAccepted > 0 || sim.stats.httpRequests > 0 || spark.stats().transport === 'http', 'the endpoint to be used');
  let list = await complete(harness);
  for (let tries = 0; list.items.length === 0 && tries < 50; tries++) list = await complete(harness);
  assert.equal(list.items.length, 1, 'completions work once the endpoint is up');
  await editsNormally(harness);
  const s = spark.stats();
  await until(() => spark.stats().inFlight === 0 && spark.stats().queued === 0 && sim.stats.inFlight === 0, 'nothing in flight');
  assert.ok(s.openSockets <= harness.server.context.config.poolSize);
  assert.equal(harness.messages.length, 2, 'unreachable once, and the failed edit');
  await closedWithoutLeftovers(before);
});

test('fault: a slow upgrade: a completion past its deadline is empty, then requests are served', { timeout: 20_000 }, async () => {
  const before = handles();
  const harness = await start({
    sim: { handshakeDelayMs: 1_500 },
    settings: { completion: { timeoutMs: 200 } },
  });
  const spark = sparkOf(harness);
  assert.equal(spark.stats().openSockets, 0, 'still upgrading');
  await completesEmpty(harness);
  await spark.ready();
  await completesNormally(harness);
  await editsNormally(harness);
  assert.ok(harness.sim.stats.creates.every((c) => c.transport === 'websocket'));
  // Warm-ups (generate: false) aside, only the two requests that were served went upstream.
  assert.equal(generating(harness).length, 2, 'the request that gave up never went upstream');
  await noLeaks(harness);
  assert.equal(harness.messages.length, 0);
  await closedWithoutLeftovers(before);
});

