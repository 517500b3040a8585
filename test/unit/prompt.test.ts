import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CURSOR_MARKER,
  TARGET_BEGIN,
  buildCompletionDelta,
  buildCompletionPrompt,
  buildPatchPrompt,
  patchFeedback,
  buildWarmContext,
  estimateTokens,
  type DiagnosticInfo,
} from '../../server/context/prompt.js';
import { parseCursor } from '../support/markers.js';

/** Room for the file header, labels and fences beyond the budget itself. */
const HEADER_ALLOWANCE = 40;

const numbered = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => `let v${from + i} = compute(${from + i});\n`).join('');

/** The document as shown to the model: the first fenced block of the input. */
function documentBody(input: string): string {
  const m = /^(`{3,})[^\n]*\n([\s\S]*?)^\1\n/m.exec(input);
  assert.ok(m?.[2] !== undefined, `no document block in:\n${input}`);
  return m[2];
}

/** Where the shown window sits in `text`, given that `markerAt` in the body corresponds to `offset`. */
function locateWindow(text: string, body: string, markerAt: number, offset: number): { from: number; to: number } {
  const from = offset - markerAt;
  let to = from + body.length;
  // The closing fence needs a line break of its own, which the document may not have there.
  if (body.endsWith('\n') && text.slice(from, to) !== body) to--;
  assert.equal(body.slice(0, to - from), text.slice(from, to), 'the window is a verbatim slice of the document');
  assert.ok(from === 0 || text[from - 1] === '\n', 'the window starts at a line start');
  assert.ok(to === text.length || text[to - 1] === '\n', 'the window ends at a line end');
  return { from, to };
}

interface CompletionCase {
  doc: string;
  budget: number;
  diagnostics?: DiagnosticInfo[];
  related?: { path: string; text: string }[];
  contains?: string[];
  absent?: string[];
  /** The whole document must be shown. */
  whole?: boolean;
}

function checkCompletion(c: CompletionCase): void {
  const { text, offset } = parseCursor(c.doc);
  const prompt = buildCompletionPrompt({
    path: 'src/app.ts',
    languageId: 'typescript',
    text,
    offset,
    diagnostics: c.diagnostics ?? [],
    budgetTokens: c.budget,
    ...(c.related ? { related: c.related } : {}),
  });
  const { input } = prompt;
  assert.ok(input.startsWith('File: src/app.ts\nLanguage: typescript\n'), 'the stable header comes first');
  assert.equal(input.split(CURSOR_MARKER).length, 2, 'exactly one cursor marker');

  const markedBody = documentBody(input);
  const markerAt = markedBody.indexOf(CURSOR_MARKER);
  const body = markedBody.replace(CURSOR_MARKER, '');
  const { from, to } = locateWindow(text, body, markerAt, offset);
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const nl = text.indexOf('\n', offset);
  assert.ok(from <= lineStart && to >= (nl === -1 ? text.length : nl + 1), 'the cursor line is kept whole');

  const cursorLineTokens = estimateTokens(text.slice(lineStart, nl === -1 ? text.length : nl + 1));
  assert.ok(
    estimateTokens(input) <= Math.max(c.budget, cursorLineTokens) + HEADER_ALLOWANCE,
    `input of ${estimateTokens(input)} tokens exceeds the budget of ${c.budget}`,
  );
  if (c.whole) assert.deepEqual({ from, to }, { from: 0, to: text.length }, 'the whole document fits');
  for (const s of c.contains ?? []) assert.ok(input.includes(s), `input should contain ${JSON.stringify(s)}:\n${input}`);
  for (const s of c.absent ?? []) assert.ok(!input.includes(s), `input should not contain ${JSON.stringify(s)}:\n${input}`);
}

describe('estimateTokens', () => {
  const table: [string, number][] = [['', 0], ['a', 1], ['abcd', 1], ['abcde', 2], ['x'.repeat(400), 100]];
  for (const [text, expected] of table) it(`${text.length} chars`, () => assert.equal(estimateTokens(text), expected));
});

describe('buildCompletionPrompt', () => {
  const big = numbered(100) + 'let cur = |compute(100);\n' + numbered(100, 101);
  const table: [name: string, c: CompletionCase][] = [
    ['small document is shown whole', { doc: 'const a = 1;\nconst b = |;\n', budget: 1000, whole: true }],
    ['cursor at the very start', { doc: '|first line\nsecond\n', budget: 1000, whole: true }],
    ['cursor at the very end without final newline', { doc: 'a\nb|', budget: 1000, whole: true }],
    ['empty document', { doc: '|', budget: 100, whole: true }],
    ['cursor in the middle of a CRLF document', { doc: 'a\r\nb|c\r\nd\r\n', budget: 100, whole: true }],
    [
      'large document is trimmed to the budget at line boundaries',
      { doc: big, budget: 300, contains: ['let v99 = ', 'let v101 = ', 'the rest is omitted'], absent: ['let v0 = ', 'let v200 = '] },
    ],
    ['room unused after the cursor flows before it', { doc: numbered(100) + 'x|\n', budget: 300, contains: ['let v60 = '] }],
    ['room unused before the cursor flows after it', { doc: 'x|\n' + numbered(100), budget: 300, contains: ['let v40 = '] }],
    [
      'a cursor line longer than the budget is kept whole',
      { doc: numbered(5) + 'const s = "' + 'y'.repeat(2000) + '|";\n' + numbered(5, 6), budget: 100, absent: ['let v4 = '] },
    ],
    [
      'diagnostics near the cursor are included',
      {
        doc: big,
        budget: 1000,
        diagnostics: [{ message: "Cannot find name 'cur'.", line: 100, severity: 'error', source: 'ts' }],
        contains: ["- line 101, error [ts]: Cannot find name 'cur'."],
      },
    ],
    [
      'diagnostics on lines the model cannot see are left out',
      { doc: big, budget: 300, diagnostics: [{ message: 'far away', line: 2 }], absent: ['far away'] },
    ],
    [
      'multi-line diagnostic messages become one line',
      { doc: 'a|\n', budget: 500, diagnostics: [{ message: 'first\n  second', line: 0, severity: 'warning' }], contains: ['warning: first second'] },
    ],
    [
      'related files are included when budget remains, labelled with their path',
      {
        doc: 'const a = |;\n',
        budget: 1000,
        related: [{ path: 'src/util.ts', text: 'export function helper() {}\n' }],
        contains: ['File: src/util.ts\n```\nexport function helper() {}\n```'],
      },
    ],
    [
      'related files are left out when the document fills the budget',
      { doc: big, budget: 300, related: [{ path: 'src/util.ts', text: 'export function helper() {}\n' }], absent: ['src/util.ts'] },
    ],
    [
      'a large related file is trimmed to what remains',
      { doc: 'const a = |;\n', budget: 500, related: [{ path: 'src/big.ts', text: numbered(500) }], contains: ['src/big.ts', 'let v0 = '], absent: ['let v400 = '] },
    ],
    [
      'backticks in the document get a longer fence',
      { doc: 'const s = `a ```` b`;\nx|\n', budget: 500, contains: ['`````typescript\n'], whole: true },
    ],
  ];
  for (const [name, c] of table) it(name, () => checkCompletion(c));

  it('a cursor at the very start of a text that begins with a blank line: the text shown once, marked where it is', () => {
    const text = '\nconst a = 1;\n';
    const shown = `${CURSOR_MARKER}\nconst a = 1;\n`;
    const full = buildCompletionPrompt({ path: 'a.ts', languageId: 'typescript', text, offset: 0, diagnostics: [], budgetTokens: 500 });
    assert.ok(full.input.includes(`\`\`\`typescript\n${shown}\`\`\``), full.input);
    const delta = buildCompletionDelta({ languageId: 'typescript', text, offset: 0, budgetTokens: 500 });
    assert.ok(delta.includes(`\`\`\`typescript\n${shown}\`\`\``), delta);
  });

  it('about three quarters of the room goes before the cursor', () => {
    const { text, offset } = parseCursor(big);
    const { input } = buildCompletionPrompt({ path: 'a.ts', languageId: 'typescript', text, offset, diagnostics: [], budgetTokens: 400 });
    const [above = '', below = ''] = documentBody(input).split(CURSOR_MARKER);
    const ratio = above.split('\n').length / below.split('\n').length;
    assert.ok(ratio > 2.5 && ratio < 3.5, `lines above / below the cursor = ${ratio}`);
  });

  it('the related snippet comes after the document', () => {
    const { text, offset } = parseCursor('const a = |;\n');
    const { input } = buildCompletionPrompt({
      path: 'a.ts', languageId: 'typescript', text, offset, diagnostics: [], budgetTokens: 1000,
      related: [{ path: 'b.ts', text: 'b\n' }],
    });
    assert.ok(input.indexOf('File: b.ts') > input.indexOf(CURSOR_MARKER));
  });

  it('instructions are identical across requests, so they can be cached', () => {
    const a = buildCompletionPrompt({ path: 'a.ts', languageId: 'typescript', text: 'x', offset: 1, diagnostics: [], budgetTokens: 10 });
    const b = buildCompletionPrompt({
      path: 'b.py', languageId: 'python', text: numbered(50), offset: 30,
      diagnostics: [{ message: 'm', line: 0 }], budgetTokens: 5000, related: [{ path: 'c', text: 'c' }],
    });
    assert.equal(a.instructions, b.instructions);
    assert.ok(a.instructions.includes(CURSOR_MARKER) && /only the text to insert/i.test(a.instructions));
  });

  it('is deterministic', () => {
    const args = { path: 'a.ts', languageId: 'typescript', text: big.replace('|', ''), offset: 500, diagnostics: [], budgetTokens: 300 };
    assert.deepEqual(buildCompletionPrompt(args), buildCompletionPrompt(args));
  });
});

it('warm context: the whole file without a cursor, under the completion instructions; the head when over budget', () => {
  const text = Array.from({ length: 3000 }, (_, i) => `const line${i} = ${i};`).join('\n') + '\n';
  const warm = buildWarmContext({ path: '/w/big.ts', languageId: 'typescript', text, budgetTokens: 100_000 });
  assert.ok(warm.input.includes(text), 'the whole file');
  assert.ok(!warm.input.includes(CURSOR_MARKER));
  const full = buildCompletionPrompt({ path: '/w/big.ts', languageId: 'typescript', text, offset: 10, diagnostics: [], budgetTokens: 100 });
  assert.equal(warm.instructions, full.instructions, 'the same instructions as a completion, so the prefix is shared');
  const small = buildWarmContext({ path: '/w/big.ts', languageId: 'typescript', text, budgetTokens: 1_000 });
  assert.ok(small.input.includes('const line0 = 0;') && !small.input.includes('const line2999'), 'over budget: the head');
  assert.ok(estimateTokens(small.input) <= 1_000 + 20);

  const offset = text.indexOf('const line1500 = ') + 'const line1500 = '.length;
  const delta = buildCompletionDelta({ languageId: 'typescript', text, offset, budgetTokens: 512 });
  assert.ok(delta.includes(`const line1500 = ${CURSOR_MARKER}1500;`), 'the cursor line, marked');
  assert.ok(delta.includes('const line1490 = 1490;') && delta.includes('const line1505 = 1505;'), 'lines around it');
  assert.ok(estimateTokens(delta) <= 512 + 20);
  assert.ok(delta.length < text.length / 10, 'a small part of the file');
  assert.equal(delta.split(CURSOR_MARKER).length, 2, 'the marker appears once');
});

it('a completion delta given the line numbers reads only what it shows, and says the same', () => {
  const lines = Array.from({ length: 400 }, (_, i) => (i === 7 ? 'const s = `````;' : i === 390 ? 'x(`a`);' : `const line${i} = ${i};`));
  for (const ending of ['\n', '\r\n']) {
    const text = lines.join(ending);
    for (const at of ['const line0 = ', 'const line5 = ', 'const line200 = ', 'x(`', 'const line399 = ']) {
      const offset = text.indexOf(at) + at.length;
      const cursor = text.slice(0, offset).split('\n').length - 1;
      for (const budgetTokens of [64, 512, 8_000]) {
        const counted = buildCompletionDelta({ languageId: 'typescript', text, offset, budgetTokens });
        const given = buildCompletionDelta({ languageId: 'typescript', text, offset, budgetTokens, lines: { cursor, count: lines.length } });
        assert.equal(given, counted, `at ${JSON.stringify(at)}, ${JSON.stringify(ending)}, ${budgetTokens} tokens`);
      }
    }
  }
  // The fence is longer than any run of backticks the window shows (here five, on line 8).
  const text = lines.join('\n');
  const near = buildCompletionDelta({ languageId: 'typescript', text, offset: text.indexOf('const line9 = '), budgetTokens: 64, lines: { cursor: 9, count: 400 } });
  assert.ok(near.includes('\n``````typescript\n'), near);
});

describe('buildPatchPrompt', () => {
  const target = 'import { add } from "./math";\nexport function total(xs: number[]) {\n  return xs.reduce(add, 0);\n}\n';
  const math = 'export const add = (a: number, b: number) => a + b;\n';
  const tests = 'import { total } from "../src/total";\ntest("total", () => expect(total([1])).toBe(1));\n';
  const base = {
    path: 'src/total.ts', languageId: 'typescript', text: target, instruction: 'handle an empty list',
    diagnostics: [] as DiagnosticInfo[], budgetTokens: 6000,
    related: [{ path: 'test/total.test.ts', text: tests, role: 'test' as const }, { path: 'src/math.ts', text: math, role: 'import' as const }],
    listing: ['package.json', 'src/math.ts', 'src/total.ts', 'test/total.test.ts'],
  };

  it('file scope: the target, its tests, its imports and the listing, each whole', () => {
    const p = buildPatchPrompt({ ...base, scope: 'file' });
    assert.ok(p.input.startsWith('Instruction: handle an empty list\nYou may change: only src/total.ts.\n'));
    for (const text of [target, math, tests]) assert.ok(p.input.includes(text), `shown: ${text}`);
    assert.ok(p.input.indexOf('File: src/total.ts (the file to edit)') < p.input.indexOf('File: test/total.test.ts (its tests)'));
    assert.ok(p.input.indexOf('File: test/total.test.ts') < p.input.indexOf('File: src/math.ts (imported by the file to edit)'), 'tests before imports');
    assert.ok(p.input.includes('Files of the workspace:\npackage.json\nsrc/math.ts\nsrc/total.ts\ntest/total.test.ts\n'));
    assert.deepEqual(p.shownWhole, ['src/total.ts', 'test/total.test.ts', 'src/math.ts']);
    assert.ok(!p.input.includes(TARGET_BEGIN) && !p.input.includes('<|'), 'no markers inside the text');
  });

  it('workspace scope says any file may change', () => {
    assert.ok(buildPatchPrompt({ ...base, scope: 'workspace' }).input.includes('You may change: any file of the workspace, and add new files.\n'));
  });

  it('selection scope: the lines named by number and first and last line, without other files', () => {
    const start = target.indexOf('  return');
    const p = buildPatchPrompt({ ...base, scope: 'selection', selection: { start, end: target.indexOf('}\n') } });
    assert.ok(p.input.includes('You may change: only the selected lines of src/total.ts.\n'));
    assert.ok(p.input.includes('Selected: lines 3-3 of src/total.ts, from `return xs.reduce(add, 0);` to `return xs.reduce(add, 0);`.\n'), p.input);
    assert.ok(p.input.includes(target), 'the whole file fits');
    assert.ok(!p.input.includes(math) && !p.input.includes('Files of the workspace'), 'no related files nor listing');
    assert.deepEqual(p.shownWhole, ['src/total.ts']);
  });

  it('selection scope: part of a line is quoted exactly', () => {
    const start = target.indexOf('xs.reduce');
    const p = buildPatchPrompt({ ...base, scope: 'selection', selection: { start, end: start + 'xs.reduce'.length } });
    assert.ok(p.input.includes('Selected: lines 3-3 of src/total.ts, from `return xs.reduce(add, 0);` to `return xs.reduce(add, 0);`.\nThe selection is only part of those lines; it is exactly:\n```\nxs.reduce\n```\n'), p.input);
    const whole = buildPatchPrompt({ ...base, scope: 'selection', selection: { start: target.indexOf('  return'), end: target.indexOf('}\n') } });
    assert.ok(!whole.input.includes('only part of those lines'), 'whole lines need no quote');
  });

  it('over budget: related files are left out rather than cut, the listing is cut with a count, the target is framed', () => {
    const bigTarget = numbered(400);
    const listing = Array.from({ length: 500 }, (_, i) => `src/module${i}.ts`);
    const start = bigTarget.indexOf('let v200 = ');
    const p = buildPatchPrompt({ ...base, scope: 'file', text: bigTarget, listing, budgetTokens: 2000, selection: { start, end: start + 5 } });
    assert.ok(p.input.includes('let v200 = compute(200);') && !p.input.includes('let v0 = '), 'framed around the focus');
    assert.ok(p.input.includes('the rest is omitted'));
    assert.deepEqual(p.shownWhole, [], 'nothing was shown whole');
    assert.match(p.input, /\(and \d+ more\)\n/);
    assert.ok(estimateTokens(p.input) <= 2000 + HEADER_ALLOWANCE, `${estimateTokens(p.input)} tokens`);
    const roomy = buildPatchPrompt({ ...base, scope: 'file', listing, budgetTokens: 2000 });
    assert.deepEqual(roomy.shownWhole, ['src/total.ts', 'test/total.test.ts', 'src/math.ts'], 'small related files still fit beside a cut listing');
  });

  it('diagnostics of the target are listed', () => {
    const p = buildPatchPrompt({ ...base, scope: 'file', diagnostics: [{ message: 'xs may be empty', line: 2, severity: 'warning' }] });
    assert.ok(p.input.includes('Diagnostics in the file to edit:\n- line 3, warning: xs may be empty (on: return xs.reduce(add, 0);)\n'));
  });

  it('a file holding fences gets a longer fence', () => {
    const md = 'Example:\n```ts\nx\n```\n';
    const p = buildPatchPrompt({ ...base, scope: 'file', path: 'README.md', languageId: 'markdown', text: md, related: [], listing: [] });
    assert.ok(p.input.includes('````markdown\n' + md + '````\n'));
  });

  it('instructions are identical across scopes and requests, and describe the patch format', () => {
    const a = buildPatchPrompt({ ...base, scope: 'file' });
    const b = buildPatchPrompt({ ...base, scope: 'selection', selection: { start: 0, end: 3 }, instruction: 'other' });
    assert.equal(a.instructions, b.instructions);
    for (const s of ['*** Begin Patch', '*** Update File: ', '*** Add File: ', '*** Delete File: ', '*** End Patch']) assert.ok(a.instructions.includes(s), s);
  });

  it('feedback for a patch that did not apply names the failure', () => {
    const f = patchFeedback('src/total.ts: lines not found:\n  return xs.sum();\n');
    assert.ok(f.startsWith('The patch did not apply: src/total.ts: lines not found:\n  return xs.sum();\nNothing was changed.'));
  });
});
