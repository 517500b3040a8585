// When a position request and the server disagree about the text: past the last line, or another version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { disagreement, versionOf } from '../../server/lsp/agreement.js';

const doc = TextDocument.create('file:///a.ts', 'typescript', 7, 'one\ntwo\n');

test('disagreement', () => {
  const rows: [{ line: number; character: number }, number | undefined, RegExp | undefined][] = [
    [{ line: 0, character: 0 }, undefined, undefined],
    [{ line: 2, character: 0 }, undefined, undefined], // the empty last line after the final newline
    [{ line: 1, character: 99 }, undefined, undefined], // a character past the end of a line is the line's end (LSP)
    [{ line: 3, character: 0 }, undefined, /line 3 lies beyond the document's last line \(2\)/],
    [{ line: 0, character: 0 }, 7, undefined],
    [{ line: 0, character: 0 }, 6, /version 6, the server has version 7/],
    [{ line: 0, character: 0 }, 8, /version 8, the server has version 7/],
  ];
  for (const [position, version, expected] of rows) {
    const why = disagreement(doc, position, version);
    if (expected === undefined) assert.equal(why, undefined, JSON.stringify([position, version]));
    else assert.match(why ?? '', expected);
  }
});

test('versionOf reads an integer textDocument.version only', () => {
  assert.equal(versionOf({ textDocument: { uri: 'x', version: 3 } }), 3);
  assert.equal(versionOf({ textDocument: { uri: 'x' } }), undefined);
  assert.equal(versionOf({ textDocument: { uri: 'x', version: '3' } }), undefined);
  assert.equal(versionOf({ textDocument: { uri: 'x', version: 1.5 } }), undefined);
});
