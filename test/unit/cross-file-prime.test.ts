// The analysis run once at start-up: it must go through every loaded language's imports, declarations,
// outline and layout (a sample that silently stopped resolving would leave that code cold again).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadParsers, loadTokenCounter, primeAnalysis, SOURCE_LANGUAGES } from '../../server/context/cross-file/index.js';

describe('priming the analysis', () => {
  it('runs every language end to end: outline, the neighbour’s declarations, a counted stable part', async () => {
    const runs = primeAnalysis(await loadParsers(), await loadTokenCounter());
    assert.deepEqual(runs.map((r) => r.language), [...SOURCE_LANGUAGES]);
    for (const r of runs) {
      assert.ok(r.outlined > 0, `${r.language}: nothing outlined`);
      assert.ok(r.declarations > 0, `${r.language}: no declaration collected from the imported file`);
      assert.ok(r.stableTokens > 0, `${r.language}: an empty stable part`);
    }
  });

  it('covers only the languages loaded', async () => {
    const runs = primeAnalysis(await loadParsers(['python']), await loadTokenCounter());
    assert.deepEqual(runs.map((r) => r.language), ['python']);
  });
});
