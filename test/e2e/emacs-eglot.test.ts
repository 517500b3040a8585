// Emacs 28.2 + eglot 1.9, headless, with clients/emacs/spark-lsp.el: completion, a code action through the
// spark.edit command (eglot has no codeAction/resolve) and M-x spark-lsp-edit, checked in the file Emacs
// wrote and in the requests spark-sim received.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SimReply, SimRequest } from '../../server/sim/api.js';
import { CLIENTS, editor, runEditor, runEmacsScript, workspace } from './support.js';
import { MATH, TOTAL, TESTS } from '../support/total-project.js';


const APP = [
  'const prices = [3, 4, 5];',
  'const total = sumO',
  'function sumOf(xs) {',
  '  var s = 0; for (var i = 0; i < xs.length; i++) { s = s + xs[i]; } return s;',
  '}',
  'const greeting = "😀 hi"; const farewell = "bye";',
  '',
].join('\n');

const EXPECTED = [
  'const prices = [3, 4, 5];',
  'const total = sumOf(prices);',
  'function sumOf(xs) {',
  '  return xs.reduce((s, x) => s + x, 0);',
  '}',
  'const greeting = "😀 hi"; const farewell = "au revoir";',
  '',
].join('\n');

/** The user message text of a recorded request frame. */
function inputText(body: Record<string, unknown>): string {
  return JSON.stringify(body.input);
}

test('eglot: completion, code action via spark.edit + applyEdit, spark-lsp-edit', async () => {
  const ws = await workspace({ 'app.ts': APP });
  try {
    ws.sim.enqueue(
      'f(prices);', // completion after "sumO"
      'function sumOf(xs) {\n  return xs.reduce((s, x) => s + x, 0);\n}\n', // Spark: Improve selection
      '"au revoir"', // spark-lsp-edit on "bye"
    );
    const creates = await runEmacsScript(ws, 'eglot.el');
    assert.equal(await readFile(ws.path('app.ts'), 'utf8'), EXPECTED);
    assert.equal(creates.length, 3, JSON.stringify(creates, null, 1));
    // spark-lsp-settings from the script: sent at start, then changed with spark-lsp-send-settings before
    // the last request.
    for (const [i, body] of creates.entries()) assert.deepEqual(body.reasoning, { effort: i < 2 ? 'low' : 'high' });
    const [completion, improve, edit] = creates.map((b) => inputText(b!));
    assert.match(completion!, /const total = sumO<\|cursor\|>/);
    assert.match(improve!, /Improve this code/);
    assert.match(improve!, /Selected: lines 3-5 of app.ts, from `function sumOf\(xs\) \{` to `\}`/);
    assert.match(edit!, /Translate the farewell to French/);
    // The range sent by spark-lsp-edit (UTF-16 columns after the emoji) covers exactly "bye".
    assert.match(edit!, /The selection is only part of those lines; it is exactly:\\n```\\n\\"bye\\"\\n```/);
  } finally {
    await ws.close();
  }
});

const MEAN_TEST = "test('mean of nothing', () => expect(mean([])).toBe(0));";

test('eglot: a workspace edit changes a file that is not open, and spark-lsp-tests extends the test file', async () => {
  const ws = await workspace({ 'src/total.ts': TOTAL, 'src/math.ts': MATH, 'test/total.test.ts': TESTS });
  try {
    ws.sim.setResponder((req: SimRequest): SimReply => {
      if (!req.customTools.includes('apply_patch')) return '';
      if (req.inputText.includes('give add a default for b')) {
        return { toolInput: ['*** Begin Patch', '*** Update File: src/math.ts', '@@', '-export function add(a: number, b: number): number {', '+export function add(a: number, b = 0): number {', '*** End Patch', ''].join('\n') };
      }
      if (req.inputText.includes('Write unit tests for the function mean')) {
        return {
          toolInput: ['*** Begin Patch', '*** Update File: test/total.test.ts', '@@', "-import { total } from '../src/total';", "+import { mean, total } from '../src/total';", '@@', " test('total', () => expect(total([1, 2])).toBe(3));", `+${MEAN_TEST}`, '*** End Patch', ''].join('\n'),
        };
      }
      return '';
    });
    const creates = await runEmacsScript(ws, 'eglot-workspace.el');
    assert.equal(await readFile(ws.path('src/math.ts'), 'utf8'), MATH.replace('b: number)', 'b = 0)'));
    assert.equal(await readFile(ws.path('test/total.test.ts'), 'utf8'), `${TESTS.replace('{ total }', '{ mean, total }')}${MEAN_TEST}\n`);
    assert.equal(await readFile(ws.path('src/total.ts'), 'utf8'), TOTAL);
    assert.equal(creates.length, 2, JSON.stringify(creates, null, 1));
    const [edit, tests] = creates.map((b) => JSON.stringify(b.input));
    assert.match(edit!, /You may change: any file of the workspace/);
    assert.match(tests!, /Put them in test\/total.test.ts/);
    assert.match(tests!, /File: test\/total.test.ts \(its tests\)/, 'the existing test file was shown');
  } finally {
    await ws.close();
  }
});

test('spark-lsp.el byte-compiles without warnings', async () => {
  const ws = await workspace({});
  try {
    // The .elc goes to the scratch workspace, never beside the client file.
    const compile = `(progn (setq byte-compile-error-on-warn t byte-compile-dest-file-function (lambda (_) "${ws.dir}/spark-lsp.elc"))
                            (unless (byte-compile-file "${join(CLIENTS, 'emacs/spark-lsp.el')}") (kill-emacs 1)))`;
    const run = await runEditor(editor('emacs'), ['--batch', '-Q', '--eval', compile], { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /Warning|Error/, run.stderr);
  } finally {
    await ws.close();
  }
});
