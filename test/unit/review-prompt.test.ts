// The review prompt: instruction, diff with context, whole enclosing functions with line numbers, paths, the
// rubric; and the indentation-based finder of enclosing functions.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadParsers, outlineSymbols, type Parsers } from '../../server/context/cross-file/index.js';
import { enclosingBlocks, symbolBlocks } from '../../server/review/enclosing.js';
import { buildReviewPrompt, DIFF_CONTEXT_LINES, REVIEW_INSTRUCTIONS, unifiedDiff, type ReviewFileInput } from '../../server/review/prompt.js';

/** A TypeScript file of `n` lines with `mean` at lines 101-104 (1-based). */
function bigFile(n: number, body = ['  if (values.length === 0) return 0;', '  return sum(values) / values.length;']): string {
  const lines = Array.from({ length: n }, (_, i) => `export const c${i + 1} = ${i + 1};`);
  lines.splice(100, 4, 'export function mean(values: number[]) {', ...body, '}');
  return lines.slice(0, n).join('\n') + '\n';
}
const BEFORE = bigFile(300);
const AFTER = bigFile(300, ['  // no guard', '  return sum(values) / values.length;']);
const FILE: ReviewFileInput = { path: '/work/src/stats.ts', languageId: 'typescript', before: BEFORE, after: AFTER };

describe('buildReviewPrompt', () => {
  const prompt = buildReviewPrompt({ instruction: 'drop the guard', files: [FILE], budgetTokens: 6_000 });

  it('states the instruction, the paths and what happened to each file', () => {
    assert.match(prompt.input, /^A fast code model made this change following the instruction:\n> drop the guard\n/);
    assert.match(prompt.input, /^- \/work\/src\/stats\.ts \(typescript, changed\)$/m);
  });

  it('shows the change as a unified diff with surrounding lines and line numbers in the hunk header', () => {
    const diff = /```diff\n([\s\S]*?)```/.exec(prompt.input)?.[1] ?? '';
    assert.match(diff, /^--- \/work\/src\/stats\.ts\n\+\+\+ \/work\/src\/stats\.ts\n@@ -96,\d+ \+96,\d+ @@\n/);
    assert.match(diff, /^- {2}if \(values\.length === 0\) return 0;$/m);
    assert.match(diff, /^\+ {2}\/\/ no guard$/m);
    const context = diff.split('\n').filter((l) => l.startsWith(' '));
    assert.equal(context.length, 2 * DIFF_CONTEXT_LINES, context.join('\n'));
  });

  it('shows the whole function around the change, numbered as the file after it', () => {
    const listing = /File: \/work\/src\/stats\.ts, lines (\d+)-(\d+)\n```typescript\n([\s\S]*?)```/.exec(prompt.input);
    assert.deepEqual(listing?.slice(1, 3), ['101', '104']);
    assert.equal(
      listing?.[3],
      ['101 | export function mean(values: number[]) {', '102 |   // no guard', '103 |   return sum(values) / values.length;', '104 | }', ''].join('\n'),
    );
  });

  it('keeps the rubric in the fixed instructions, so they are the same for every review', () => {
    assert.equal(prompt.instructions, REVIEW_INSTRUCTIONS);
    for (const rule of [/introduced/, /\[P0\]/, /\[P3\]/, /1-based/, /at most 5-10 lines/, /patch is correct/]) assert.match(prompt.instructions, rule);
    assert.equal(buildReviewPrompt({ instruction: 'other', files: [FILE], budgetTokens: 100 }).instructions, prompt.instructions);
  });

  it('a new file is all additions from /dev/null', () => {
    const p = buildReviewPrompt({ instruction: 'add tests', files: [{ path: '/work/t.test.ts', languageId: 'typescript', before: '', after: 'test(1);\ntest(2);\n' }], budgetTokens: 1_000 });
    assert.match(p.input, /- \/work\/t\.test\.ts \(typescript, new file\)/);
    assert.match(p.input, /--- \/dev\/null\n\+\+\+ \/work\/t\.test\.ts\n@@ -0,0 \+1,2 @@\n\+test\(1\);\n\+test\(2\);/);
  });

  it('several files: one diff each, in order', () => {
    const other: ReviewFileInput = { path: '/work/src/b.ts', languageId: 'typescript', before: 'a\n', after: 'b\n' };
    const p = buildReviewPrompt({ instruction: 'x', files: [FILE, other], budgetTokens: 6_000 });
    assert.ok(p.input.indexOf('+++ /work/src/stats.ts') < p.input.indexOf('+++ /work/src/b.ts'));
  });

  it('on demand without a diff: the file as it is, or only the range with its function', () => {
    const whole = buildReviewPrompt({ instruction: undefined, files: [{ ...FILE, before: null }], budgetTokens: 6_000 });
    assert.match(whole.input, /review of this code as it is/);
    assert.doesNotMatch(whole.input, /```diff/);
    assert.match(whole.input, /File: \/work\/src\/stats\.ts, lines 1-300\n/);
    const ranged = buildReviewPrompt({ instruction: undefined, files: [{ ...FILE, before: null }], focus: { start: 102, end: 102 }, budgetTokens: 6_000 });
    assert.match(ranged.input, /Only lines 103-103 are under review\./);
    assert.match(ranged.input, /File: \/work\/src\/stats\.ts, lines 101-104\n/);
  });

  it('on demand with unsaved changes: the diff since the save, limited to a range when one is given', () => {
    const p = buildReviewPrompt({ instruction: undefined, files: [FILE], budgetTokens: 6_000 });
    assert.match(p.input, /changes since the file was last saved/);
    assert.match(p.input, /```diff/);
    const outside = buildReviewPrompt({ instruction: undefined, files: [FILE], focus: { start: 200, end: 210 }, budgetTokens: 6_000 });
    assert.doesNotMatch(outside.input, /```diff/);
  });

  it('within a small budget the diff comes first, cut at a line, and the function listing is cut or left out', () => {
    const many = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const file: ReviewFileInput = { path: '/w/a.txt', languageId: 'plaintext', before: many, after: many.replace(/line/g, 'LINE') };
    const p = buildReviewPrompt({ instruction: 'x', files: [file], budgetTokens: 600 });
    assert.match(p.input, /\.\.\. \(the rest of this diff is left out: too long\)\n/);
    assert.ok(p.input.length < 600 * 4 + 600, `${p.input.length} characters`);
  });

  it('a fence in the code cannot close the block early', () => {
    const file: ReviewFileInput = { path: '/w/a.md', languageId: 'markdown', before: 'a\n', after: 'a\n```\nb\n' };
    const p = buildReviewPrompt({ instruction: 'x', files: [file], budgetTokens: 1_000 });
    assert.match(p.input, /````diff\n/);
  });
});

describe('unifiedDiff changed lines', () => {
  const cases: [string, string, string, [number, number][]][] = [
    ['a replaced line', 'a\nb\nc\n', 'a\nB\nc\n', [[1, 1]]],
    ['an added line', 'a\nc\n', 'a\nb\nc\n', [[1, 1]]],
    ['a removed line: the lines on both sides', 'a\nb\nc\n', 'a\nc\n', [[0, 1]]],
    ['two separate changes', 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\n', 'A\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nQ\n', [[0, 0], [16, 16]]],
  ];
  for (const [name, before, after, expected] of cases) {
    it(name, () => {
      const { changed } = unifiedDiff({ path: 'x', languageId: 'x', before, after });
      assert.deepEqual(changed.map((l) => [l.start, l.end]), expected);
    });
  }
});

describe('enclosingBlocks', () => {
  const TS = [
    'import { x } from "y";', // 0
    '', // 1
    'export class Stats {', // 2
    '  mean(values: number[]) {', // 3
    '    if (values.length === 0) {', // 4
    '      return 0;', // 5
    '    }', // 6
    '    return sum(values) / values.length;', // 7
    '  }', // 8
    '', // 9
    '  max(values: number[]) {', // 10
    '    return Math.max(...values);', // 11
    '  }', // 12
    '}', // 13
    'const loose = 1;', // 14
    'const other = 2;', // 15
  ];
  const PY = ['def mean(values):', '    if not values:', '        return 0', '    return sum(values) / len(values)', '', 'def other():', '    pass'];
  const cases: [string, string[], [number, number], number, [number, number]][] = [
    ['the outermost block that fits: the class', TS, [5, 5], 200, [2, 13]],
    ['the method when the class is too long', TS, [5, 5], 8, [3, 8]],
    ['the innermost block when nothing smaller fits', TS, [5, 5], 2, [4, 6]],
    ['a header line itself opens its block', TS, [10, 10], 3, [10, 12]],
    ['a top-level statement: a few lines around', TS, [14, 14], 200, [11, 15]],
    ['Python: the function by indentation', PY, [2, 2], 200, [0, 3]],
    ['a blank line between functions: a few lines around', PY, [4, 4], 200, [1, 6]],
  ];
  for (const [name, lines, [start, end], max, expected] of cases) {
    it(name, () => assert.deepEqual(enclosingBlocks(lines, [{ start, end }], max), [{ start: expected[0], end: expected[1] }]));
  }

  it('merges the blocks of separate changes in one function', () => {
    assert.deepEqual(enclosingBlocks(TS, [{ start: 5, end: 5 }, { start: 7, end: 7 }], 8), [{ start: 3, end: 8 }]);
  });
});

describe('symbolBlocks (from the syntax outline of server/context/cross-file)', () => {
  let parsers: Parsers;
  before(async () => {
    parsers = await loadParsers(['typescript', 'python']);
  });
  // Formatting that defeats indentation: a function whose body is not indented, and a one-line method.
  const TS = [
    'export class Stats {', // 0
    '  static empty() { return 0; }', // 1
    '  mean(values: number[]) {', // 2
    'if (values.length === 0) {', // 3
    'return 0;', // 4
    '}', // 5
    'return sum(values) / values.length;', // 6
    '  }', // 7
    '}', // 8
    'const loose = 1;', // 9
    '',
  ].join('\n');
  const PY = ['class Stats:', '    def mean(self, values):', '        if not values:', '            return 0', '        return sum(values) / len(values)', '', 'x = 1', ''].join('\n');
  const cases: [string, 'ts' | 'py', [number, number], number, [number, number]][] = [
    ['the outermost symbol that fits: the class', 'ts', [4, 4], 200, [0, 8]],
    ['the method when the class is too long, whatever the indentation', 'ts', [4, 4], 6, [2, 7]],
    ['a one-line method', 'ts', [1, 1], 1, [1, 1]],
    ['outside every symbol: by indentation', 'ts', [9, 9], 200, [6, 10]],
    ['Python: the method inside its class', 'py', [3, 3], 4, [1, 4]],
  ];
  for (const [name, lang, [start, end], max, expected] of cases) {
    it(name, () => {
      const text = lang === 'ts' ? TS : PY;
      const outline = outlineSymbols(parsers, { path: lang === 'ts' ? 'a.ts' : 'a.py', text });
      assert.ok(outline.length > 0);
      assert.deepEqual(symbolBlocks(text, outline, [{ start, end }], max), [{ start: expected[0], end: expected[1] }]);
    });
  }

  it('the prompt lists the function the outline gives', () => {
    const after = TS.replace('return 0;', 'return NaN;');
    const p = buildReviewPrompt({
      instruction: 'x',
      files: [{ path: '/w/a.ts', languageId: 'typescript', before: TS, after, outline: outlineSymbols(parsers, { path: 'a.ts', text: after }) }],
      budgetTokens: 2_000,
    });
    assert.match(p.input, /File: \/w\/a\.ts, lines 1-9\n/);
  });
});
