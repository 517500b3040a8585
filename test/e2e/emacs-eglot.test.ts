// Emacs 28.2 + eglot 1.9, headless, with clients/emacs/spark-lsp.el: completion, a code action through the
// spark.edit command (eglot has no codeAction/resolve) and M-x spark-lsp-edit, checked in the file Emacs
// wrote and in the requests spark-sim received.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runEmacsScript, workspace } from './support.js';


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
    assert.match(improve!, /<\|target\|>function sumOf\(xs\)/);
    assert.match(edit!, /Translate the farewell to French/);
    // The range sent by spark-lsp-edit (UTF-16 columns after the emoji) covers exactly "bye".
    assert.match(edit!, /const farewell = <\|target\|>\\"bye\\"<\|\/target\|>;/);
  } finally {
    await ws.close();
  }
});
