// Runs the built demo (`npm run demo` without its build step; `npm test` builds first) and checks that each step
// did what it says: the README's first command must keep working as the server grows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

const DEMO = fileURLToPath(new URL('../../dist/clients/demo/demo.js', import.meta.url));

test('the demo completes, edits with a patch, and shows the review finding', { timeout: 60_000 }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [DEMO], { timeout: 50_000 });
  assert.match(stdout, /not from a model/, 'says the answers are the simulator\'s');
  assert.match(stdout, /\+ {3}return items\.reduce\(\(best, item\)/, 'the completion was inserted');
  assert.match(stdout, /\+ {3}return items\.map\(\(item\) => item\.name\);/, 'the inline completion was inserted');
  assert.match(stdout, /- {3}return totl;\n {5}\+ {3}return total;/, 'the quickfix was applied');
  assert.match(stdout, /- {3}let total = 0\n {5}\+ {3}let total = 0;/, 'the patch edit changed only its line');
  assert.match(stdout, /result: \{"applied":true\}/);
  assert.match(stdout, /line 6: \[P2\] totalValue counts items with a negative quantity/, 'the review finding arrived as a diagnostic');
  assert.match(stdout, /\d+ completion\(s\) chained from/, 'says how many completions chained from the warm context');
  assert.doesNotMatch(stdout, /spark-sim reply #/, 'no request fell through to the synthetic default reply');
});
