// Neovim end to end: the real editor, headless, loading clients/neovim as a user does, against the built
// server and spark-sim. Asserts on the file Neovim writes and on what the model (spark-sim) and the wire saw.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import type { SimReply, SimRequest } from '../../server/sim/api.js';
import { editor, isReviewRequest, ROOT, runEditor, workspace, type Workspace } from './support.js';
import { MATH, TOTAL } from '../support/total-project.js';

const SAMPLE = ['const greeting = hel', 'function names(items) {', '  ', '}', '// spark: use const', 'let total = 0', ''].join('\n');
const TYPED = 'let answer = 42;';

/** The text before the cursor marker on its line, as the completion prompt shows it. */
function cursorLine(input: string): string | undefined {
  const at = input.indexOf('<|cursor|>');
  return at < 0 ? undefined : input.slice(input.lastIndexOf('\n', at) + 1, at);
}

/** Replies as a model would for this sample, chosen from what the request asks. */
function reply(req: SimRequest): SimReply {
  if (req.customTools.includes('apply_patch')) {
    if (req.inputText.includes('add the missing semicolon')) return 'const total = 0;';
    if (req.inputText.includes('use const')) return 'const total = 0\n';
    return '';
  }
  const before = cursorLine(req.inputText);
  if (before === 'const greeting = hel') return 'loWorld;';
  if (before === '  ') return 'return items.map((i) => i.name);';
  if (before && TYPED.startsWith(before)) return { text: TYPED.slice(before.length), firstTokenMs: 300 };
  return '';
}

let ws: Workspace | undefined;
afterEach(async () => ws?.close());

function lspLog(w: Workspace): string {
  return readFileSync(join(w.env.XDG_STATE_HOME!, 'nvim', 'lsp.log'), 'utf8');
}

/** Runs a script of test/e2e/nvim/ headless on the sample file; resolves with the text Neovim wrote. */
async function runNeovim(version: 'nvim012' | 'nvim07', script: string): Promise<string> {
  const nvim = editor(version);
  ws = await workspace({ 'demo.ts': SAMPLE });
  ws.sim.setResponder(reply);
  const args = ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', `+luafile ${join(ROOT, 'test/e2e/nvim', script)}`, 'demo.ts'];
  const run = await runEditor(nvim, args, { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  return readFileSync(ws.path('demo.ts'), 'utf8');
}

test('Neovim 0.12: completion, inline completion, resolve, Spark edit, and typing with cancellation', { timeout: 90_000 }, async () => {
  assert.equal(
    await runNeovim('nvim012', 'nvim012.lua'),
    ['const greeting = helloWorld;', 'function names(items) {', '  return items.map((i) => i.name);', '}', 'const total = 0;', TYPED, ''].join('\n'),
  );
  const bodies = ws!.sim.stats.creates.map((c) => c.body).filter((b) => !isReviewRequest(b));
  assert.ok(bodies.every((b) => b.model === 'gpt-5.3-codex-spark' && b.store === false));
  assert.ok(bodies.some((b) => JSON.stringify(b).includes('add the missing semicolon')), 'the instruction reached the model');

  // The wire as Neovim logged it: cancellations were sent, and every completion request got an answer.
  const log = lspLog(ws!);
  const sent = [...log.matchAll(/"rpc\.send"\s+\{ id = (\d+), jsonrpc = "2\.0", method = "textDocument\/completion"/g)].map((m) => m[1]);
  const answered = new Set([...log.matchAll(/"rpc\.receive"\s+\{ (?:error = \{[^}]*\}, )?id = (\d+), jsonrpc/g)].map((m) => m[1]));
  assert.ok(sent.length >= 4, `completion requests sent: ${sent.length}`);
  assert.match(log, /method = "\$\/cancelRequest"/, 'Neovim cancelled a superseded completion');
  assert.deepEqual(sent.filter((id) => !answered.has(id)), [], 'every completion request was answered');
});

test('Neovim 0.7: completion, code action through resolve, :SparkEdit', { timeout: 90_000 }, async () => {
  assert.equal(
    await runNeovim('nvim07', 'nvim07.lua'),
    ['const greeting = helloWorld;', 'function names(items) {', '  ', '}', 'const total = 0;', ''].join('\n'),
  );
  assert.ok(ws!.sim.stats.creates.some((c) => JSON.stringify(c.body).includes('add the missing semicolon')));
});

const NEW_TESTS = "import { mean } from './total';\n\ntest('mean of nothing', () => expect(mean([])).toBe(0));\n";

/** Answers as a model would: a new test file for the tests action, a change of math.ts for the workspace edit. */
function patchReply(req: SimRequest): SimReply {
  if (!req.customTools.includes('apply_patch')) return '';
  if (req.inputText.includes('Write unit tests for the function mean')) {
    return { toolInput: ['*** Begin Patch', '*** Add File: src/total.test.ts', ...NEW_TESTS.trimEnd().split('\n').map((l) => `+${l}`), '*** End Patch', ''].join('\n') };
  }
  if (req.inputText.includes('give add a default for b')) {
    return {
      toolInput: ['*** Begin Patch', '*** Update File: src/math.ts', '@@', '-export function add(a: number, b: number): number {', '+export function add(a: number, b = 0): number {', '   return a + b;', '*** End Patch', ''].join('\n'),
    };
  }
  return '';
}

test('Neovim 0.12: :SparkTests creates the test file the conventions name, and the buffer list shows it; :SparkEditWorkspace changes a file that is not open', { timeout: 90_000 }, async () => {
  const nvim = editor('nvim012');
  ws = await workspace({ '.git/HEAD': 'ref: refs/heads/main\n', 'src/total.ts': TOTAL, 'src/math.ts': MATH });
  ws.sim.setResponder(patchReply);
  const args = ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', `+luafile ${join(ROOT, 'test/e2e/nvim/tests012.lua')}`, 'src/total.ts'];
  const run = await runEditor(nvim, args, { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(ws.path('src/total.test.ts'), 'utf8'), NEW_TESTS);
  assert.equal(readFileSync(ws.path('src/math.ts'), 'utf8'), MATH.replace('b: number)', 'b = 0)'));
  assert.equal(readFileSync(ws.path('src/total.ts'), 'utf8'), TOTAL);
  const inputs = ws.sim.stats.creates.filter((c) => c.body.generate !== false && !isReviewRequest(c.body)).map((c) => JSON.stringify(c.body.input));
  assert.equal(inputs.length, 2, inputs.join('\n'));
  assert.match(inputs[0]!, /Put them in src\/total.test.ts/, 'the instruction names the test file the conventions suggest');
  assert.match(inputs[1]!, /You may change: any file of the workspace/);
});
