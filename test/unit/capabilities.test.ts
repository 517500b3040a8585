// Negotiation of what edits may use, and what the user is told when an edit needs more than the editor has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientCapabilities } from 'vscode-languageserver';
import { negotiate, unsupportedBy, type EditNeeds } from '../../server/lsp/capabilities.js';

const NVIM_012: ClientCapabilities = {
  workspace: { applyEdit: true, workspaceEdit: { resourceOperations: ['rename', 'create', 'delete'], changeAnnotationSupport: { groupsOnLabel: true } } },
};
const EGLOT_19: ClientCapabilities = { workspace: { applyEdit: true, workspaceEdit: { documentChanges: true } } };
const VSCODE_LIKE: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true, resourceOperations: ['create'], failureHandling: 'textOnlyTransactional', changeAnnotationSupport: {} } },
};

test('workspace edit capabilities', () => {
  const table: [string, ClientCapabilities, Pick<ReturnType<typeof negotiate>, 'documentChanges' | 'resourceOperations' | 'changeAnnotations' | 'failureHandling'>][] = [
    ['none', {}, { documentChanges: false, resourceOperations: { create: false, rename: false, delete: false }, changeAnnotations: false, failureHandling: undefined }],
    ['Neovim 0.12: resource operations imply documentChanges', NVIM_012, { documentChanges: true, resourceOperations: { create: true, rename: true, delete: true }, changeAnnotations: true, failureHandling: undefined }],
    ['eglot 1.9', EGLOT_19, { documentChanges: true, resourceOperations: { create: false, rename: false, delete: false }, changeAnnotations: false, failureHandling: undefined }],
    ['some of each', VSCODE_LIKE, { documentChanges: true, resourceOperations: { create: true, rename: false, delete: false }, changeAnnotations: true, failureHandling: 'textOnlyTransactional' }],
    ['an unknown failure handling is not taken', { workspace: { workspaceEdit: { failureHandling: 'maybe' as never } } }, { documentChanges: false, resourceOperations: { create: false, rename: false, delete: false }, changeAnnotations: false, failureHandling: undefined }],
  ];
  for (const [name, caps, expected] of table) {
    const n = negotiate(caps);
    assert.deepEqual({ documentChanges: n.documentChanges, resourceOperations: n.resourceOperations, changeAnnotations: n.changeAnnotations, failureHandling: n.failureHandling }, expected, name);
  }
});

test('what an editor cannot do, named with the paths that need it', () => {
  const needs = (over: Partial<EditNeeds>): EditNeeds => ({ documentChanges: false, create: [], rename: [], delete: [], ...over });
  const table: [string, ClientCapabilities, EditNeeds, string | undefined][] = [
    ['text edits anywhere', {}, needs({}), undefined],
    ['versioned edits without documentChanges', {}, needs({ documentChanges: true }), 'this editor cannot apply versioned edits (it does not announce workspaceEdit.documentChanges)'],
    ['a new file in eglot', EGLOT_19, needs({ documentChanges: true, create: ['test/a.test.ts'] }),
      'the edit creates test/a.test.ts, but this editor cannot create files in a workspace edit (it does not announce workspaceEdit.resourceOperations "create")'],
    ['a deletion where only create is announced', VSCODE_LIKE, needs({ documentChanges: true, create: ['b.ts'], delete: ['a.ts', 'c.ts'] }),
      'the edit deletes a.ts, c.ts, but this editor cannot delete files in a workspace edit (it does not announce workspaceEdit.resourceOperations "delete")'],
    ['everything in Neovim 0.12', NVIM_012, needs({ documentChanges: true, create: ['x'], rename: ['y'], delete: ['z'] }), undefined],
  ];
  for (const [name, caps, need, expected] of table) assert.equal(unsupportedBy(negotiate(caps), need), expected, name);
});
