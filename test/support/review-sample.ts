// The sample file of the review tests, in-process and in real editors: a mean() whose empty-input guard the
// scripted edit removes and the review then flags.
export const STATS = [
  'export function mean(values: number[]) {',
  '  if (values.length === 0) return 0;',
  '  let total = 0;',
  '  for (const v of values) total += v;',
  '  return total / values.length;',
  '}',
  '',
].join('\n');
