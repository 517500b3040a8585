// Background reviews through a real LSP client and spark-sim: a review after each applied edit, its findings as
// diagnostics (content, severity, mapping through the user's changes), quick fixes (resolve and command
// paths), spark.review on demand, the settings, a refused review model, malformed answers, supersession.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, test } from 'node:test';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ExecuteCommandRequest,
  FileChangeType,
  PublishDiagnosticsNotification,
  ResponseError,
  type CodeAction,
  type Diagnostic,
  type PublishDiagnosticsParams,
  type Range,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { SimFinding, SimReply, SimRequest } from '../../server/sim/api.js';
import type { StatusReport } from '../../server/lsp/status.js';
import { REVIEW_INSTRUCTIONS } from '../../server/review/prompt.js';
import { REVIEW_JSON_SCHEMA } from '../../server/review/schema.js';
import { EGLOT_CAPABILITIES, startHarness, until, type Harness, type HarnessOptions } from '../support/lsp-harness.js';
import { STATS } from '../support/review-sample.js';

const URI = 'file:///work/src/stats.ts';
const PATH = '/work/src/stats.ts';
const GUARD_RANGE = { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } };
const NO_GUARD = '  // values are never empty\n';
const EDITED = STATS.replace('  if (values.length === 0) return 0;\n', NO_GUARD);

interface ScriptedFinding {
  title: string;
  body?: string;
  priority: number;
  start: number;
  end?: number;
  path?: string;
  confidence?: number;
}

let h: Harness;
let published: PublishDiagnosticsParams[];
afterEach(async () => h?.close());

const isReview = (r: SimRequest) => r.jsonSchema !== undefined;

/**
 * Starts the harness with reviews on. `review` answers each review request: findings through spark-sim's
 * reviewer hook, or raw text (a malformed answer) through its responder; every other request is an edit.
 */
async function start(
  review: (request: SimRequest, n: number) => ScriptedFinding[] | string | { text: string; firstTokenMs?: number; incomplete?: boolean },
  options: HarnessOptions = {},
): Promise<void> {
  h = await startHarness({ reviews: true, ...options });
  published = [];
  h.client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
  });
  let n = 0;
  let raw: string | { text: string } | undefined;
  h.sim.setReviewer((request) => {
    const answer = review(request, ++n);
    raw = Array.isArray(answer) ? undefined : answer;
    return Array.isArray(answer) ? findingsOf(answer) : undefined;
  });
  h.sim.setResponder((request) => (isReview(request) ? (raw ?? '') : editReply(request)));
  await h.configured;
}

/** The edit answer: the guard replaced by a comment for the first instruction, by one naming the instruction after. */
function editReply(request: SimRequest): string {
  const instruction = /Instruction: (.*)/.exec(request.inputText)?.[1] ?? '';
  return instruction === 'drop the empty check' ? NO_GUARD : `  // ${instruction}\n`;
}

function findingsOf(findings: ScriptedFinding[]): SimFinding[] {
  return findings.map((f) => ({
    title: f.title,
    body: f.body ?? `${f.title} (body)`,
    confidence_score: f.confidence ?? 0.8,
    priority: f.priority,
    code_location: { absolute_file_path: f.path ?? PATH, line_range: { start: f.start, end: f.end ?? f.start } },
  }));
}

/** A whole review answer as JSON text (for replies that are cut short or slow). */
function answerOf(findings: ScriptedFinding[]): string {
  return JSON.stringify({
    findings: findingsOf(findings),
    overall_correctness: findings.length > 0 ? 'patch is incorrect' : 'patch is correct',
    overall_explanation: 'scripted',
    overall_confidence_score: 0.7,
  });
}

const reviews = () => h.sim.stats.creates.filter((c) => c.body['instructions'] === REVIEW_INSTRUCTIONS);
const DEFAULT_REVIEW = { model: 'gpt-5.3-codex', reasoning: { effort: 'medium' }, max_output_tokens: 16_000 };
const latest = (uri = URI): Diagnostic[] | undefined => published.filter((p) => p.uri === uri).at(-1)?.diagnostics;
const reviewer = () => h.server.context.reviewer;

async function diagnosticsWhen(what: string, pred: (d: Diagnostic[]) => boolean, uri = URI): Promise<Diagnostic[]> {
  await until(what, () => {
    const d = latest(uri);
    return d !== undefined && pred(d);
  });
  return latest(uri)!;
}

/** The code actions listed for `range` of the sample, with `diagnostics` in the request's context. */
function actions(range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
  return h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: URI }, range, context: { diagnostics } }) as Promise<CodeAction[]>;
}

function edit(instruction = 'drop the empty check', range = GUARD_RANGE): Promise<unknown> {
  return h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri: URI, range, instruction }] });
}

/** The fix as the model answers it: a patch of the file (the apply_patch tool's input). */
const fixPatch = (line: string): SimReply => ({
  toolInput: ['*** Begin Patch', '*** Update File: src/stats.ts', '@@', '-  return total / values.length;', `+${line.trimEnd()}`, '*** End Patch', ''].join('\n'),
});

const DIVISION: ScriptedFinding = { title: '[P1] Division by zero when values is empty', body: 'total / values.length is NaN for [].', priority: 1, start: 5 };

test('an applied edit is reviewed in the background: its findings become diagnostics with the title, body and severity', { timeout: 15_000 }, async () => {
  await start(() => [
    DIVISION,
    { title: '[P2] The comment claims more than the callers promise', priority: 2, start: 2 },
    { title: 'Loop could be a reduce', priority: 3, start: 4 },
  ]);
  h.open(URI, STATS);
  assert.deepEqual(await edit(), { applied: true });
  assert.equal(h.text(URI), EDITED);
  const diagnostics = await diagnosticsWhen('the review is published', (d) => d.length === 3);
  assert.deepEqual(
    diagnostics.map((d) => [d.message, d.severity, d.source, d.range.start.line, d.range.end.line]),
    [
      ['[P1] Division by zero when values is empty', DiagnosticSeverity.Error, 'spark-review', 4, 4],
      ['[P2] The comment claims more than the callers promise', DiagnosticSeverity.Warning, 'spark-review', 1, 1],
      ['[P3] Loop could be a reduce', DiagnosticSeverity.Information, 'spark-review', 3, 3],
    ],
  );
  assert.deepEqual(diagnostics[0]!.range, { start: { line: 4, character: 2 }, end: { line: 4, character: '  return total / values.length;'.length } });
  assert.equal((diagnostics[0]!.data as { body: string }).body, 'total / values.length is NaN for [].');

  // The request: the review model and format, the instruction the edit followed, the diff, the function, the path.
  const [request] = reviews();
  const body = request!.body as Record<string, unknown>;
  assert.deepEqual({ model: body['model'], reasoning: body['reasoning'], max_output_tokens: body['max_output_tokens'] }, DEFAULT_REVIEW);
  assert.deepEqual(body['text'], { format: { type: 'json_schema', name: 'code_review', strict: true, schema: REVIEW_JSON_SCHEMA } });
  assert.notEqual(h.sim.stats.creates.find((c) => c.body['instructions'] !== REVIEW_INSTRUCTIONS && c.body['generate'] !== false)?.body['model'], 'gpt-5.3-codex', 'the edit itself went to Spark');
  const input = JSON.stringify(request!.body['input']);
  for (const part of ['drop the empty check', '-  if (values.length === 0) return 0;', '+  // values are never empty', '5 |   return total / values.length;', PATH]) {
    assert.ok(input.includes(JSON.stringify(part).slice(1, -1)), `the review input has ${part}`);
  }
  assert.equal(h.applied.length, 1, 'the review edited nothing');
  assert.equal(h.text(URI), EDITED);
});

test('a clean review publishes no diagnostics, and a later one replaces the earlier findings', { timeout: 15_000 }, async () => {
  await start((_, n) => (n === 1 ? [DIVISION] : []));
  h.open(URI, STATS);
  await edit();
  await diagnosticsWhen('the first review', (d) => d.length === 1);
  await edit('say why', { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
  await diagnosticsWhen('the second review clears it', (d) => d.length === 0);
  assert.equal(reviews().length, 2);
});

test('a finding goes away when the user changes its lines, and moves with lines added above it', { timeout: 15_000 }, async () => {
  await start(() => [DIVISION, { title: '[P2] Comment is wrong', priority: 2, start: 2 }]);
  h.open(URI, STATS);
  await edit();
  await diagnosticsWhen('published', (d) => d.length === 2);
  const count = published.length;
  h.change(URI, `// header\n${EDITED}`);
  const moved = await diagnosticsWhen('moved down a line', (d) => d.length === 2 && d[0]!.range.start.line === 5);
  assert.deepEqual(moved.map((d) => d.range.start.line), [5, 2]);
  h.change(URI, `// header\n${EDITED.replace('return total / values.length;', 'return values.length ? total / values.length : 0;')}`);
  const left = await diagnosticsWhen('the division finding dropped', (d) => d.length === 1);
  assert.equal(left[0]!.message, '[P2] Comment is wrong');
  const after = published.length;
  h.change(URI, `// header\n${EDITED.replace('return total / values.length;', 'return values.length ? total / values.length : 0;')}\n// trailer\n`);
  // A change below the finding neither drops nor moves it: nothing new is published for it.
  await actions(GUARD_RANGE);
  assert.equal(published.length, after);
  assert.ok(after > count);
});

test('closing the file clears its findings', { timeout: 15_000 }, async () => {
  await start(() => [DIVISION]);
  h.open(URI, STATS);
  await edit();
  await diagnosticsWhen('published', (d) => d.length === 1);
  void h.client.sendNotification('textDocument/didClose', { textDocument: { uri: URI } });
  await diagnosticsWhen('cleared on close', (d) => d.length === 0);
});

test('quick fix through resolve: "Spark: Fix <title>" edits with the finding as the instruction, and the fixed file is reviewed again', { timeout: 15_000 }, async () => {
  await start((_, n) => (n === 1 ? [DIVISION] : []));
  h.open(URI, STATS);
  await edit();
  const [finding] = await diagnosticsWhen('published', (d) => d.length === 1);
  const listed = await actions(finding!.range, [finding!]);
  const fix = listed.find((a) => a.title === 'Spark: Fix [P1] Division by zero when values is empty');
  assert.ok(fix, listed.map((a) => a.title).join(', '));
  assert.equal(fix.kind, 'quickfix');
  assert.equal(fix.edit, undefined, 'listed at once, computed on resolve');
  const requestsBefore = h.requests().length;

  const FIXED = '  return values.length === 0 ? 0 : total / values.length;\n';
  h.sim.setReviewer(() => []);
  h.sim.setResponder(() => fixPatch(FIXED));
  const resolved = (await h.client.sendRequest(CodeActionResolveRequest.type, fix)) as CodeAction;
  const prompt = JSON.stringify(h.requests()[requestsBefore]!.body);
  assert.match(prompt, /A code review found this problem at line 5/);
  assert.match(prompt, /total \/ values.length is NaN for \[\]/, 'the body is part of the instruction');
  // The editor applies the resolved edit itself; the server sees the change and reviews the fixed file.
  const change = resolved.edit!.documentChanges![0] as TextDocumentEdit;
  const doc = h.docs.get(URI)!;
  const text = TextDocument.applyEdits(doc, change.edits as TextEdit[]);
  assert.equal(text, EDITED.replace('  return total / values.length;\n', FIXED));
  h.change(URI, text);
  await diagnosticsWhen('the re-review clears the finding', (d) => d.length === 0);
  await until('the fixed file was reviewed', () => reviews().length === 2);
  assert.match(JSON.stringify(reviews()[1]!.body['input']), /return values.length === 0 \? 0/);
});

test('quick fix through the command path (no resolve): spark.edit applies the fix, and the file is reviewed again', { timeout: 15_000 }, async () => {
  await start((_, n) => (n === 1 ? [DIVISION] : []), { capabilities: EGLOT_CAPABILITIES });
  h.open(URI, STATS);
  await edit();
  const [finding] = await diagnosticsWhen('published', (d) => d.length === 1);
  const listed = await actions(finding!.range, [{ ...finding!, data: undefined }]);
  const fix = listed.find((a) => a.title.startsWith('Spark: Fix [P1]'));
  assert.equal(fix?.command?.command, 'spark.edit');
  const args = fix!.command!.arguments![0] as { instruction: string; scope: string; range: { start: { line: number } } };
  assert.match(args.instruction, /total \/ values.length is NaN/, 'the body comes from the published finding when the client drops data');
  assert.equal(args.scope, 'file', 'a patch of the file, looking first at the function around the finding');
  assert.equal(args.range.start.line, 0);
  h.sim.setReviewer(() => []);
  h.sim.setResponder(() => fixPatch('  return values.length ? total / values.length : 0;\n'));
  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, fix!.command!), { applied: true });
  assert.match(h.text(URI), /values.length \? total/);
  await diagnosticsWhen('the re-review clears it', (d) => d.length === 0);
  assert.equal(reviews().length, 2);
});

test('spark.review on demand: the whole file when it is saved, the changes since the save when it is not, or a range', { timeout: 15_000 }, async () => {
  await start((request) => (/as it is/.test(request.inputText) ? [DIVISION] : [{ title: '[P0] Guard removed', priority: 0, start: 2 }]));
  h.open(URI, STATS);
  const listed = await actions(GUARD_RANGE);
  const action = listed.find((a) => a.title === 'Spark: Review this file');
  assert.deepEqual(action?.command, { title: 'Spark: Review this file', command: 'spark.review', arguments: [{ uri: URI }] });
  assert.equal(action?.kind, 'source');

  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, action!.command!), { reviewed: true, findings: 1 });
  assert.equal(latest()![0]!.message, DIVISION.title);
  assert.doesNotMatch(JSON.stringify(reviews()[0]!.body['input']), /```diff/);

  h.change(URI, EDITED);
  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }), { reviewed: true, findings: 1 });
  const input = JSON.stringify(reviews()[1]!.body['input']);
  assert.match(input, /changes since the file was last saved/);
  assert.match(input, /-  if \(values.length === 0\) return 0;/);
  assert.deepEqual(latest()!.map((d) => [d.message, d.severity]), [['[P0] Guard removed', DiagnosticSeverity.Error]]);

  void h.client.sendNotification('textDocument/didSave', { textDocument: { uri: URI } });
  const range = { start: { line: 4, character: 0 }, end: { line: 4, character: 5 } };
  await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI, range }] });
  const ranged = JSON.stringify(reviews()[2]!.body['input']);
  assert.match(ranged, /as it is/, 'after the save there is no diff: the file as it is');
  assert.match(ranged, /Only lines 5-5 are under review/);

  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: 'file:///work/no-such-dir/closed.ts' }] }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_PATH_REFUSED' && /does not exist/.test(e.message),
  );
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ url: URI }] }),
    (e: unknown) => e instanceof ResponseError && /arguments\[0\]/.test(e.message),
  );
});

test('spark.review.enabled false: no review after an edit, no action, and spark.review says reviews are off', { timeout: 15_000 }, async () => {
  await start(() => [DIVISION], { settings: { review: { enabled: false } } });
  h.open(URI, STATS);
  assert.deepEqual(await edit(), { applied: true });
  assert.equal(reviewer().started, 0);
  const listed = await actions(GUARD_RANGE);
  assert.ok(!listed.some((a) => a.title === 'Spark: Review this file'));
  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }), { reviewed: false, findings: 0 });
  const messages = await h.waitForMessages(1);
  assert.match(messages.at(-1)!.message, /spark\.review\.enabled/);
  assert.equal(reviews().length, 0);
});

test('spark.review.afterEdit false: edits are not reviewed, spark.review still is', { timeout: 15_000 }, async () => {
  await start(() => [DIVISION], { settings: { review: { afterEdit: false } } });
  h.open(URI, STATS);
  await edit();
  assert.equal(reviewer().started, 0);
  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }), { reviewed: true, findings: 1 });
});

test('a refused review model is said once, naming the model and the setting, and reviews stop until the settings change', { timeout: 15_000 }, async () => {
  await start(() => [DIVISION], { settings: { review: { model: 'gpt-review-missing' } }, sim: { models: { 'gpt-review-missing': { refuse: 'no-access' } } } });
  h.open(URI, STATS);
  await edit();
  const [message] = await h.waitForMessages(1);
  assert.equal(message!.type, 2, 'a warning');
  assert.match(message!.message, /"gpt-review-missing"/);
  assert.match(message!.message, /spark\.review\.model/);
  await edit('again', { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
  assert.equal(reviewer().started, 1, 'no second review while the model is refused');
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_MODEL_REFUSED' && /spark\.review\.model/.test(e.message),
  );
  assert.equal(reviewer().started, 1, 'the explicit request did not go upstream either');
  assert.equal(h.messages.filter((m) => /refused the review model/.test(m.message)).length, 2, 'the background refusal once, the explicit request once');
  // Spark itself is unaffected: the edits went through.
  assert.equal(h.text(URI), EDITED.replace(NO_GUARD, '  // again\n'));

  void h.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { spark: { review: { model: 'gpt-5.3-codex' } } } });
  await until('the new settings apply', () => h.server.context.config.review.model === 'gpt-5.3-codex');
  await edit('once more', { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
  await diagnosticsWhen('reviews resume', (d) => d.length === 1);
  assert.equal(reviews().at(-1)!.body['model'], 'gpt-5.3-codex');
});

test('a malformed or truncated review answer is logged and dropped, never shown', { timeout: 15_000 }, async () => {
  const answers = [answerOf([DIVISION]).slice(0, 80), '{"findings": [], "overall_correctness": "maybe"}', { text: answerOf([DIVISION]), incomplete: true }, 'Looks good to me.'];
  await start((_, n) => answers[n - 1] ?? [DIVISION]);
  h.open(URI, STATS);
  for (let i = 0; i < 3; i++) {
    await edit(`try ${i}`, { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
    await until(`review ${i + 1} is dropped`, () => h.logs.filter((l) => /review failed/.test(l.message)).length === i + 1);
  }
  const dropped = h.logs.filter((l) => /review failed/.test(l.message)).map((l) => l.message);
  assert.match(dropped[0]!, /SPARK_ERR_PROTOCOL: .*malformed review \(the answer is not JSON/);
  assert.match(dropped[1]!, /overall_correctness/);
  assert.match(dropped[2]!, /SPARK_ERR_INCOMPLETE: .*cut short/);
  assert.equal(published.filter((p) => p.diagnostics.length > 0).length, 0, 'nothing half-parsed was shown');
  assert.equal(h.messages.length, 0, 'a background failure shows no message');
  // On demand, a malformed answer fails the command, with one message.
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_PROTOCOL' && /not JSON/.test(e.message),
  );
  assert.equal(published.filter((p) => p.diagnostics.length > 0).length, 0);
});

test('a review in flight is superseded by a newer edit of the same file: only the newer findings are shown', { timeout: 15_000 }, async () => {
  await start((_, n) =>
    n === 1 ? { text: answerOf([{ title: '[P1] Stale finding', priority: 1, start: 2 }]), firstTokenMs: 60_000 } : [DIVISION],
  );
  h.open(URI, STATS);
  await edit();
  await until('the first review is in flight', () => reviews().length === 1);
  await edit('say why', { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
  const diagnostics = await diagnosticsWhen('the newer review is published', (d) => d.length === 1);
  assert.equal(diagnostics[0]!.message, DIVISION.title);
  assert.equal(reviews().length, 2);
  assert.ok(!published.some((p) => p.diagnostics.some((d) => String(d.message).includes("Stale"))));
});

test('spark.status and spark/status show a review while it runs, and how the last one ended', { timeout: 15_000 }, async () => {
  await start((_, n) =>
    n === 1 ? { text: answerOf([{ title: '[P1] Stale finding', priority: 1, start: 2 }]), firstTokenMs: 60_000 } : n === 2 ? [DIVISION] : '{ not json',
  );
  const status = async () => (await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.status', arguments: [] })) as StatusReport;
  h.open(URI, STATS);
  assert.deepEqual((await status()).reviews, { running: 0, last: null });
  await edit();
  await until('the first review is in flight', () => reviews().length === 1);
  await until('spark/status says a review is running', () => h.statuses.at(-1)?.reviews.running === 1);
  assert.deepEqual((await status()).reviews, { running: 1, last: null });
  assert.equal(h.statuses.at(-1)!.health, 'ok', 'a review leaves the health as it was');

  // A newer edit supersedes the slow review (not counted as the last), and its own review shows one finding.
  await edit('say why', { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } });
  await diagnosticsWhen('the newer review is published', (d) => d.length === 1);
  await until('spark/status says no review is running', () => h.statuses.at(-1)?.reviews.running === 0);
  const done = (await status()).reviews;
  assert.equal(done.running, 0);
  assert.deepEqual({ findings: done.last?.findings, error: done.last?.error }, { findings: 1, error: null });
  assert.ok(Date.parse(done.last!.at) > Date.now() - 60_000);

  // A review that fails is the last one, with why.
  await assert.rejects(h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }));
  const failed = (await status()).reviews;
  assert.equal(failed.running, 0);
  assert.equal(failed.last?.findings, null);
  assert.equal(failed.last?.error?.code, 'SPARK_ERR_PROTOCOL');
  assert.match(failed.last!.error!.message, /malformed review/);
});

test('spark.review.timeoutMs: a review not answered in time is dropped with SPARK_ERR_TIMEOUT, and the status says so', { timeout: 15_000 }, async () => {
  // With the default (180 s) this test would run out of its own time.
  await start(() => ({ text: answerOf([DIVISION]), firstTokenMs: 60_000 }), { settings: { review: { timeoutMs: 1_000 } } });
  h.open(URI, STATS);
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_TIMEOUT',
  );
  const status = (await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.status', arguments: [] })) as StatusReport;
  assert.equal(status.reviews.running, 0);
  assert.equal(status.reviews.last?.error?.code, 'SPARK_ERR_TIMEOUT');
  assert.equal(published.filter((p) => p.diagnostics.length > 0).length, 0);
});

/** A workspace folder on disk holding `files`; the harness started on it with reviews on. */
async function startOnDisk(files: Record<string, string>, review: (request: SimRequest, n: number) => ScriptedFinding[]): Promise<string> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'spark-review-')));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  await start(review, { workspaceDir: dir });
  return dir;
}

const MATH = 'export function divide(a: number, b: number): number {\n  return a / b;\n}\n';

test('a workspace edit is reviewed as one change; findings on a file that is not open are published for it', { timeout: 15_000 }, async (t) => {
  const dir = await startOnDisk({ 'src/stats.ts': STATS, 'src/math.ts': MATH }, (request) => [
    { ...DIVISION, path: join(dir, 'src/stats.ts'), start: 4 },
    { title: '[P2] divide no longer checks b', priority: 2, start: 2, path: join(dir, 'src/math.ts') },
  ]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stats = h.uri('src/stats.ts');
  const math = h.uri('src/math.ts');
  h.open(stats, STATS);
  h.sim.setResponder((request) =>
    isReview(request)
      ? ''
      : {
          toolInput: [
            '*** Begin Patch',
            '*** Update File: src/stats.ts',
            '@@',
            '-  return total / values.length;',
            '+  return divide(total, values.length);',
            '*** Update File: src/math.ts',
            '@@',
            '-  return a / b;',
            '+  return b === 0 ? NaN : a / b;',
            '*** End Patch',
            '',
          ].join('\n'),
        },
  );
  assert.deepEqual(
    await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [{ uri: stats, instruction: 'use divide', scope: 'workspace' }] }),
    { applied: true },
  );
  const onMath = await diagnosticsWhen('the finding on the file that is not open', (d) => d.length === 1, math);
  assert.equal(onMath[0]!.message, '[P2] divide no longer checks b');
  assert.deepEqual(onMath[0]!.range, { start: { line: 1, character: 2 }, end: { line: 1, character: '  return b === 0 ? NaN : a / b;'.length } });
  assert.equal((await diagnosticsWhen('the finding on the open file', (d) => d.length === 1, stats))[0]!.message, DIVISION.title);
  assert.equal(reviews().length, 1, 'one review for the whole change');
  const input = JSON.stringify(reviews()[0]!.body['input']);
  for (const part of ['use divide', `+++ ${join(dir, 'src/math.ts')}`, `+++ ${join(dir, 'src/stats.ts')}`, '+  return b === 0 ? NaN : a / b;']) {
    assert.ok(input.includes(JSON.stringify(part).slice(1, -1)), `the review input has ${part}`);
  }
});

test('findings on a file that is not open follow its changes on disk, and go when it is deleted', { timeout: 15_000 }, async (t) => {
  const dir = await startOnDisk({ 'src/math.ts': MATH }, () => [{ title: '[P1] Division by zero when b is 0', priority: 1, start: 2, path: join(dir, 'src/math.ts') }]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const math = h.uri('src/math.ts');
  const changed = (type: FileChangeType) => void h.client.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: math, type }] });
  await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: math }] });
  assert.equal((await diagnosticsWhen('the finding', (d) => d.length === 1, math))[0]!.range.start.line, 1);

  writeFileSync(join(dir, 'src/math.ts'), `// maths\n\n${MATH}`);
  changed(FileChangeType.Changed);
  const moved = await diagnosticsWhen('the finding moved with the two lines added above it', (d) => d.length === 1 && d[0]!.range.start.line === 3, math);
  assert.equal(moved[0]!.message, '[P1] Division by zero when b is 0');

  writeFileSync(join(dir, 'src/math.ts'), `// maths\n\n${MATH.replace('a / b', 'b === 0 ? 0 : a / b')}`);
  changed(FileChangeType.Changed);
  await diagnosticsWhen('the finding is gone once its line changed', (d) => d.length === 0, math);

  // A new review's finding, then the file deleted: the finding goes with it.
  await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: math }] });
  await diagnosticsWhen('the new finding', (d) => d.length === 1, math);
  rmSync(join(dir, 'src/math.ts'));
  changed(FileChangeType.Deleted);
  await diagnosticsWhen('the finding is gone with the file', (d) => d.length === 0, math);
});

test('spark.review of a file that is not open reviews it as it is on disk and publishes its findings', { timeout: 15_000 }, async (t) => {
  const dir = await startOnDisk({ 'src/math.ts': MATH }, () => [{ title: '[P1] Division by zero when b is 0', priority: 1, start: 2, path: join(dir, 'src/math.ts') }]);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const math = h.uri('src/math.ts');
  assert.deepEqual(await h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: math }] }), { reviewed: true, findings: 1 });
  const [d] = await diagnosticsWhen('published for the closed file', (x) => x.length === 1, math);
  assert.equal(d!.severity, DiagnosticSeverity.Error);
  const input = JSON.stringify(reviews()[0]!.body['input']);
  assert.match(input, /as it is/);
  assert.match(input, /2 \| {3}return a \/ b;/);
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: h.uri('src/missing.ts') }] }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_PATH_REFUSED',
  );
});
