import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TextDocumentEdit, WorkspaceEdit, WorkspaceEditClientCapabilities } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { buildPatchEdit, missingEditCapabilities, requiredEditCapabilities } from '../../server/edits/patch-edit.js';
import type { FileChange } from '../../server/edits/apply-patch.js';

const uri = (path: string): string => `file:///w/${path}`;

const big = Array.from({ length: 200 }, (_, i) => `line ${i} of a long file\n`).join('');
const update = { kind: 'update', path: 'a.ts', uri: uri('a.ts'), version: 7, oldText: big, newText: big.replace('line 120 of', 'line 120 in') } satisfies FileChange;
const diskUpdate: FileChange = { kind: 'update', path: 'd.ts', uri: uri('d.ts'), version: null, oldText: 'x\r\ny\r\n', newText: 'x\r\nY\r\n' };
const unchanged: FileChange = { kind: 'update', path: 'u.ts', uri: uri('u.ts'), version: 2, oldText: 'same\n', newText: 'same\n' };
const add: FileChange = { kind: 'add', path: 'test/a.test.ts', uri: uri('test/a.test.ts'), content: 'test("a", () => {});\n' };
const addEmpty: FileChange = { kind: 'add', path: 'empty.ts', uri: uri('empty.ts'), content: '' };
const remove: FileChange = { kind: 'delete', path: 'old.ts', uri: uri('old.ts'), version: null, oldText: 'old\n' };
const move: FileChange = {
  kind: 'move',
  path: 'src/m.ts',
  uri: uri('src/m.ts'),
  version: 4,
  oldText: 'export const m = 1;\n',
  newText: 'export const m = 2;\n',
  newPath: 'lib/m.ts',
  newUri: uri('lib/m.ts'),
};
const pureMove: FileChange = { ...move, newText: move.oldText };

/** The documentChanges in short: `edit <uri>@<version>`, `create <uri>`, `rename <old> -> <new>`, `delete <uri>`, plus `!<annotationId>`. */
function shape(edit: WorkspaceEdit): string[] {
  return (edit.documentChanges ?? []).map((c) => {
    if (!('kind' in c)) return `edit ${c.textDocument.uri}@${c.textDocument.version}`;
    const note = c.annotationId === undefined ? '' : ` !${c.annotationId}`;
    if (c.kind === 'create') return `create ${c.uri}${note}`;
    if (c.kind === 'rename') return `rename ${c.oldUri} -> ${c.newUri}${note}`;
    return `delete ${c.uri}${note}`;
  });
}

/** Applies the TextDocumentEdits for `target` to `text` the way a client does. */
function applied(edit: WorkspaceEdit, target: string, text: string): string {
  const doc = TextDocument.create(target, 'typescript', 0, text);
  const edits = (edit.documentChanges ?? []).filter((c): c is TextDocumentEdit => !('kind' in c) && c.textDocument.uri === target).flatMap((c) => c.edits);
  return TextDocument.applyEdits(doc, edits.map((e) => {
    assert.ok('newText' in e, 'patch edits are plain TextEdits');
    return e;
  }));
}

describe('buildPatchEdit', () => {
  const table: [name: string, changes: FileChange[], annotations: boolean, expected: string[]][] = [
    ['an open document: versioned edit', [update], false, [`edit ${uri('a.ts')}@7`]],
    ['a file on disk: version null', [diskUpdate], false, [`edit ${uri('d.ts')}@null`]],
    ['an update that changes nothing adds nothing', [unchanged], false, []],
    ['a new file: create, then its content', [add], false, [`create ${uri('test/a.test.ts')}`, `edit ${uri('test/a.test.ts')}@null`]],
    ['a new empty file: create only', [addEmpty], false, [`create ${uri('empty.ts')}`]],
    ['a move: content edit on the old uri, then the rename', [move], false, [`edit ${uri('src/m.ts')}@4`, `rename ${uri('src/m.ts')} -> ${uri('lib/m.ts')}`]],
    ['a move without changes: the rename only', [pureMove], false, [`rename ${uri('src/m.ts')} -> ${uri('lib/m.ts')}`]],
    ['a delete', [remove], false, [`delete ${uri('old.ts')}`]],
    [
      'with annotations: deletes and renames need confirmation',
      [move, remove, add],
      true,
      [`edit ${uri('src/m.ts')}@4`, `rename ${uri('src/m.ts')} -> ${uri('lib/m.ts')} !rename src/m.ts`, `delete ${uri('old.ts')} !delete old.ts`, `create ${uri('test/a.test.ts')}`, `edit ${uri('test/a.test.ts')}@null`],
    ],
    [
      'several files keep the order of the changes',
      [remove, update, add, diskUpdate],
      false,
      [`delete ${uri('old.ts')}`, `edit ${uri('a.ts')}@7`, `create ${uri('test/a.test.ts')}`, `edit ${uri('test/a.test.ts')}@null`, `edit ${uri('d.ts')}@null`],
    ],
  ];
  for (const [name, changes, changeAnnotations, expected] of table) {
    it(name, () => assert.deepEqual(shape(buildPatchEdit(changes, { changeAnnotations })), expected));
  }

  it('update edits are minimal and give the new text', () => {
    const edit = buildPatchEdit([update, diskUpdate], { changeAnnotations: false });
    assert.equal(applied(edit, uri('a.ts'), big), update.newText);
    assert.equal(applied(edit, uri('d.ts'), 'x\r\ny\r\n'), 'x\r\nY\r\n');
    const [first] = edit.documentChanges ?? [];
    assert.ok(first !== undefined && !('kind' in first));
    assert.equal(first.edits.length, 1);
    assert.equal(first.edits[0]?.range.start.line, 120);
  });

  it('a move edits the old uri into the new text', () => {
    const edit = buildPatchEdit([move], { changeAnnotations: false });
    assert.equal(applied(edit, uri('src/m.ts'), 'export const m = 1;\n'), 'export const m = 2;\n');
  });

  it('a new file is created without overwriting, and filled with its content', () => {
    const edit = buildPatchEdit([add], { changeAnnotations: false });
    const [create] = edit.documentChanges ?? [];
    assert.deepEqual(create, { kind: 'create', uri: uri('test/a.test.ts'), options: { overwrite: false, ignoreIfExists: false } });
    assert.equal(applied(edit, uri('test/a.test.ts'), ''), 'test("a", () => {});\n');
    const fill = edit.documentChanges?.[1] as TextDocumentEdit;
    assert.deepEqual(fill.edits[0]?.range, { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, 'reaching past the empty line Neovim holds');
  });

  it('annotations are declared, and only when the client supports them', () => {
    const withNotes = buildPatchEdit([remove, move], { changeAnnotations: true });
    assert.deepEqual(withNotes.changeAnnotations, {
      'delete old.ts': { label: 'Delete old.ts', needsConfirmation: true, description: "Spark's patch deletes old.ts." },
      'rename src/m.ts': { label: 'Rename src/m.ts to lib/m.ts', needsConfirmation: true, description: "Spark's patch moves src/m.ts to lib/m.ts." },
    });
    const without = buildPatchEdit([remove, move], { changeAnnotations: false });
    assert.equal(without.changeAnnotations, undefined);
    assert.ok(!JSON.stringify(without).includes('annotationId'));
    assert.equal(buildPatchEdit([update], { changeAnnotations: true }).changeAnnotations, undefined);
  });
});

describe('edit capabilities', () => {
  const full: WorkspaceEditClientCapabilities = { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'] };
  const everything = buildPatchEdit([update, add, move, remove], { changeAnnotations: false });
  const textOnly = buildPatchEdit([update], { changeAnnotations: false });
  const table: [name: string, edit: WorkspaceEdit, caps: WorkspaceEditClientCapabilities | undefined, missing: string[]][] = [
    ['a client with everything misses nothing', everything, full, []],
    ['text edits need only documentChanges', textOnly, { documentChanges: true }, []],
    ['no workspaceEdit capabilities at all', textOnly, undefined, ['versioned workspace edits (documentChanges)']],
    [
      'a client that cannot create or delete files',
      everything,
      { documentChanges: true, resourceOperations: ['rename'] },
      ['creating files (resourceOperations: create)', 'deleting files (resourceOperations: delete)'],
    ],
    [
      'a client without documentChanges nor resource operations',
      everything,
      {},
      ['versioned workspace edits (documentChanges)', 'creating files (resourceOperations: create)', 'renaming files (resourceOperations: rename)', 'deleting files (resourceOperations: delete)'],
    ],
  ];
  for (const [name, edit, caps, missing] of table) it(name, () => assert.deepEqual(missingEditCapabilities(edit, caps), missing));

  it('requiredEditCapabilities lists each resource operation once', () => {
    assert.deepEqual(requiredEditCapabilities(buildPatchEdit([remove, add, add, remove], { changeAnnotations: false })), {
      documentChanges: true,
      resourceOperations: ['create', 'delete'],
    });
    assert.deepEqual(requiredEditCapabilities(textOnly), { documentChanges: true, resourceOperations: [] });
  });
});
