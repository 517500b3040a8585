// What the models answer in the review e2e tests (Neovim and Emacs): the sample file, Spark's edits chosen from
// the instruction, and the review model's findings chosen from what the review request shows.
import { REVIEW_INSTRUCTIONS } from '../../server/review/prompt.js';
import type { SimRequest } from '../../server/sim/api.js';

export const STATS = [
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
export function reply(path: string) {
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

/** The sample after the edit and the fix. */
export const FIXED = STATS.replace('  if (values.length === 0) return 0;', '  // values are never empty').replace(
  '  return total / values.length;',
  '  return values.length === 0 ? 0 : total / values.length;',
);

/** The user message of each review request the simulator received, in order. */
export function reviewInputs(creates: { body: Record<string, unknown> }[]): string[] {
  return creates.filter((c) => c.body.instructions === REVIEW_INSTRUCTIONS).map((c) => JSON.stringify(c.body.input));
}
