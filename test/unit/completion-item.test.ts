// The completion item built from a suggestion: edit ranges, the re-inserted identifier, and the label.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completionItem } from '../../server/lsp/completion.js';
import { parseCursor } from '../support/markers.js';

function item(src: string, text: string, insertReplace: boolean) {
  const { text: doc, offset } = parseCursor(src);
  const snapshot = TextDocument.create('file:///x.ts', 'typescript', 1, doc);
  const position = snapshot.positionAt(offset);
  const lineText = snapshot.getText({ start: { line: position.line, character: 0 }, end: { line: position.line + 1, character: 0 } });
  return { snapshot, item: completionItem({ languageId: snapshot.languageId, position, lineText, text }, insertReplace) };
}

test('the edit starts at the identifier before the cursor and re-inserts it', () => {
  const { snapshot, item: it } = item('const v = ite|ms;', 'ms.length', false);
  const edit = it.textEdit as { range: { start: unknown; end: unknown }; newText: string };
  assert.equal(edit.newText, 'items.length');
  assert.equal(TextDocument.applyEdits(snapshot, [edit as never]), 'const v = items.lengthms;');
  assert.equal(it.filterText, 'items.length');
});

test('with insert/replace, replace also covers the rest of the identifier after the cursor', () => {
  const { snapshot, item: it } = item('const v = ite|ms;', 'ms.length', true);
  const edit = it.textEdit as { insert: never; replace: never; newText: string };
  assert.equal(TextDocument.applyEdits(snapshot, [{ range: edit.replace, newText: edit.newText }]), 'const v = items.length;');
  assert.equal(TextDocument.applyEdits(snapshot, [{ range: edit.insert, newText: edit.newText }]), 'const v = items.lengthms;');
});

test('the label is the first line with text, cut to a readable length', () => {
  assert.equal(item('x|', ' = 1;\nfoo();', false).item.label, 'x = 1;');
  assert.equal(item('f() {|', '\n  return 1;\n}', false).item.label, 'return 1;');
  const long = item('|', 'a'.repeat(100), false).item.label;
  assert.equal(long, `${'a'.repeat(60)}…`);
});
