// From the file changes of an answer to the WorkspaceEdit the client gets: in the form it takes (documentChanges,
// or plain changes for text edits when it has no documentChanges), refused when it needs what the client cannot
// do, and with the check to run right before it leaves: every file it touches still as the model saw it.
import type { WorkspaceEdit } from 'vscode-languageserver';
import type { FileChange } from '../edits/apply-patch.js';
import { buildPatchEdit, requiredEditCapabilities } from '../edits/patch-edit.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { confineUri } from '../workspace/confine.js';
import { ensureUnchanged } from '../workspace/read.js';
import { unsupportedBy } from './capabilities.js';
import type { ServerContext } from './context.js';
import type { EditMaterial, SeenFile } from './edit-context.js';

export interface ComputedEdit {
  edit: WorkspaceEdit;
  /** TextEdits plus file operations (0: the model changed nothing). */
  count: number;
  /** Throws SPARK_ERR_STALE when a file the edit touches changed since the model saw it; call right before the edit leaves. */
  verify(): Promise<void>;
  /** What the edit does to files once applied, as file events (1 created, 2 changed, 3 deleted), for the workspace index. */
  fileEvents: { uri: string; type: 1 | 2 | 3 }[];
  /** The file changes themselves, with each file's text before and after (what a review of the edit reads). */
  changes: FileChange[];
}

/** The changes an answer makes, and every file they touch as it was when the model saw it (or the patch was applied). */
export interface Answer {
  changes: FileChange[];
  touched: SeenFile[];
}

/** One WorkspaceEdit for the changes, in the form the client takes, with the checks to run before it leaves. */
export function finish(ctx: ServerContext, material: EditMaterial, answer: Answer): ComputedEdit {
  const documentEdit = buildPatchEdit(answer.changes, { changeAnnotations: ctx.negotiated.changeAnnotations });
  const needs = requiredEditCapabilities(documentEdit);
  const paths = (kind: 'add' | 'move' | 'delete') => answer.changes.filter((c) => c.kind === kind).map((c) => (c.kind === 'move' ? `${c.path} (to ${c.newPath})` : c.path));
  const creates = paths('add');
  const renames = paths('move');
  const deletes = paths('delete');
  const resourceOps = creates.length + renames.length + deletes.length;
  // A client without documentChanges takes plain `changes` for text edits; the versions are then checked here, before sending.
  const plain = resourceOps === 0 && !ctx.negotiated.documentChanges;
  const problem = unsupportedBy(ctx.negotiated, { documentChanges: needs.documentChanges && !plain, create: creates, rename: renames, delete: deletes });
  if (problem) throw new SparkError(SparkErrorCode.Unsupported, `${problem}; nothing was applied`);
  const edit = plain ? asChanges(documentEdit) : documentEdit;
  const count = countOf(edit);
  const fileEvents = answer.changes.flatMap((c): ComputedEdit['fileEvents'] => {
    if (c.kind === 'add') return [{ uri: c.uri, type: 1 }];
    if (c.kind === 'delete') return [{ uri: c.uri, type: 3 }];
    if (c.kind === 'move') return [{ uri: c.uri, type: 3 }, { uri: c.newUri, type: 1 }];
    return [{ uri: c.uri, type: 2 }];
  });
  return { edit, count, verify: () => verify(ctx, material, answer), fileEvents, changes: answer.changes };
}

/** Re-checks every file the edit touches against what the model saw. */
async function verify(ctx: ServerContext, material: EditMaterial, answer: Answer): Promise<void> {
  for (const file of answer.touched) {
    const open = ctx.documents.get(file.uri);
    if (file.version !== null) {
      if (open?.version !== file.version) throw stale(file.path, 'changed while Spark was working');
      continue;
    }
    if (file.disk) {
      await ensureUnchanged(material.policy, file.disk).catch((e: unknown) => {
        throw e instanceof SparkError && e.code === SparkErrorCode.Stale ? stale(file.path, 'changed on disk while Spark was working') : e;
      });
      if (open && open.getText() !== file.text) throw stale(file.path, 'was opened and changed in the editor while Spark was working');
      continue;
    }
    // A file the patch creates must still be absent.
    const now = await confineUri(material.policy, file.uri);
    if (now.exists || open) throw stale(file.path, 'was created while Spark was working');
  }
}

const stale = (path: string, what: string) => new SparkError(SparkErrorCode.Stale, `${path} ${what}; nothing was applied`);

function asChanges(edit: WorkspaceEdit): WorkspaceEdit {
  const changes: NonNullable<WorkspaceEdit['changes']> = {};
  for (const dc of edit.documentChanges ?? []) {
    if (!('edits' in dc)) continue;
    for (const e of dc.edits) if ('newText' in e) (changes[dc.textDocument.uri] ??= []).push({ range: e.range, newText: e.newText });
  }
  return { changes };
}

function countOf(edit: WorkspaceEdit): number {
  let n = 0;
  for (const dc of edit.documentChanges ?? []) n += 'edits' in dc ? dc.edits.length : 1;
  for (const edits of Object.values(edit.changes ?? {})) n += edits.length;
  return n;
}
