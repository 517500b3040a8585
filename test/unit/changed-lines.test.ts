// The lines a new version of a text changes, and whether they stay inside a selection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { changedLines, changesWithin } from '../../server/edits/changed-lines.js';

test('changed line span', () => {
  const table: [string, string, ReturnType<typeof changedLines>][] = [
    ['a\nb\nc\n', 'a\nb\nc\n', undefined],
    ['a\nb\nc\n', 'a\nB\nc\n', { first: 1, end: 2, newEnd: 2 }],
    ['a\nb\nc\n', 'a\nb\nx\nc\n', { first: 2, end: 2, newEnd: 3 }],
    ['a\nb\nc\n', 'a\nc\n', { first: 1, end: 2, newEnd: 1 }],
    ['a\nb\nc', 'a\nb\nc\n', { first: 3, end: 3, newEnd: 4 }], // a final newline: an empty last line inserted
    ['x\nx\nx\n', 'x\nx\n', { first: 2, end: 3, newEnd: 2 }],
    ['a\r\nb\r\n', 'a\r\nB\r\n', { first: 1, end: 2, newEnd: 2 }],
    ['', 'new\n', { first: 0, end: 0, newEnd: 1 }],
  ];
  for (const [a, b, expected] of table) assert.deepEqual(changedLines(a, b), expected, JSON.stringify([a, b]));
});

test('changes within a selection of lines', () => {
  const text = 'l0\nl1\nl2\nl3\nl4\n';
  const table: [string, number, number, boolean][] = [
    ['l0\nL1\nl2\nl3\nl4\n', 1, 2, true],
    ['l0\nl1\nl2\nl3\nL4\n', 1, 2, false],
    ['L0\nl1\nl2\nl3\nl4\n', 1, 2, false],
    ['l0\nl1\nl2\nnew\nl3\nl4\n', 1, 2, true], // inserted right after the selection's last line
    ['l0\nnew\nl1\nl2\nl3\nl4\n', 1, 2, true], // inserted before its first line
    ['l0\nl3\nl4\n', 1, 2, true],
    [text, 4, 4, true],
  ];
  for (const [b, first, last, expected] of table) assert.equal(changesWithin(text, b, first, last), expected, `${JSON.stringify(b)} in ${first}-${last}`);
});

/** The definition: split both texts into lines, count the equal leading lines, then the equal trailing ones. */
function spanBySplitting(oldText: string, newText: string) {
  if (oldText === newText) return undefined;
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  let common = 0;
  while (common < a.length - first && common < b.length - first && a[a.length - 1 - common] === b[b.length - 1 - common]) common++;
  return { first, end: a.length - common, newEnd: b.length - common };
}

test('the changed span is the one the definition by splitting gives, found without splitting (property)', () => {
  // Few distinct characters, so that texts share prefixes, suffixes and repeated lines; long enough to
  // compare in chunks.
  const text = (max: number) => fc.array(fc.constantFrom('a', 'b', '\n', '\r\n'), { maxLength: max }).map((cs) => cs.join(''));
  const pair = fc.oneof(
    fc.tuple(text(12), text(12)),
    fc.tuple(text(900), text(40), fc.nat(), fc.nat()).map(([base, insert, i, j]): [string, string] => {
      const from = i % (base.length + 1);
      const to = from + (j % (base.length - from + 1));
      return [base, base.slice(0, from) + insert + base.slice(to)];
    }),
  );
  fc.assert(
    fc.property(pair, ([oldText, newText]) => {
      assert.deepEqual(changedLines(oldText, newText), spanBySplitting(oldText, newText), JSON.stringify([oldText, newText]));
    }),
    { numRuns: 3000 },
  );
});
