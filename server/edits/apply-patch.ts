// Applies a whole parsed patch to the files the model saw, all or nothing, and says what happens to each
// file. Pure: the caller resolves each path and reads it (PatchFileState); nothing here touches the disk.
//
// API
//   applyPatch(patch, lookup) -> FileChange[]   throws PatchError listing every failure of the whole patch

import { applyUpdate, conform } from './apply-hunks.js';
import { type Patch, type PatchChunk, PatchError, type PatchOperation } from './patch.js';

/** What the server knows about one path the patch names (resolved by the caller). */
export interface PatchFileState {
  /** The path as the patch wrote it. */
  path: string;
  /** Where it resolves; two paths with the same uri are the same file. */
  uri: string;
  /** The content the model saw; `undefined` when there is no such file. */
  text: string | undefined;
  /** The open document's version; `null` for a file known only from disk (or absent). */
  version: number | null;
  /** Whether the model was shown this file's content. */
  shown: boolean;
}

/** The outcome for one file of an applied patch. */
export type FileChange =
  | { kind: 'update'; path: string; uri: string; version: number | null; oldText: string; newText: string }
  | { kind: 'add'; path: string; uri: string; content: string }
  | { kind: 'delete'; path: string; uri: string; version: number | null; oldText: string }
  | {
      kind: 'move';
      path: string;
      uri: string;
      version: number | null;
      oldText: string;
      newText: string;
      newPath: string;
      newUri: string;
    };

/** One file in the simulation of a patch: its state before, and what the operations so far made of it. */
interface Entry {
  file: PatchFileState;
  /** Current content; `undefined` when absent (never existed, or deleted by the patch). */
  text: string | undefined;
  /** The operations so far, described for messages. */
  ops: string[];
  created: boolean;
  deleted: boolean;
  movedTo: PatchFileState | undefined;
  moveTarget: boolean;
  /** A failure was reported for it: later operations on it are not checked again. */
  broken: boolean;
}

const LABEL = { add: 'Add File', delete: 'Delete File', update: 'Update File' } as const;

/**
 * Applies a parsed patch to the files the model saw, all or nothing: returns one FileChange per file, in
 * the order the patch first names them, or throws a PatchError listing every failure of the whole patch.
 * `lookup` is called once per path of `patchPaths(patch)`.
 *
 * Rules:
 *  - Update File and Delete File need the file to exist; Add File needs it not to, except that an Add File
 *    for a file the model was shown replaces its content (an update, keeping its line endings).
 *  - Move to needs the destination not to exist; its content edit is the Update File's hunks.
 *  - Several operations on one file (same uri) compose only where the meaning is plain: Update File after
 *    Update File or after Add File (applied in turn), and Add File after Delete File of a shown file (a
 *    replacement). Anything else on a file already touched (a second Add or Delete, anything after or around
 *    a move) is refused, naming both operations.
 */
export function applyPatch(patch: Patch, lookup: (path: string) => PatchFileState): FileChange[] {
  const byPath = new Map<string, PatchFileState>();
  const entries = new Map<string, Entry>();
  const failures: string[] = [];

  const entryFor = (path: string): Entry => {
    let file = byPath.get(path);
    if (file === undefined) {
      file = lookup(path);
      byPath.set(path, file);
    }
    let entry = entries.get(file.uri);
    if (entry === undefined) {
      entry = { file, text: file.text, ops: [], created: false, deleted: false, movedTo: undefined, moveTarget: false, broken: false };
      entries.set(file.uri, entry);
    }
    return entry;
  };
  const fail = (entry: Entry, message: string): void => {
    entry.broken = true;
    failures.push(message);
  };
  const conflict = (entry: Entry, path: string, what: string): void =>
    fail(entry, `${path}: ${what} cannot be combined with the earlier ${entry.ops.join(' and ')} of the same file; give each file one operation.`);
  const update = (entry: Entry, path: string, text: string, chunks: readonly PatchChunk[]): void => {
    try {
      entry.text = chunks.length === 0 ? text : applyUpdate(path, text, chunks);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      entry.broken = true;
      failures.push(...e.failures);
    }
  };

  const apply = (op: PatchOperation, entry: Entry, what: string): void => {
    const touched = entry.ops.length > 0;
    if (op.kind === 'delete') {
      if (touched) conflict(entry, op.path, what);
      else if (entry.text === undefined) fail(entry, `${op.path}: ${what}: no such file.`);
      else {
        entry.text = undefined;
        entry.deleted = true;
      }
    } else if (op.kind === 'add') {
      const replaces = entry.deleted && entry.ops.length === 1;
      if (touched && !replaces) conflict(entry, op.path, what);
      else if (entry.file.text === undefined) {
        entry.text = op.content;
        entry.created = true;
      } else if (!entry.file.shown) {
        fail(entry, `${op.path}: ${what}: the file already exists and its content was not shown; change it with Update File hunks instead.`);
      } else {
        entry.text = conform(op.content, entry.file.text);
        entry.deleted = false;
      }
    } else if (op.moveTo === undefined || entryFor(op.moveTo) === entry) {
      if (entry.movedTo !== undefined || entry.moveTarget) conflict(entry, op.path, what);
      else if (entry.text !== undefined) update(entry, op.path, entry.text, op.chunks);
      else if (touched) conflict(entry, op.path, what);
      else fail(entry, `${op.path}: ${what}: no such file.`);
    } else {
      const target = entryFor(op.moveTo);
      const moving = `Move to ${op.moveTo} at patch line ${op.patchLine}`;
      if (touched) conflict(entry, op.path, what);
      else if (entry.text === undefined) fail(entry, `${op.path}: ${what}: no such file.`);
      if (!target.broken) {
        if (target.ops.length > 0) conflict(target, op.moveTo, moving);
        else if (target.file.text !== undefined) fail(target, `${op.moveTo}: ${moving}: a file already exists there.`);
      }
      target.ops.push(`Move to of ${op.path} at patch line ${op.patchLine}`);
      if (entry.broken || target.broken || entry.text === undefined) return;
      entry.movedTo = target.file;
      target.moveTarget = true;
      update(entry, op.path, entry.text, op.chunks);
    }
  };

  for (const op of patch.operations) {
    const entry = entryFor(op.path);
    const what = `${LABEL[op.kind]} at patch line ${op.patchLine}`;
    if (!entry.broken) apply(op, entry, what);
    entry.ops.push(what);
  }
  if (failures.length > 0) throw new PatchError(failures);

  const changes: FileChange[] = [];
  for (const e of entries.values()) {
    const { path, uri, version } = e.file;
    const before = e.file.text;
    if (e.moveTarget) continue;
    if (e.movedTo !== undefined && before !== undefined && e.text !== undefined) {
      changes.push({ kind: 'move', path, uri, version, oldText: before, newText: e.text, newPath: e.movedTo.path, newUri: e.movedTo.uri });
    } else if (e.created && e.text !== undefined) {
      changes.push({ kind: 'add', path, uri, content: e.text });
    } else if (before !== undefined && e.text === undefined) {
      changes.push({ kind: 'delete', path, uri, version, oldText: before });
    } else if (before !== undefined && e.text !== undefined) {
      changes.push({ kind: 'update', path, uri, version, oldText: before, newText: e.text });
    }
  }
  return changes;
}
