// The lines a new version of a text changes, and whether they stay inside a selection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changedLines, changesWithin } from '../../server/edits/changed-lines.js';

test('changed line span', () => {
  const table: [string, string, ReturnType<typeof changedLines>][] = [
    ['a\nb\nc\n', 'a\nb\nc\n', undefined],
    ['a\nb\nc\n', 'a\nB\nc\n', { first: 1, end: 2 }],
    ['a\nb\nc\n', 'a\nb\nx\nc\n', { first: 2, end: 2 }],
    ['a\nb\nc\n', 'a\nc\n', { first: 1, end: 2 }],
    ['a\nb\nc', 'a\nb\nc\n', { first: 3, end: 3 }], // a final newline: an empty last line inserted
    ['x\nx\nx\n', 'x\nx\n', { first: 2, end: 3 }],
    ['a\r\nb\r\n', 'a\r\nB\r\n', { first: 1, end: 2 }],
    ['', 'new\n', { first: 0, end: 0 }],
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
