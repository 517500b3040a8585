// Emacs 28.2 + lsp-mode 8.0.0, headless, with clients/emacs/spark-lsp.el: completion, a code action through
// codeAction/resolve (versioned documentChanges) and M-x spark-lsp-edit, checked in the file Emacs wrote
// and in the requests spark-sim received.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runEmacsScript, workspace } from './support.js';


const APP = [
  'const prices = [3, 4, 5];',
  'const total = sumO',
  'function sumOf(xs) {',
  '  return xs.reduce((s, x) => s + x, 0);',
  '}',
  '',
  'const greeting = "café";',
  '',
].join('\n');

const EXPECTED = [
  'const prices = [3, 4, 5];',
  'const total = sumOf(prices);',
  '/** Adds up the numbers in xs. */',
  'function sumOf(xs) {',
  '  return xs.reduce((s, x) => s + x, 0);',
  '}',
  '',
  'const greeting = "Bonjour, café";',
  '',
].join('\n');

test('lsp-mode: completion, code action via codeAction/resolve, spark-lsp-edit', async () => {
  const ws = await workspace({ 'app.ts': APP });
  try {
    ws.sim.enqueue(
      'f(prices);', // completion after "sumO"
      '/** Adds up the numbers in xs. */\nfunction sumOf(xs) {\n  return xs.reduce((s, x) => s + x, 0);\n}\n', // Spark: Document selection
      'const greeting = "Bonjour, café";', // spark-lsp-edit on the current line
    );
    const creates = await runEmacsScript(ws, 'lsp-mode.el');
    assert.equal(await readFile(ws.path('app.ts'), 'utf8'), EXPECTED);
    assert.equal(creates.length, 3, JSON.stringify(creates, null, 1));
    // spark-lsp-settings from the script: sent at start, then changed with spark-lsp-send-settings before
    // the last request.
    for (const [i, body] of creates.entries()) assert.deepEqual(body.reasoning, { effort: i < 2 ? 'low' : 'high' });
    const [completion, document, edit] = creates.map((b) => JSON.stringify(b.input));
    assert.match(completion!, /const total = sumO<\|cursor\|>/);
    assert.match(document!, /Add concise documentation comments/);
    assert.match(document!, /Selected: lines 3-5 of app.ts, from `function sumOf\(xs\) \{` to `\}`/);
    assert.equal(creates[1]!.max_output_tokens, 2048); // spark.edit.maxOutputTokens from the script
    assert.match(edit!, /Greet in French/);
    // No selection: the whole current line, to its end (UTF-16 column after "é"): a range ending short of
    // the line's end would be quoted as part of the line.
    assert.match(edit!, /Selected: lines 8-8 of app.ts, from `const greeting = \\"café\\";`/);
    assert.doesNotMatch(edit!, /only part of those lines/);
  } finally {
    await ws.close();
  }
});
