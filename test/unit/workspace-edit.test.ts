import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { buildWorkspaceEdit } from '../../server/edits/workspace-edit.js';

const uri = 'file:///work/a.ts';
const edits: TextEdit[] = [
  { range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } }, newText: 'bar' },
  { range: { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } }, newText: 'x\n' },
];

function check(input: Parameters<typeof buildWorkspaceEdit>[0], expected: WorkspaceEdit): void {
  assert.deepEqual(buildWorkspaceEdit(input), expected);
}

describe('buildWorkspaceEdit', () => {
  const table: [name: string, input: Parameters<typeof buildWorkspaceEdit>[0], expected: WorkspaceEdit][] = [
    [
      'documentChanges carries the version the edits were computed against',
      { uri, version: 7, edits, documentChanges: true },
      { documentChanges: [{ textDocument: { uri, version: 7 }, edits }] },
    ],
    ['without documentChanges, a plain changes map', { uri, version: 7, edits, documentChanges: false }, { changes: { [uri]: edits } }],
    [
      'no edits is still a well-formed edit',
      { uri, version: 0, edits: [], documentChanges: true },
      { documentChanges: [{ textDocument: { uri, version: 0 }, edits: [] }] },
    ],
  ];
  for (const [name, input, expected] of table) it(name, () => check(input, expected));
});
