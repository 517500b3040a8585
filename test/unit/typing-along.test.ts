// Typing along a suggestion: which later cursors are answered from it, and which are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypingAlong } from '../../server/scheduling/typing-along.js';
import { parseCursor } from '../support/markers.js';

function check(shown: string, suggestion: string, now: string, expected: string | undefined): void {
  const cache = new TypingAlong();
  const a = parseCursor(shown);
  cache.remember('doc', a.text, a.offset, suggestion);
  const b = parseCursor(now);
  assert.equal(cache.rest('doc', b.text, b.offset), expected, `${shown} -> ${now}`);
}

test('typing the start of a suggestion answers with the rest', () => {
  check('const total = |;', 'items.length', 'const total = i|;', 'tems.length');
  check('const total = |;', 'items.length', 'const total = items.len|;', 'gth');
  check('if (x) {\n  |\n}', 'return 1;\n  log();', 'if (x) {\n  return 1;\n  |\n}', 'log();');
});

test('anything else asks the model again', () => {
  check('const total = |;', 'items.length', 'const total = x|;', undefined); // typed something else
  check('const total = |;', 'items.length', 'const total = items.length|;', undefined); // typed it all
  check('const total = |;', 'items.length', 'const total = |;', 'items.length'); // same place: the same suggestion
  check('const total = |;', 'items.length', 'const totl = |;', undefined); // an edit before the cursor
  check('const total = |;', 'items.length', 'const total = i|);', undefined); // an edit after the cursor
  check('const total = |;', 'items.length', 'const total |= ;', undefined); // moved back
});

test('entries are per document and can be forgotten', () => {
  const cache = new TypingAlong();
  cache.remember('a', 'x = ', 4, '42');
  assert.equal(cache.rest('b', 'x = 4', 5), undefined);
  assert.equal(cache.rest('a', 'x = 4', 5), '2');
  cache.forget('a');
  assert.equal(cache.rest('a', 'x = 4', 5), undefined);
  assert.equal(cache.size, 0);
});
