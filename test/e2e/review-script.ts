// What the models answer in the review e2e tests (Neovim and Emacs) on the sample file of
// test/support/review-sample.ts: Spark's edits chosen from the instruction, and the review model's findings
// (through spark-sim's reviewer hook) chosen from what the review request shows.
import type { SimFinding, SimRequest, SparkSim } from '../../server/sim/api.js';
import { STATS } from '../support/review-sample.js';
import { isReviewRequest } from './support.js';

/** The sample after the edit and the fix. */
export const FIXED = STATS.replace('  if (values.length === 0) return 0;', '  // values are never empty').replace(
  '  return total / values.length;',
  '  return values.length === 0 ? 0 : total / values.length;',
);

function finding(path: string, title: string, priority: number, line: number): SimFinding {
  return {
    title,
    body: `${title}: scripted.`,
    confidence_score: 0.9,
    priority,
    code_location: { absolute_file_path: path, line_range: { start: line, end: line } },
  };
}

/** Scripts both models for the sample at `path`. */
export function script(sim: SparkSim, path: string): void {
  sim.setReviewer((req: SimRequest) => {
    if (req.inputText.includes('drop the empty check')) return [finding(path, '[P1] Division by zero when values is empty', 1, 5)];
    if (req.inputText.includes('changes since the file was last saved')) return [finding(path, '[P2] The comment promises what callers do not', 2, 2)];
    return [];
  });
  sim.setResponder((req: SimRequest) => {
    if (req.inputText.includes('drop the empty check')) return '  // values are never empty\n';
    // The fix is a patch of the file (the workspace folder, or the file's own directory, holds it).
    if (req.inputText.includes('A code review found this problem')) {
      return {
        toolInput: [
          '*** Begin Patch',
          '*** Update File: stats.ts',
          '@@',
          '-  return total / values.length;',
          '+  return values.length === 0 ? 0 : total / values.length;',
          '*** End Patch',
          '',
        ].join('\n'),
      };
    }
    return '';
  });
}

/** The user message of each review request the simulator received, in order. */
export function reviewInputs(creates: { body: Record<string, unknown> }[]): string[] {
  return creates.filter((c) => isReviewRequest(c.body)).map((c) => JSON.stringify(c.body.input));
}
