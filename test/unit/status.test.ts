// The status model (health and transport from the Spark client's status and from requests; the notification
// exactly on a change), the phases of one request, the trace line, and the endpoint shown without credentials.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointLabel } from '../../server/config/schema.js';
import { Status, type RequestRecord, type ReviewsReport, type StatusReport } from '../../server/lsp/status.js';
import { traceLine } from '../../server/lsp/trace.js';
import type { SparkStatus } from '../../server/spark/api.js';
import { SparkError, SparkErrorCode } from '../../server/spark/errors.js';
import { phasesOf, type RequestTimings } from '../../server/spark/timings.js';

function makeStatus(transport: 'auto' | 'websocket' | 'http' = 'auto') {
  const sent: StatusReport[] = [];
  const reviews: ReviewsReport = { running: 0, last: null };
  const status = new Status({
    notify: (r) => sent.push(r),
    model: () => 'gpt-5.3-codex-spark',
    endpoint: () => 'https://api.openai.com/v1',
    connections: () => 2,
    configuredTransport: () => transport,
    reviews: () => ({ ...reviews }),
  });
  return { status, sent, reviews };
}

const TIMINGS: RequestTimings = { received: 100, submitted: 100.5, started: 101, sent: 101.25, firstToken: 105, lastEvent: 106, answered: 106.5 };
const model = (t: Partial<RequestTimings> = {}): RequestRecord => ({ kind: 'completion', uri: 'file:///a.ts', timings: { ...TIMINGS, ...t }, outcome: 'answered', text: 'x + 1' });
const failed = (error: SparkError): RequestRecord => ({ kind: 'completion', uri: 'file:///a.ts', timings: { ...TIMINGS }, outcome: error.code, error });

/** Each event moves the status; `expect` is [health, transport] after it and whether a notification went out. */
type Event = { spark: SparkStatus } | { record: RequestRecord } | { connecting: true } | { unavailable: SparkError };

function check(events: [Event, [StatusReport['health'], StatusReport['transport'], boolean, RegExp?]][], transport?: 'auto' | 'http'): void {
  const { status, sent } = makeStatus(transport);
  for (const [event, [health, tr, notified, message]] of events) {
    const before = sent.length;
    if ('spark' in event) status.onSpark(event.spark, 'OPENAI_API_KEY');
    else if ('record' in event) status.record(event.record);
    else if ('connecting' in event) status.connecting('https://api.openai.com/v1');
    else status.unavailable(event.unavailable);
    const r = status.report();
    assert.deepEqual([r.health, r.transport], [health, tr], JSON.stringify(event));
    assert.equal(sent.length, before + (notified ? 1 : 0), `notified after ${JSON.stringify(event)}`);
    if (message) assert.match(r.message, message);
    if (notified) assert.deepEqual(sent.at(-1), r);
  }
}

test('connected, fallen back to HTTP, unreachable, recovered', () => {
  check([
    [{ connecting: true }, ['degraded', 'none', true, /connecting to https/]],
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true, /^connected over WebSocket$/]],
    [{ spark: { kind: 'fallback-http', message: 'the endpoint answered 426' } }, ['degraded', 'http', true, /fell back to HTTP\/SSE: the endpoint answered 426/]],
    [{ spark: { kind: 'unreachable', message: 'ECONNREFUSED' } }, ['error', 'none', true, /unreachable \(ECONNREFUSED\)/]],
    [{ spark: { kind: 'ready', transport: 'http' } }, ['degraded', 'http', true, /recovered; connected over HTTP\/SSE \(WebSockets unavailable\)/]],
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true, /^connected over WebSocket$/]],
  ]);
});

test('HTTP chosen in the settings is ok, not degraded', () => {
  check([[{ spark: { kind: 'ready', transport: 'http' } }, ['ok', 'http', true, /connected over HTTP\/SSE/]]], 'http');
});

test('key refused, then recovered', () => {
  check([
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true]],
    [{ spark: { kind: 'auth-failed', message: 'HTTP 401 at the upgrade' } }, ['error', 'none', true, /API key was refused \(HTTP 401 at the upgrade\); check OPENAI_API_KEY/]],
    [{ record: failed(new SparkError(SparkErrorCode.Auth, 'refused')) }, ['error', 'none', false]],
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true, /^recovered; connected over WebSocket$/]],
  ]);
});

test('rate limited, then recovered by the next answered request; other failures change nothing', () => {
  check([
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true]],
    [{ record: failed(new SparkError(SparkErrorCode.Upstream, '500')) }, ['ok', 'websocket', false]],
    [{ record: failed(new SparkError(SparkErrorCode.Cancelled, 'cancelled')) }, ['ok', 'websocket', false]],
    [{ record: failed(new SparkError(SparkErrorCode.RateLimited, '429', { retryAfterMs: 1500 })) }, ['degraded', 'websocket', true, /rate limited by the service; requests are held for 2 s/]],
    [{ record: failed(new SparkError(SparkErrorCode.RateLimited, '429')) }, ['degraded', 'websocket', false]],
    [{ record: model() }, ['ok', 'websocket', true, /^recovered; connected over WebSocket$/]],
  ]);
});

test('a refused model is an error naming spark.model', () => {
  check([
    [{ spark: { kind: 'ready', transport: 'websocket' } }, ['ok', 'websocket', true]],
    [{ record: failed(new SparkError(SparkErrorCode.Upstream, 'no such model', { upstreamCode: 'model_not_found' })) }, ['error', 'websocket', true, /refused the model "gpt-5\.3-codex-spark".*spark\.model/]],
  ]);
});

test('no key: an error with the reason, and the last error', () => {
  const { status } = makeStatus();
  status.unavailable(new SparkError(SparkErrorCode.NoApiKey, 'OPENAI_API_KEY is not set'));
  const r = status.report();
  assert.equal(r.health, 'error');
  assert.equal(r.message, 'OPENAI_API_KEY is not set');
  assert.equal(r.lastError?.code, SparkErrorCode.NoApiKey);
});

test('phases of one request', () => {
  assert.deepEqual(phasesOf(TIMINGS), { queue: 0.5, beforeSend: 0.75, firstToken: 3.75, streaming: 1, afterLastEvent: 0.5, total: 6.5 });
  assert.equal(phasesOf({ ...TIMINGS, sent: NaN }), undefined, 'a request that never went upstream has no phases');
});

test('latency: p50 and p90 over the completions that went upstream, edits and no-model answers left out', () => {
  const { status } = makeStatus();
  for (let i = 1; i <= 10; i++) status.record(model({ answered: TIMINGS.lastEvent + i }));
  status.record({ ...model({ answered: 1_000 }), kind: 'edit' });
  status.record(model({ sent: NaN, answered: 1_000 }));
  const { latency } = status.report();
  assert.equal(latency.samples, 10);
  assert.deepEqual(latency.afterLastEventMs, { p50: 5, p90: 9 });
  assert.deepEqual(latency.queueMs, { p50: 0.5, p90: 0.5 });
});

test('trace line: the breakdown, the code only when asked', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  assert.equal(
    traceLine(model(), false, at),
    '2026-01-02T03:04:05.000Z completion answered file:///a.ts queue=0.500 beforeSend=0.750 firstToken=3.750 streaming=1.000 afterLastEvent=0.500 total=6.500',
  );
  assert.match(traceLine(model(), true, at), / text="x \+ 1"$/);
  assert.equal(traceLine(model({ submitted: NaN, started: NaN, sent: NaN, firstToken: NaN, lastEvent: NaN }), false, at), '2026-01-02T03:04:05.000Z completion answered file:///a.ts upstream=no total=6.500');
});

test('the endpoint is shown without credentials', () => {
  const rows: [string, string][] = [
    ['https://api.openai.com/v1', 'https://api.openai.com/v1'],
    ['https://user:secret@proxy.example/v1/', 'https://proxy.example/v1'],
    ['https://proxy.example/v1?api-key=secret#x', 'https://proxy.example/v1'],
    ['not a url', '(not a URL)'],
  ];
  for (const [url, shown] of rows) assert.equal(endpointLabel(url), shown, url);
});

test('a review starting or ending notifies when the number running changes, and only then', () => {
  const { status, sent, reviews } = makeStatus();
  status.onSpark({ kind: 'ready', transport: 'websocket' }, 'OPENAI_API_KEY');
  const base = sent.length;
  status.reviewsChanged();
  assert.equal(sent.length, base, 'nothing changed: no notification');
  reviews.running = 1;
  status.reviewsChanged();
  assert.equal(sent.length, base + 1);
  assert.deepEqual(sent.at(-1)!.reviews, { running: 1, last: null });
  assert.equal(sent.at(-1)!.health, 'ok', 'a review leaves the health as it was');
  reviews.running = 2;
  status.reviewsChanged();
  reviews.running = 1;
  status.reviewsChanged();
  assert.equal(sent.length, base + 3);
  status.reviewsChanged();
  assert.equal(sent.length, base + 3, 'the same number running: no notification');
  reviews.running = 0;
  reviews.last = { at: '2026-11-29T00:00:00.000Z', findings: 2, error: null };
  status.reviewsChanged();
  assert.equal(sent.length, base + 4);
  assert.deepEqual(sent.at(-1)!.reviews, { running: 0, last: { at: '2026-11-29T00:00:00.000Z', findings: 2, error: null } });
  assert.deepEqual(status.report().reviews, sent.at(-1)!.reviews);
});
