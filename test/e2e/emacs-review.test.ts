// Emacs 28.2 + eglot 1.9, headless, with clients/emacs/spark-lsp.el: the review of a Spark edit reaches flymake,
// its "Spark: Fix" action applies through spark.edit (eglot has no resolve), and M-x spark-lsp-review reviews
// the unsaved changes on demand.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { STATS } from '../support/review-sample.js';
import { FIXED, reviewInputs, script } from './review-script.js';
import { runEmacsScript, workspace } from './support.js';

test('eglot: review diagnostics in flymake, the quick fix through spark.edit, spark-lsp-review', async () => {
  // The review model answers after 300 ms, as a larger model does (seconds, really). jsonrpc 1.0.14 leaves a
  // message that arrives in the same read as the reply to a synchronous request unread until more output
  // comes, so a review published at once after the command's reply would wait for the next message.
  const ws = await workspace({ 'stats.ts': STATS }, { models: { 'gpt-5.3-codex': { firstTokenMs: 300 } } });
  try {
    script(ws.sim, ws.path('stats.ts'));
    await runEmacsScript(ws, 'review-eglot.el');
    assert.equal(await readFile(ws.path('stats.ts'), 'utf8'), FIXED);
    const reviews = reviewInputs(ws.sim.stats.creates);
    assert.equal(reviews.length, 3, 'after the edit, after the fix, on demand');
    assert.match(reviews[0]!, /drop the empty check/);
    assert.match(reviews[1]!, /A code review found this problem at line 5/);
    assert.match(reviews[2]!, /changes since the file was last saved/);
  } finally {
    await ws.close();
  }
});
