// The files a review is about, from the file changes of an applied patch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileChange } from '../../server/edits/apply-patch.js';
import { changedFilesOf } from '../../server/review/changes.js';

const lang = (uri: string) => (uri.endsWith('.py') ? 'python' : 'typescript');

describe('changedFilesOf', () => {
  const cases: [string, FileChange, ReturnType<typeof changedFilesOf>][] = [
    [
      'an update: before and after',
      { kind: 'update', path: 'a.ts', uri: 'file:///w/a.ts', version: 3, oldText: 'a\n', newText: 'b\n' },
      [{ uri: 'file:///w/a.ts', languageId: 'typescript', before: 'a\n', after: 'b\n' }],
    ],
    ['an update that changed nothing: left out', { kind: 'update', path: 'a.ts', uri: 'file:///w/a.ts', version: null, oldText: 'a\n', newText: 'a\n' }, []],
    [
      'a new file: from empty',
      { kind: 'add', path: 't.py', uri: 'file:///w/t.py', content: 'def test(): pass\n' },
      [{ uri: 'file:///w/t.py', languageId: 'python', before: '', after: 'def test(): pass\n' }],
    ],
    [
      'a move: at its new place',
      { kind: 'move', path: 'a.ts', uri: 'file:///w/a.ts', version: null, oldText: 'a\n', newText: 'b\n', newPath: 'b.ts', newUri: 'file:///w/b.ts' },
      [{ uri: 'file:///w/b.ts', languageId: 'typescript', before: 'a\n', after: 'b\n' }],
    ],
    ['a deletion: nothing to point at', { kind: 'delete', path: 'a.ts', uri: 'file:///w/a.ts', version: 1, oldText: 'a\n' }, []],
  ];
  for (const [name, change, expected] of cases) {
    it(name, () => assert.deepEqual(changedFilesOf([change], lang), expected));
  }
});
