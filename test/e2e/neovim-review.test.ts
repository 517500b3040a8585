// Neovim 0.12 end to end for reviews, headless, with clients/neovim as a user loads it: the background review
// of a Spark edit shows as a diagnostic, its quick fix applies, and :SparkReview reviews on demand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { STATS } from '../support/review-sample.js';
import { FIXED, reviewInputs, script } from './review-script.js';
import { editor, ROOT, runEditor, workspace, type Workspace } from './support.js';

let ws: Workspace | undefined;
afterEach(async () => ws?.close());

test('Neovim 0.12: the review of a Spark edit shows as a diagnostic, its quick fix applies, :SparkReview reviews on demand', { timeout: 90_000 }, async () => {
  const nvim = editor('nvim012');
  ws = await workspace({ 'stats.ts': STATS });
  script(ws.sim, ws.path('stats.ts'));
  const args = ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', `+luafile ${join(ROOT, 'test/e2e/nvim/nvim012-review.lua')}`, 'stats.ts'];
  const run = await runEditor(nvim, args, { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(readFileSync(ws.path('stats.ts'), 'utf8'), FIXED);
  const reviews = reviewInputs(ws.sim.stats.creates);
  assert.equal(reviews.length, 3, 'after the edit, after the fix, on demand');
  assert.match(reviews[0]!, /drop the empty check/);
  assert.match(reviews[1]!, /A code review found this problem at line 5/);
  assert.match(reviews[2]!, /changes since the file was last saved/);
});
