// Code actions (listing, resolve, command fallback) and spark.edit through a real LSP client and spark-sim.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  DiagnosticSeverity,
  ErrorCodes,
  ExecuteCommandRequest,
  LSPErrorCodes,
  ResponseError,
  type CodeAction,
  type Diagnostic,
  type Range,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { EGLOT_CAPABILITIES, PLAIN_CAPABILITIES, positionOf, startHarness, type Harness } from '../support/lsp-harness.js';

const URI = 'file:///work/src/sum.ts';
const SOURCE = [
  'export function sum(xs: number[]) {',
  '  let total = 0',
  '  for (const x of xs) total += x;',
  '  return totl;',
  '}',
  '',
].join('\n');
const FIXED_LINE = '  return total;\n';
let h: Harness;
afterEach(async () => h?.close());

const lineRange = (line: number): Range => ({ start: { line, character: 0 }, end: { line, character: 99 } });
const diagnostic: Diagnostic = {
  range: { start: positionOf(SOURCE, 'totl', 'start'), end: positionOf(SOURCE, 'totl') },
  message: "Cannot find name 'totl'. Did you mean 'total'?",
  severity: DiagnosticSeverity.Error,
  source: 'ts',
};

async function actions(range: Range, diagnostics: Diagnostic[] = [], only?: string[]): Promise<CodeAction[]> {
  return (await h.client.sendRequest(CodeActionRequest.type, {
    textDocument: { uri: URI },
    range,
    context: { diagnostics, ...(only ? { only } : {}) },
  })) as CodeAction[];
}

test('code actions are listed at once, without a model call: a quickfix per diagnostic, rewrites for a selection, tests for the function', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const listed = await actions({ start: { line: 0, character: 0 }, end: { line: 4, character: 1 } }, [diagnostic]);
  assert.deepEqual(
    listed.map((a) => [a.kind, a.title]),
    [
      ['quickfix', `Spark: Fix "Cannot find name 'totl'. Did you mean 'total'?"`],
      ['refactor.rewrite', 'Spark: Improve selection'],
      ['refactor.rewrite', 'Spark: Document selection'],
      ['source', 'Spark: Write tests for sum'],
    ],
  );
  assert.ok(listed.every((a) => a.edit === undefined && a.command === undefined && a.data !== undefined));
  assert.equal(h.requests().length, 0, 'listing made no model call');
  assert.deepEqual((await actions(lineRange(3), [diagnostic], ['quickfix'])).map((a) => a.kind), ['quickfix']);
  assert.deepEqual(
    (await actions({ start: positionOf(SOURCE, 'return'), end: positionOf(SOURCE, 'return') })).map((a) => a.title),
    ['Spark: Write tests for sum'],
    'a bare cursor without diagnostics gets only the tests for its function',
  );
});

test('resolve computes a minimal, versioned edit for the quickfix', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const [fix] = await actions(lineRange(3), [diagnostic]);
  h.sim.enqueue('```ts\n' + FIXED_LINE + '```');
  const resolved = (await h.client.sendRequest(CodeActionResolveRequest.type, fix!)) as CodeAction;
  const change = resolved.edit?.documentChanges?.[0] as TextDocumentEdit;
  assert.deepEqual(change.textDocument, { uri: URI, version: 1 });
  assert.equal(change.edits.length, 1, 'one small edit, not the whole line');
  assert.ok((change.edits[0] as TextEdit).newText.length <= 2, `minimal: ${JSON.stringify(change.edits)}`);
  assert.equal(TextDocument.applyEdits(h.docs.get(URI)!, change.edits as never), SOURCE.replace('totl', 'total'));
  const prompt = JSON.stringify(h.requests().at(-1)!.body);
  assert.match(prompt, /Cannot find name 'totl'/, 'the diagnostic is in the prompt');
});

test('resolve returns actions that are not ours unchanged', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const foreign: CodeAction = { title: 'Organize imports', kind: 'source', command: { title: 'x', command: 'other.organize' } };
  assert.deepEqual(await h.client.sendRequest(CodeActionResolveRequest.type, foreign), foreign);
  const forged: CodeAction = { title: 'x', data: { spark: 2, uri: URI } };
  assert.deepEqual(await h.client.sendRequest(CodeActionResolveRequest.type, forged), forged);
});

test('resolve refuses when the document changed since the action was listed', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const [fix] = await actions(lineRange(3), [diagnostic]);
  h.change(URI, SOURCE.replace('let total', 'let total: number'));
  await assert.rejects(
    h.client.sendRequest(CodeActionResolveRequest.type, fix!),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_STALE',
  );
  const [message] = await h.waitForMessages(1);
  assert.match(message!.message, /changed/);
  assert.equal(h.requests().length, 0);
});

test('clients without resolve (eglot) get a spark.edit command that applies the edit', { timeout: 10_000 }, async () => {
  h = await startHarness({ capabilities: EGLOT_CAPABILITIES });
  h.open(URI, SOURCE);
  const [fix] = await actions(lineRange(3), [diagnostic]);
  assert.equal(fix?.command?.command, 'spark.edit');
  h.sim.enqueue(FIXED_LINE);
  const result = await h.client.sendRequest(ExecuteCommandRequest.type, { command: fix!.command!.command, arguments: fix!.command!.arguments! });
  assert.deepEqual(result, { applied: true });
  assert.equal(h.text(URI), SOURCE.replace('totl', 'total'));
  assert.equal(h.applied.length, 1);
});

test('spark.edit applies a minimal edit with workspace/applyEdit', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue('  let total = 0;\n');
  const result = await h.client.sendRequest(ExecuteCommandRequest.type, {
    command: 'spark.edit',
    arguments: [{ uri: URI, range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, instruction: 'add the missing semicolon' }],
  });
  assert.deepEqual(result, { applied: true });
  assert.equal(h.text(URI), SOURCE.replace('let total = 0', 'let total = 0;'));
  const edit = h.applied[0]!.edit.documentChanges?.[0] as TextDocumentEdit;
  assert.deepEqual((edit.edits as TextEdit[]).map((e) => e.newText), [';']);
  assert.match(JSON.stringify(h.requests().at(-1)!.body), /add the missing semicolon/);
});

test('a long edit reports $/progress while it streams', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const comment = `  // ${'running total of the values, '.repeat(20)}\n`;
  h.sim.enqueue({ text: `${comment}  let total = 0;\n`, tokensPerSecond: 300 });
  const result = await h.client.sendRequest(ExecuteCommandRequest.type, {
    command: 'spark.edit',
    arguments: [{ uri: URI, range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, instruction: 'document the total' }],
  });
  assert.deepEqual(result, { applied: true });
  const kinds = h.progress.map((p) => (p as { value: { kind: string } }).value.kind);
  assert.equal(kinds[0], 'begin');
  assert.equal(kinds.at(-1), 'end');
  const reports = h.progress.map((p) => (p as { value: { kind: string; message?: string } }).value).filter((v) => v.kind === 'report');
  assert.ok(reports.length >= 1, 'at least one report while the answer streamed');
  assert.ok(reports.every((r) => /\d+ characters received/.test(r.message ?? '')));
});

test('spark.edit without versioned documentChanges re-checks the version and never clobbers typing', { timeout: 10_000 }, async () => {
  h = await startHarness({ capabilities: PLAIN_CAPABILITIES });
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: '  let total = 0;\n', firstTokenMs: 200 });
  const pending = h.client.sendRequest(ExecuteCommandRequest.type, {
    command: 'spark.edit',
    arguments: [{ uri: URI, range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, instruction: 'fix' }],
  });
  await h.waitForRequests(1);
  const typed = SOURCE.replace('return totl', 'return totl + 0');
  h.change(URI, typed);
  await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_STALE');
  assert.equal(h.applied.length, 0, 'no applyEdit was sent');
  assert.equal(h.text(URI), typed);
});

test('spark.edit with bad arguments answers InvalidParams naming the argument', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  const bad = [[], [{ uri: URI, range: lineRange(1) }], [{ uri: URI, range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }, instruction: 'x' }]];
  for (const args of bad) {
    await assert.rejects(
      h.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: args }),
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && /arguments/.test(e.message),
    );
  }
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, {
      command: 'spark.edit',
      arguments: [{ uri: 'file:///work/other.ts', range: lineRange(0), instruction: 'x' }],
    }),
    (e: unknown) => e instanceof ResponseError && /not open/.test(e.message),
  );
  for (const command of ['spark.nope', '__proto__', 'toString', 'constructor']) {
    await assert.rejects(
      h.client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [] }),
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && /unknown command/.test(e.message),
      command,
    );
  }
  assert.equal(h.requests().length, 0);
});

test('an edit from a truncated answer is never applied', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: '  let total = 0;\n', incomplete: true });
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, {
      command: 'spark.edit',
      arguments: [{ uri: URI, range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, instruction: 'fix' }],
    }),
    (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'SPARK_ERR_INCOMPLETE',
  );
  assert.equal(h.applied.length, 0);
});

test('a cancelled spark.edit answers RequestCancelled', { timeout: 10_000 }, async () => {
  const { CancellationTokenSource } = await import('vscode-languageserver-protocol/node');
  h = await startHarness();
  h.open(URI, SOURCE);
  h.sim.enqueue({ text: 'never', firstTokenMs: 60_000 });
  const source = new CancellationTokenSource();
  const pending = h.client.sendRequest(
    ExecuteCommandRequest.type,
    { command: 'spark.edit', arguments: [{ uri: URI, range: lineRange(1), instruction: 'fix' }] },
    source.token,
  );
  await h.waitForRequests(1);
  source.cancel();
  await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled);
  assert.equal(h.applied.length, 0);
});

const COMMENTED = ['// spark: make it iterative', 'function count(n) {', '  return n === 0 ? 0 : 1 + count(n - 1);', '}', '', 'count(3);', ''].join('\n');
const ITERATIVE = 'function count(n) {\n  let c = 0;\n  while (n-- > 0) c++;\n  return c;\n}\n';

test('an instruction comment above the code becomes an action that rewrites the block and removes the comment', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, COMMENTED);
  const cursor = positionOf(COMMENTED, 'function', 'start');
  const listed = await actions({ start: cursor, end: cursor });
  const action = listed.find((a) => a.title === 'Spark: make it iterative');
  assert.ok(action, `offered: ${listed.map((a) => a.title).join(', ')}`);
  h.sim.enqueue(ITERATIVE);
  const resolved = (await h.client.sendRequest(CodeActionResolveRequest.type, action)) as CodeAction;
  const change = resolved.edit?.documentChanges?.[0] as TextDocumentEdit;
  assert.equal(TextDocument.applyEdits(h.docs.get(URI)!, change.edits as TextEdit[]), `${ITERATIVE}\ncount(3);\n`);
  const sent = JSON.stringify(h.requests().at(-1)!.body);
  assert.match(sent, /make it iterative/);
});

test('a forged instruction line is refused', { timeout: 10_000 }, async () => {
  h = await startHarness();
  h.open(URI, COMMENTED);
  await assert.rejects(
    h.client.sendRequest(ExecuteCommandRequest.type, {
      command: 'spark.edit',
      arguments: [{ uri: URI, range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, instruction: 'make it iterative', instructionLine: 5 }],
    }),
    (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && /not a "spark: make it iterative" comment/.test(e.message),
  );
  assert.equal(h.requests().length, 0);
});
