// Instruction comments: which lines count, their scope, and which block an instruction governs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findInstructionComment, instructionOf, parseInstructionComment } from '../../server/context/instruction-comment.js';

test('comment syntaxes that carry an instruction', () => {
  const table: [string, string | undefined][] = [
    ['// spark: make this iterative', 'make this iterative'],
    ['    /// Spark:   tidy up  ', 'tidy up'],
    ['# spark: use a list comprehension', 'use a list comprehension'],
    ['-- spark: memoize', 'memoize'],
    ['; spark: rename x to total', 'rename x to total'],
    ['/* spark: add types */', 'add types'],
    ['<!-- spark: close the tags -->', 'close the tags'],
    ['// spark:', undefined],
    ['// sparkle: no', undefined],
    ['const spark = 1; // spark: not a whole-line comment', undefined],
    ['x = "# spark: in a string"', undefined],
    ['// spark(file): add types everywhere', 'add types everywhere'],
    ['# spark(workspace): move helpers to utils.py', 'move helpers to utils.py'],
    ['// spark(project): unknown scope', undefined],
    ['// spark(file):', undefined],
  ];
  for (const [line, expected] of table) assert.equal(instructionOf(line), expected, line);
});

test('the scope a comment names', () => {
  const table: [string, ReturnType<typeof parseInstructionComment>][] = [
    ['// spark: tidy', { instruction: 'tidy', scope: 'block' }],
    ['// spark(file): tidy', { instruction: 'tidy', scope: 'file' }],
    ['/* Spark( File ): tidy */', { instruction: 'tidy', scope: 'file' }],
    ['# spark(WORKSPACE): tidy', { instruction: 'tidy', scope: 'workspace' }],
    ['// spark (file): tidy', undefined],
  ];
  for (const [line, expected] of table) assert.deepEqual(parseInstructionComment(line), expected, line);
});

test('the block an instruction governs', () => {
  const lines = ['// spark: make it iterative', 'function f(n) {', '  return n ? f(n - 1) : 0;', '}', '', 'const x = 1;'];
  const block = { line: 0, instruction: 'make it iterative', scope: 'block' } as const;
  // cursor on the first line of the block, or on the comment itself
  assert.deepEqual(findInstructionComment(lines, 1, 1, false), { ...block, startLine: 1, endLine: 4 });
  assert.deepEqual(findInstructionComment(lines, 0, 0, false), { ...block, startLine: 1, endLine: 4 });
  // a selection below the comment is the target as it is
  assert.deepEqual(findInstructionComment(lines, 1, 2, true), { ...block, startLine: 1, endLine: 3 });
  // no comment above: nothing
  assert.equal(findInstructionComment(lines, 2, 2, false), undefined);
  assert.equal(findInstructionComment(lines, 5, 5, false), undefined);
  // a block comment followed by nothing governs nothing; a file or workspace comment stands on its own
  assert.equal(findInstructionComment(['x', '// spark: do it', ''], 1, 1, false), undefined);
  assert.deepEqual(findInstructionComment(['x', '// spark(file): do it', ''], 1, 1, false), {
    line: 1, instruction: 'do it', scope: 'file', startLine: 2, endLine: 2,
  });
  assert.deepEqual(findInstructionComment(['# spark(workspace): do it', 'y = 1'], 0, 0, false), {
    line: 0, instruction: 'do it', scope: 'workspace', startLine: 1, endLine: 2,
  });
});
