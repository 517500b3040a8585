import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { computeMinimalEdits } from '../../server/edits/minimal.js';
import { parseRange } from '../support/markers.js';

interface Expect {
  /** Exact number of edits, when minimality matters. */
  edits?: number;
  /** Upper bound of the replaced + inserted characters over all edits. */
  maxChanged?: number;
}

/** `src` marks the range with [[...]]; the edits must turn the range into `replacement`. */
function check(src: string, replacement: string, expect: Expect = {}): void {
  const { text, start, end } = parseRange(src);
  const doc = TextDocument.create('file:///t.ts', 'typescript', 1, text);
  const range = { start: doc.positionAt(start), end: doc.positionAt(end) };
  const edits = computeMinimalEdits(doc, range, replacement);
  const expected = text.slice(0, start) + replacement + text.slice(end);
  assert.equal(TextDocument.applyEdits(doc, edits), expected);

  let previousEnd = -1;
  for (const e of edits) {
    const s = doc.offsetAt(e.range.start);
    const t = doc.offsetAt(e.range.end);
    assert.ok(s >= previousEnd, 'edits are sorted and do not overlap');
    previousEnd = t;
    for (const b of [s, t]) {
      const prev = text.charCodeAt(b - 1);
      const next = text.charCodeAt(b);
      assert.ok(!(prev === 13 && next === 10), `edit boundary ${b} splits a CRLF`);
      assert.ok(!(prev >= 0xd800 && prev <= 0xdbff && next >= 0xdc00 && next <= 0xdfff), `edit boundary ${b} splits a surrogate pair`);
    }
  }
  if (expect.edits !== undefined) assert.equal(edits.length, expect.edits, JSON.stringify(edits));
  if (expect.maxChanged !== undefined) {
    const changed = edits.reduce((n, e) => n + (doc.offsetAt(e.range.end) - doc.offsetAt(e.range.start)) + e.newText.length, 0);
    assert.ok(changed <= expect.maxChanged, `changed ${changed} > ${expect.maxChanged}: ${JSON.stringify(edits)}`);
  }
}

const fifty = Array.from({ length: 50 }, (_, i) => `  const v${i} = compute(total, ${i});\n`).join('');

describe('computeMinimalEdits', () => {
  const table: [name: string, src: string, replacement: string, expect: Expect][] = [
    ['unchanged replacement gives no edit', 'a\n[[b\nc\n]]d', 'b\nc\n', { edits: 0 }],
    ['empty range, empty replacement', 'ab[[]]c', '', { edits: 0 }],
    ['rename one identifier in a 50-line range', `function f() {\n[[${fifty}]]}\n`, fifty.replace('v17', 'w17'), { edits: 1, maxChanged: 2 }],
    ['change one word in a line', '[[let total = price * count;]]', 'let total = price * amount;', { edits: 1, maxChanged: 11 }],
    ['two changes far apart give two edits', '[[alpha\nbeta\ngamma\ndelta\nepsilon\n]]', 'ALPHA\nbeta\ngamma\ndelta\nEPSILON\n', { edits: 2 }],
    ['insert a line in the middle', '[[a\nb\nc\n]]', 'a\nb\nnew\nc\n', { edits: 1, maxChanged: 4 }],
    ['insert at the end of the range', 'x[[foo()]]y', 'foo();', { edits: 1, maxChanged: 1 }],
    ['insert at end of document', 'line1\n[[]]', 'line2\n', { edits: 1, maxChanged: 6 }],
    ['delete all', '[[one\ntwo\nthree\n]]', '', { edits: 1 }],
    ['delete one line', '[[one\ntwo\nthree\n]]', 'one\nthree\n', { edits: 1, maxChanged: 4 }],
    ['replace everything with something unrelated', '[[abc]]', 'xyz', { edits: 1 }],
    ['CRLF: change a word', '[[a = 1;\r\nb = 2;\r\nc = 3;\r\n]]', 'a = 1;\r\nb = 42;\r\nc = 3;\r\n', { edits: 1, maxChanged: 3 }],
    ['CRLF: insert a line', '[[a\r\nb\r\n]]', 'a\r\nx\r\nb\r\n', { edits: 1, maxChanged: 3 }],
    ['CRLF: join two lines', '[[a\r\nb]]', 'ab', { edits: 1, maxChanged: 2 }],
    ['CRLF: only the CR removed would split the pair', '[[a\r\nb]]', 'a\nb', { edits: 1 }],
    ['CRLF: LF-only replacement of a CRLF range', '[[a\r\nb\r\n]]', 'a\nb\n', {}],
    ['emoji: change one emoji', '[[x = "😀";]]', 'x = "😁";', { edits: 1, maxChanged: 4 }],
    ['emoji: insert after an emoji', '[[😀]]', '😀😀', { edits: 1, maxChanged: 2 }],
    ['emoji: replace emoji with a letter', '[[a😀b]]', 'axb', { edits: 1, maxChanged: 3 }],
    ['range in the middle of a line', 'const [[x]] = 1;', 'y', { edits: 1, maxChanged: 2 }],
    ['several edits on one line merge across a little punctuation', '[[f(a, b)]]', 'f(c, d)', { edits: 1 }],
    ['whitespace-only change', '[[if (x) {\n    y();\n}\n]]', 'if (x) {\n  y();\n}\n', { edits: 1, maxChanged: 2 }],
  ];
  for (const [name, src, replacement, expect] of table) {
    it(name, () => check(src, replacement, expect));
  }

  it('5,000-line range with one change gives one small edit', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} of the big file\n`);
    const original = lines.join('');
    const changed = [...lines];
    changed[2500] = 'line 2500 of the BIG file\n';
    check(`[[${original}]]`, changed.join(''), { edits: 1, maxChanged: 6 });
  });

  it('5,000-line range with scattered changes stays correct', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `value_${i} = ${i * 7};\n`);
    const changed = lines.map((l, i) => (i % 97 === 0 ? l.replace('= ', '= -') : l));
    check(`[[${lines.join('')}]]`, changed.join(''), { edits: Math.ceil(5000 / 97) });
  });

  it('5,000-line range rewritten completely stays correct', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `a${i}\n`).join('');
    const other = Array.from({ length: 5000 }, (_, i) => `b${i * 3}\n`).join('');
    check(`[[${lines}]]`, other);
  });
});
