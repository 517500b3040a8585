// Recently edited regions: which lines of which documents a sequence of didChange content changes leaves
// marked as edited, newest first, shifted by later changes and merged when close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EditedRegions, type TextChange } from '../../server/context/edited-regions.js';

const TEN = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');

/** A ranged change replacing [start, end) positions with `text`. */
function at(startLine: number, startChar: number, endLine: number, endChar: number, text: string): TextChange {
  return { range: { start: { line: startLine, character: startChar }, end: { line: endLine, character: endChar } }, text };
}

/** Applies `steps` (uri, text before, changes) and compares the regions as `uri:start-end` (end exclusive), newest first. */
function check(steps: [string, string, TextChange[]][], expected: string[], max = 8): void {
  const regions = new EditedRegions(max);
  for (const [uri, before, changes] of steps) regions.record(uri, before, changes);
  assert.deepEqual(
    regions.list().map((r) => `${r.uri}:${r.start}-${r.end}`),
    expected,
  );
}

test('a ranged change marks the lines it leaves', () => {
  check([['a', TEN, [at(3, 0, 3, 0, 'x')]]], ['a:3-4']);
  check([['a', TEN, [at(3, 0, 3, 0, 'x\ny\nz')]]], ['a:3-6'], 8); // three lines where one was
  check([['a', TEN, [at(3, 0, 6, 0, '')]]], ['a:3-4']); // lines 3-5 deleted: the line that joined them
});

test('a whole-text change marks what lies between the common leading and trailing lines', () => {
  check([['a', TEN, [{ text: TEN.replace('line 4', 'line four') }]]], ['a:4-5']);
  check([['a', TEN, [{ text: TEN.replace('line 4\n', 'line 4\nnew a\nnew b\n') }]]], ['a:5-7']);
  check([['a', TEN, [{ text: TEN }]]], []); // nothing changed
});

test('later changes shift regions below them, and close regions merge', () => {
  // An edit at line 8, then two lines inserted at line 1: the first region moves down by two.
  check(
    [
      ['a', TEN, [at(8, 0, 8, 0, 'x')]],
      ['a', TEN, [at(1, 0, 1, 0, 'p\nq\n')]],
    ],
    ['a:1-4', 'a:10-11'],
  );
  // Edits three lines apart merge into one region.
  check(
    [
      ['a', TEN, [at(2, 0, 2, 0, 'x')]],
      ['a', TEN, [at(5, 0, 5, 0, 'y')]],
    ],
    ['a:2-6'],
  );
  // Several changes in one notification apply in order.
  check([['a', TEN, [at(0, 0, 0, 0, 'x'), at(9, 0, 9, 0, 'y')]]], ['a:9-10', 'a:0-1']);
});

test('newest first across documents, at most `max`, and a closed document is forgotten', () => {
  check(
    [
      ['a', TEN, [at(1, 0, 1, 0, 'x')]],
      ['b', TEN, [at(7, 0, 7, 0, 'x')]],
      ['a', TEN, [at(8, 0, 8, 0, 'x')]],
    ],
    ['a:8-9', 'b:7-8', 'a:1-2'],
  );
  check(
    [
      ['a', TEN, [at(1, 0, 1, 0, 'x')]],
      ['b', TEN, [at(7, 0, 7, 0, 'x')]],
      ['c', TEN, [at(8, 0, 8, 0, 'x')]],
    ],
    ['c:8-9', 'b:7-8'],
    2,
  );
  const regions = new EditedRegions();
  regions.record('a', TEN, [at(1, 0, 1, 0, 'x')]);
  regions.record('b', TEN, [at(2, 0, 2, 0, 'x')]);
  assert.deepEqual(regions.list('b').map((r) => r.uri), ['a'], 'list() leaves out the document asked about');
  regions.forget('a');
  assert.deepEqual(regions.list().map((r) => r.uri), ['b']);
});
