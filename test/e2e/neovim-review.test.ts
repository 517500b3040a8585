// Neovim 0.12 end to end for reviews, headless, with clients/neovim as a user loads it: the background review
// of a Spark edit shows as a diagnostic, its quick fix applies, and :SparkReview reviews on demand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { REVIEW_INSTRUCTIONS } from '../../server/review/prompt.js';
import type { SimRequest } from '../../server/sim/api.js';
import { editor, ROOT, runEditor, workspace, type Workspace } from './support.js';

const STATS = [
  'export function mean(values: number[]) {',
  '  if (values.length === 0) return 0;',
  '  let total = 0;',
  '  for (const v of values) total += v;',
  '  return total / values.length;',
  '}',
  '',
].join('\n');

/** A review answer in the model's JSON shape. */
function review(path: string, findings: { title: string; priority: number; line: number }[]): string {
  return JSON.stringify({
    findings: findings.map((f) => ({
      title: f.title,
      body: `${f.title}: scripted.`,
      confidence_score: 0.9,
      priority: f.priority,
      code_location: { absolute_file_path: path, line_range: { start: f.line, end: f.line } },
    })),
    overall_correctness: findings.length ? 'patch is incorrect' : 'patch is correct',
    overall_explanation: 'scripted',
    overall_confidence_score: 0.8,
  });
}

/** Answers as the two models would: edits from the instruction, reviews from what they are shown. */
function reply(path: string) {
  return (req: SimRequest): string => {
    if (req.instructions === REVIEW_INSTRUCTIONS) {
      if (req.inputText.includes('drop the empty check')) return review(path, [{ title: '[P1] Division by zero when values is empty', priority: 1, line: 5 }]);
      if (req.inputText.includes('changes since the file was last saved')) {
        return review(path, [{ title: '[P2] The comment promises what callers do not', priority: 2, line: 2 }]);
      }
      return review(path, []);
    }
    if (req.inputText.includes('drop the empty check')) return '  // values are never empty\n';
    // The fix rewrites the function around the finding.
    if (req.inputText.includes('A code review found this problem')) {
      return STATS.replace('  if (values.length === 0) return 0;', '  // values are never empty').replace(
        '  return total / values.length;',
        '  return values.length === 0 ? 0 : total / values.length;',
      );
    }
    return '';
  };
}

let ws: Workspace | undefined;
afterEach(async () => ws?.close());

test('Neovim 0.12: the review of a Spark edit shows as a diagnostic, its quick fix applies, :SparkReview reviews on demand', { timeout: 90_000 }, async () => {
  const nvim = editor('nvim012');
  ws = await workspace({ 'stats.ts': STATS });
  ws.sim.setResponder(reply(ws.path('stats.ts')));
  const args = ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', `+luafile ${join(ROOT, 'test/e2e/nvim/nvim012-review.lua')}`, 'stats.ts'];
  const run = await runEditor(nvim, args, { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    readFileSync(ws.path('stats.ts'), 'utf8'),
    STATS.replace('  if (values.length === 0) return 0;', '  // values are never empty').replace(
      '  return total / values.length;',
      '  return values.length === 0 ? 0 : total / values.length;',
    ),
  );
  const reviews = ws.sim.stats.creates.filter((c) => c.body.instructions === REVIEW_INSTRUCTIONS).map((c) => JSON.stringify(c.body.input));
  assert.equal(reviews.length, 3, 'after the edit, after the fix, on demand');
  assert.match(reviews[0]!, /drop the empty check/);
  assert.match(reviews[1]!, /A code review found this problem at line 5/);
  assert.match(reviews[2]!, /changes since the file was last saved/);
});
