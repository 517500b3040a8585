// Edits answered with patches, through a real LSP client and spark-sim, in a real directory as the workspace
// folder: each scope, several files, new files, files that are not open, every refusal (nothing applied,
// nothing secret sent), the second try with feedback, and the fallback when the service refuses the tool.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, test } from 'node:test';
import {
  CodeActionRequest,
  CodeActionResolveRequest,
  ExecuteCommandRequest,
  ResponseError,
  type CodeAction,
  type CreateFile,
  type DeleteFile,
  type TextDocumentEdit,
} from 'vscode-languageserver-protocol/node';
import type { RecordedCreate, SimOptions, SimReply, SimRequest } from '../../server/sim/api.js';
import { EGLOT_CAPABILITIES, FULL_CAPABILITIES, PLAIN_CAPABILITIES, startHarness, type Harness, type HarnessOptions } from '../support/lsp-harness.js';
import { MATH, TOTAL, TESTS } from '../support/total-project.js';

const MODEL = 'gpt-5.3-codex-spark';

const SECRET = 'OPENAI_API_KEY=sk-live-never-send-this';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A workspace folder on disk with these files, the server started on it, and `open` files opened in the editor. */
async function setup(files: Record<string, string>, open: string[], options: HarnessOptions = {}): Promise<Harness> {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'spark-patch-')));
  const root = join(dir, 'ws');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(root, { recursive: true });
  h = await startHarness({ ...options, workspaceDir: root });
  for (const path of open) h.open(h.uri(path), files[path]!);
  return h;
}

const disk = (path: string) => readFileSync(join(dir!, 'ws', path), 'utf8');
const onDisk = (path: string) => existsSync(join(dir!, 'ws', path));

const patch = (...lines: string[]) => ['*** Begin Patch', ...lines, '*** End Patch', ''].join('\n');
const tool = (text: string): SimReply => ({ toolInput: text });

function edit(args: Record<string, unknown>) {
  return h!.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.edit', arguments: [args] });
}

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<string> {
  let text = '';
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof ResponseError, String(e));
    assert.equal((e.data as { code: string }).code, code, e.message);
    if (message) assert.match(e.message, message);
    text = e.message;
    return true;
  });
  return text;
}

const bodies = () => h!.requests().map((c: RecordedCreate) => JSON.stringify(c.body));

const MEAN_FIX = patch(
  '*** Update File: src/total.ts',
  '@@ export function mean(xs: number[]): number {',
  '-  return total(xs) / xs.length;',
  '+  return xs.length === 0 ? 0 : total(xs) / xs.length;',
  ' }',
);
const TOTAL_AFTER_MEAN_FIX = TOTAL.replace('  return total(xs) / xs.length;', '  return xs.length === 0 ? 0 : total(xs) / xs.length;');

test('selection scope: the patch is applied as a versioned edit, and the request forces the apply_patch tool', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH }, ['src/total.ts']);
  h!.sim.enqueue({ toolInput: MEAN_FIX, tokensPerSecond: 100 }); // slow enough for $/progress to begin on a loaded machine (about 1 s)
  const uri = h!.uri('src/total.ts');
  const result = await edit({ uri, range: { start: { line: 8, character: 0 }, end: { line: 11, character: 0 } }, instruction: 'guard against an empty list' });
  assert.deepEqual(result, { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
  const dc = h!.applied[0]!.edit.documentChanges as TextDocumentEdit[];
  assert.deepEqual(dc.map((d) => d.textDocument), [{ uri, version: 1 }]);
  const body = h!.requests()[0]!.body as { tools: { type: string; name: string; format: { syntax: string } }[]; tool_choice: unknown; input: unknown };
  assert.deepEqual(body.tools.map((t) => [t.type, t.name, t.format.syntax]), [['custom', 'apply_patch', 'lark']]);
  assert.deepEqual(body.tool_choice, { type: 'custom', name: 'apply_patch' });
  const input = JSON.stringify(body.input);
  assert.match(input, /Selected: lines 9-11 of src\/total.ts/);
  assert.match(input, /export function add\(a: number, b: number\): number;/, 'the cross-file context of completions: the declaration of what it imports');
  assert.doesNotMatch(input, /return a \+ b/, 'a selection edit shows no other file whole');
  const kinds = h!.progress.map((p) => (p as { value: { kind: string } }).value.kind);
  assert.deepEqual([kinds[0], kinds.at(-1)], ['begin', 'end'], 'progress while the patch streamed');
});

test('selection scope: an answer that is not a patch is the selection\'s new text, as a minimal edit', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts']);
  h!.sim.enqueue('```ts\n  return xs.length ? total(xs) / xs.length : 0;\n```');
  const uri = h!.uri('src/total.ts');
  const result = await edit({ uri, range: { start: { line: 9, character: 0 }, end: { line: 10, character: 0 } }, instruction: 'guard' });
  assert.deepEqual(result, { applied: true });
  assert.equal(h!.text(uri), TOTAL.replace('  return total(xs) / xs.length;', '  return xs.length ? total(xs) / xs.length : 0;'));
});

test('selection scope: a patch reaching outside the selection is sent back once, and the second patch applies', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts']);
  const outside = patch('*** Update File: src/total.ts', '@@', "-import { add } from './math';", "+import { add } from './math.js';", ' ');
  h!.sim.enqueue(tool(outside), tool(MEAN_FIX));
  const uri = h!.uri('src/total.ts');
  assert.deepEqual(await edit({ uri, range: { start: { line: 8, character: 0 }, end: { line: 11, character: 0 } }, instruction: 'guard' }), { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
  assert.equal(h!.applied.length, 1, 'one applyEdit, after the second answer');
  const second = h!.requests()[1]!.body;
  assert.match(JSON.stringify(second), /Only the selected lines 9-11 of src\/total.ts may change/);
  assert.equal(typeof second.previous_response_id, 'string', 'the retry continues from the first answer');
});

test('file scope: the model sees the file, its tests, its imports and the listing; hunks anywhere in the file apply', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH, 'test/total.test.ts': TESTS, 'README.md': '# x\n', '.env': SECRET }, ['src/total.ts']);
  const both = patch(
    '*** Update File: src/total.ts',
    '@@',
    "-import { add } from './math';",
    "+import { add } from './math.js';",
    ' ',
    '@@ export function mean(xs: number[]): number {',
    '-  return total(xs) / xs.length;',
    '+  return xs.length === 0 ? 0 : total(xs) / xs.length;',
  );
  h!.sim.enqueue(tool(both));
  const uri = h!.uri('src/total.ts');
  assert.deepEqual(await edit({ uri, instruction: 'use ESM imports and guard mean' }), { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX.replace("'./math'", "'./math.js'"));
  const input = JSON.stringify(h!.requests()[0]!.body.input);
  assert.match(input, /You may change: only src\/total.ts/);
  assert.match(input, /File: test\/total.test.ts \(its tests\)/);
  assert.match(input, /File: src\/math.ts \(imported by the file to edit\)/);
  assert.match(input, /Files of the workspace:\\nREADME.md\\nsrc\/math.ts\\nsrc\/total.ts\\ntest\/total.test.ts\\n/);
  assert.ok(!bodies().some((b) => b.includes('sk-live-never-send-this') || b.includes('.env')), 'the excluded file is neither sent nor listed');
});

test('file scope: imports are resolved as the language does (tsconfig baseUrl, Go modules), not only relative ones', { timeout: 20_000 }, async () => {
  const app = "import { add } from 'math';\nexport const three = add(1, 2);\n";
  const main = 'package main\n\nimport "example.com/shop/store"\n\nfunc main() { store.Open() }\n';
  await setup({
    'tsconfig.json': '{ "compilerOptions": { "baseUrl": "src" } }\n',
    'src/app.ts': app,
    'src/math.ts': MATH,
    'go.mod': 'module example.com/shop\n\ngo 1.22\n',
    'main.go': main,
    'store/store.go': 'package store\n\nfunc Open() {}\n',
  }, ['src/app.ts', 'main.go']);
  h!.sim.enqueue(tool(patch('*** Update File: src/app.ts', '@@', '-export const three = add(1, 2);', '+export const three = add(2, 1);')));
  assert.deepEqual(await edit({ uri: h!.uri('src/app.ts'), instruction: 'swap' }), { applied: true });
  assert.match(JSON.stringify(h!.requests()[0]!.body.input), /File: src\/math.ts \(imported by the file to edit\)/);
  h!.sim.enqueue(tool(patch('*** Update File: main.go', '@@', '-func main() { store.Open() }', '+func main() { store.Open(); store.Open() }')));
  assert.deepEqual(await edit({ uri: h!.uri('main.go'), instruction: 'open twice' }), { applied: true });
  assert.match(JSON.stringify(h!.requests()[1]!.body.input), /File: store\/store.go \(imported by the file to edit\)/);
});

test('file scope: a patch that names another file is sent back, and a second one is refused with SPARK_ERR_PATCH', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH }, ['src/total.ts']);
  const other = patch('*** Update File: src/math.ts', '@@', '-  return a + b;', '+  return b + a;', ' }');
  h!.sim.enqueue(tool(other), tool(other));
  const message = await refused(edit({ uri: h!.uri('src/total.ts'), instruction: 'x' }), 'SPARK_ERR_PATCH', /Only src\/total.ts may change in this edit; the patch also names src\/math.ts/);
  assert.match(message, /nothing was applied/);
  assert.equal(h!.applied.length, 0);
  assert.equal(disk('src/math.ts'), MATH);
});

test('workspace scope: one WorkspaceEdit changes an open file, a file that is not open, and creates a test file', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH }, ['src/total.ts']);
  h!.sim.enqueue(tool(patch(
    '*** Update File: src/math.ts',
    '@@',
    '-export function add(a: number, b: number): number {',
    '+export function add(a: number, b = 0): number {',
    '   return a + b;',
    '*** Update File: src/total.ts',
    '@@ export function mean(xs: number[]): number {',
    '-  return total(xs) / xs.length;',
    '+  return xs.length === 0 ? 0 : total(xs) / xs.length;',
    '*** Add File: src/total.test.ts',
    "+import { mean } from './total';",
    "+test('mean of nothing', () => expect(mean([])).toBe(0));",
  )));
  const uri = h!.uri('src/total.ts');
  assert.deepEqual(await edit({ uri, instruction: 'guard mean, default b, and test it', scope: 'workspace' }), { applied: true });
  assert.equal(h!.applied.length, 1, 'exactly one applyEdit');
  const dc = h!.applied[0]!.edit.documentChanges!;
  const mathEdit = dc.find((d) => 'textDocument' in d && d.textDocument.uri === h!.uri('src/math.ts')) as TextDocumentEdit;
  assert.equal(mathEdit.textDocument.version, null, 'a file that is not open is edited with version null');
  const create = dc.find((d) => 'kind' in d && d.kind === 'create') as CreateFile;
  assert.equal(create.uri, h!.uri('src/total.test.ts'));
  assert.ok(!create.options?.overwrite, 'a new file never overwrites');
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
  assert.equal(disk('src/math.ts'), MATH.replace('b: number)', 'b = 0)'));
  assert.equal(disk('src/total.test.ts'), "import { mean } from './total';\ntest('mean of nothing', () => expect(mean([])).toBe(0));\n");
  assert.match(JSON.stringify(h!.requests()[0]!.body.input), /You may change: any file of the workspace, and add new files/);
});

test('workspace scope: a file that is not open and changed on disk while the model worked is not overwritten', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH }, ['src/total.ts']);
  const changed = MATH.replace('a + b', 'b + a');
  h!.sim.setResponder((req: SimRequest) => {
    if (req.customTools.includes('apply_patch')) writeFileSync(join(dir!, 'ws', 'src/math.ts'), changed);
    return tool(patch('*** Update File: src/math.ts', '@@', '-export function add(a: number, b: number): number {', '+export function add(a: number, b = 0): number {'));
  });
  await refused(edit({ uri: h!.uri('src/total.ts'), instruction: 'default b', scope: 'workspace' }), 'SPARK_ERR_STALE', /src\/math.ts changed on disk/);
  assert.equal(h!.applied.length, 0);
  assert.equal(disk('src/math.ts'), changed);
});

test('workspace scope: an open file typed into while the model worked is not overwritten', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH }, ['src/total.ts', 'src/math.ts']);
  const typed = MATH.replace('a + b', 'a + b + 0');
  h!.sim.setResponder(() => {
    h!.change(h!.uri('src/math.ts'), typed);
    return tool(patch('*** Update File: src/math.ts', '@@', '-export function add(a: number, b: number): number {', '+export function add(a: number, b = 0): number {'));
  });
  await refused(edit({ uri: h!.uri('src/total.ts'), instruction: 'default b', scope: 'workspace' }), 'SPARK_ERR_STALE');
  assert.equal(h!.applied.length, 0);
  assert.equal(h!.text(h!.uri('src/math.ts')), typed);
});

test('refused paths fail the whole patch, apply nothing and never send the content', { timeout: 30_000 }, async () => {
  const files = {
    'src/total.ts': TOTAL,
    '.env': SECRET,
    'keys/server.pem': `-----BEGIN PRIVATE KEY-----\n${SECRET}\n`,
    '.git/config': `[remote]\n${SECRET}\n`,
    'big.txt': 'x'.repeat(2_000_000),
    'logo.bin': `\u0000\u0001${SECRET}`,
  };
  await setup(files, ['src/total.ts']);
  const outside = join(dir!, 'outside.ts');
  writeFileSync(outside, `export const leaked = '${SECRET}';\n`);
  symlinkSync(outside, join(dir!, 'ws', 'src/link.ts'));
  const cases: [string, RegExp][] = [
    ['../outside.ts', /leaves the workspace/],
    [outside, /leaves the workspace/],
    ['src/link.ts', /outside the workspace folders \(through a symlink\)/],
    ['.git/config', /\.git/],
    ['.env', /exclu/],
    ['keys/server.pem', /exclu/],
    ['big.txt', /maxFileBytes/],
    ['logo.bin', /binary/],
  ];
  for (const [path, why] of cases) {
    h!.sim.enqueue(tool(patch(
      '*** Update File: src/total.ts',
      '@@ export function mean(xs: number[]): number {',
      '-  return total(xs) / xs.length;',
      '+  return 0;',
      `*** Update File: ${path}`,
      '@@',
      '-x',
      '+y',
    )));
    const message = await refused(edit({ uri: h!.uri('src/total.ts'), instruction: 'x', scope: 'workspace' }), 'SPARK_ERR_PATH_REFUSED', why);
    assert.ok(message.includes(path), `the message names ${path}: ${message}`);
  }
  assert.equal(h!.applied.length, 0, 'nothing applied');
  assert.equal(h!.text(h!.uri('src/total.ts')), TOTAL);
  assert.equal(h!.requests().length, cases.length, 'no second try for a refused path');
  assert.ok(!bodies().some((b) => b.includes('sk-live-never-send-this')), 'no refused content reached the model');
  for (const [path, text] of Object.entries(files)) if (path !== 'src/total.ts') assert.equal(disk(path), text);
});

test('a patch whose lines are not found is sent back with the file and lines; a second miss fails with SPARK_ERR_PATCH', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts']);
  const wrong = patch('*** Update File: src/total.ts', '@@', '-  return total(xs) / xs.count;', '+  return 0;');
  h!.sim.enqueue(tool(wrong), tool(wrong));
  const uri = h!.uri('src/total.ts');
  const message = await refused(edit({ uri, instruction: 'x' }), 'SPARK_ERR_PATCH', /src\/total.ts/);
  assert.match(message, /return total\(xs\) \/ xs\.count;/, 'names the lines that were not found');
  assert.equal(h!.applied.length, 0);
  const [first, second] = h!.requests();
  assert.match(JSON.stringify(second!.body.input), /The patch did not apply: .*src\/total.ts.*xs\.count/s);
  assert.equal(second!.body.previous_response_id, first!.responseId, 'the retry chains from the first answer');
  assert.equal(second!.body.stream_id, first!.body.stream_id, 'on the same lane');

  h!.sim.enqueue(tool(wrong), tool(MEAN_FIX));
  assert.deepEqual(await edit({ uri, instruction: 'x' }), { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
});

test('when the service refuses the custom tool, the patch is asked for as text, and later edits go without the tool', { timeout: 15_000 }, async () => {
  const sim: SimOptions = { models: { [MODEL]: { refuseCustomTools: true } } };
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts'], { sim });
  h!.sim.enqueue('Here it is:\n```\n' + MEAN_FIX + '```\n');
  const uri = h!.uri('src/total.ts');
  assert.deepEqual(await edit({ uri, instruction: 'guard' }), { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
  const creates = h!.sim.stats.creates.filter((c) => c.body.generate !== false);
  assert.ok(Array.isArray(creates[0]!.body.tools), 'the first request declared the tool');
  const retry = creates[1]!.body;
  assert.equal(retry.tools, undefined, 'the resend has no tool');
  assert.match(String(retry.instructions), /answer with the patch itself as plain text/);

  h!.sim.enqueue(patch('*** Update File: src/total.ts', '@@', '-  let sum = 0;', '+  let sum = 0; // running'));
  assert.deepEqual(await edit({ uri, instruction: 'comment' }), { applied: true });
  const last = h!.sim.stats.creates.filter((c) => c.body.generate !== false).at(-1)!.body;
  assert.equal(last.tools, undefined, 'remembered for the endpoint and model');
});

test('an editor that cannot create files is told so, and nothing is applied', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts'], { capabilities: EGLOT_CAPABILITIES });
  h!.sim.enqueue(tool(patch('*** Add File: src/total.test.ts', "+test('x', () => {});")));
  await refused(
    edit({ uri: h!.uri('src/total.ts'), instruction: 'write tests', scope: 'workspace' }),
    'SPARK_ERR_UNSUPPORTED',
    /creates src\/total.test.ts, but this editor cannot create files in a workspace edit/,
  );
  assert.equal(h!.applied.length, 0);
  assert.equal(onDisk('src/total.test.ts'), false);
});

test('an editor without documentChanges gets plain changes for text edits of open files', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts'], { capabilities: PLAIN_CAPABILITIES });
  h!.sim.enqueue(tool(MEAN_FIX));
  const uri = h!.uri('src/total.ts');
  assert.deepEqual(await edit({ uri, instruction: 'guard' }), { applied: true });
  assert.equal(h!.applied[0]!.edit.documentChanges, undefined);
  assert.ok(h!.applied[0]!.edit.changes?.[uri]);
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX);
});

test('a workspace instruction comment: the comment goes even when the patch changes only other files, and never over typing', { timeout: 15_000 }, async () => {
  const source = `// spark(workspace): give add a default for b\n${TOTAL}`;
  await setup({ 'src/total.ts': source, 'src/math.ts': MATH }, ['src/total.ts'], { capabilities: PLAIN_CAPABILITIES });
  const uri = h!.uri('src/total.ts');
  const args = { uri, instruction: 'give add a default for b', instructionLine: 0, scope: 'workspace' };
  const mathPatch = patch('*** Update File: src/math.ts', '@@', '-export function add(a: number, b: number): number {', '+export function add(a: number, b = 0): number {');
  h!.sim.setResponder(() => {
    h!.change(uri, `${source}// typed meanwhile\n`);
    return tool(mathPatch);
  });
  await refused(edit(args), 'SPARK_ERR_STALE', /src\/total.ts changed while Spark was working/);
  assert.equal(h!.applied.length, 0);
  assert.equal(disk('src/math.ts'), MATH);

  h!.change(uri, source);
  h!.sim.setResponder(() => tool(mathPatch));
  assert.deepEqual(await edit(args), { applied: true });
  assert.equal(h!.text(uri), TOTAL, 'the comment line is gone');
  assert.equal(disk('src/math.ts'), MATH.replace('b: number)', 'b = 0)'));
});

test('a deletion is annotated as needing confirmation; an Add File over an unseen existing file is refused', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/old.ts': 'export {};\n', 'src/math.ts': MATH }, ['src/total.ts']);
  h!.sim.enqueue(
    tool(patch('*** Add File: src/old.ts', '+export const replaced = true;')),
    tool(patch('*** Delete File: src/old.ts')),
  );
  assert.deepEqual(await edit({ uri: h!.uri('src/total.ts'), instruction: 'remove old.ts', scope: 'workspace' }), { applied: true });
  assert.match(JSON.stringify(h!.requests()[1]!.body.input), /src\/old.ts.*already exists/s);
  const dc = h!.applied[0]!.edit.documentChanges!;
  const del = dc.find((d) => 'kind' in d && d.kind === 'delete') as DeleteFile;
  assert.equal(del.uri, h!.uri('src/old.ts'));
  const annotation = h!.applied[0]!.edit.changeAnnotations?.[del.annotationId!];
  assert.equal(annotation?.needsConfirmation, true);
  assert.equal(onDisk('src/old.ts'), false);
});

test('code actions: write tests for the function at the cursor, into the file the conventions name', { timeout: 15_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL, 'src/math.ts': MATH, 'test/other.test.ts': "test('o', () => {});\n" }, ['src/total.ts']);
  await h!.server.context.workspaceIndex.ready();
  const uri = h!.uri('src/total.ts');
  const at = { line: 9, character: 4 };
  const listed = (await h!.client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
  const tests = listed.find((a) => a.title.startsWith('Spark: Write tests for'));
  assert.equal(tests?.title, 'Spark: Write tests for mean');
  assert.equal(tests?.kind, 'source');
  assert.equal(h!.requests().length, 0, 'listing made no model call');
  h!.sim.enqueue(tool(patch('*** Add File: test/total.test.ts', "+import { mean } from '../src/total';", "+test('mean', () => expect(mean([2, 4])).toBe(3));")));
  const resolved = (await h!.client.sendRequest(CodeActionResolveRequest.type, tests!)) as CodeAction;
  const input = JSON.stringify(h!.requests()[0]!.body.input);
  assert.match(input, /Write unit tests for the function mean in total.ts/);
  assert.match(input, /Put them in test\/total.test.ts/);
  const create = resolved.edit!.documentChanges!.find((d) => 'kind' in d && d.kind === 'create') as CreateFile;
  assert.equal(create.uri, h!.uri('test/total.test.ts'));
});

test('code actions: spark(file) and spark(workspace) comments widen the scope, and the comment goes', { timeout: 15_000 }, async () => {
  const source = `// spark(file): guard mean against an empty list\n${TOTAL}`;
  await setup({ 'src/total.ts': source }, ['src/total.ts'], { capabilities: EGLOT_CAPABILITIES });
  const uri = h!.uri('src/total.ts');
  const at = { line: 0, character: 3 };
  const listed = (await h!.client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
  const action = listed.find((a) => a.title === 'Spark: Apply instruction to this file');
  assert.ok(action?.command, JSON.stringify(listed.map((a) => a.title)));
  assert.equal((action.command.arguments![0] as { scope: string }).scope, 'file');
  h!.sim.enqueue(tool(MEAN_FIX));
  assert.deepEqual(await h!.client.sendRequest(ExecuteCommandRequest.type, action.command), { applied: true });
  assert.equal(h!.text(uri), TOTAL_AFTER_MEAN_FIX, 'the patch applied and the comment line removed');
  assert.doesNotMatch(JSON.stringify(h!.requests()[0]!.body.input), /spark\(file\)/, 'the model does not see the comment');

  h!.change(uri, `# spark(workspace): move add into total.ts\n${TOTAL}`);
  const wide = (await h!.client.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: at, end: at }, context: { diagnostics: [] } })) as CodeAction[];
  assert.ok(wide.some((a) => a.title === 'Spark: Apply instruction to the workspace'));
});

test('the richest client keeps the old actions', { timeout: 10_000 }, async () => {
  await setup({ 'src/total.ts': TOTAL }, ['src/total.ts'], { capabilities: FULL_CAPABILITIES });
  const uri = h!.uri('src/total.ts');
  const listed = (await h!.client.sendRequest(CodeActionRequest.type, {
    textDocument: { uri }, range: { start: { line: 2, character: 0 }, end: { line: 6, character: 1 } }, context: { diagnostics: [] },
  })) as CodeAction[];
  assert.deepEqual(listed.map((a) => a.title).filter((t) => !t.startsWith('Spark: Write tests')), ['Spark: Improve selection', 'Spark: Document selection']);
});
