// Reading workspace files as snapshots, and telling whether a file changed on disk since a snapshot was
// taken (by content hash: an mtime can stay the same across a change). Only confined, text, capped files.
//
// API:
//   read(policy, uri) -> Promise<FileSnapshot>
//     Refuses with SparkError(PathRefused) naming the path: outside the workspace folders, under .git/,
//     excluded, a symlink leading out, missing, not a regular file, over maxFileBytes, binary (a NUL byte in
//     the first 8,000 bytes) or not UTF-8. `text` is the decoded content without a byte order mark.
//   unchanged(policy, snapshot) -> Promise<boolean>: false when the file now differs, is gone or is refused.
//   reread(policy, snapshot) -> Promise<FileSnapshot>: a fresh snapshot of the same URI (same refusals).
//   ensureUnchanged(policy, snapshot) -> Promise<void>: throws SparkError(Stale) naming the file when it
//     changed on disk since the snapshot (what an edit of an unopened file checks right before it is sent).
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { SparkError, SparkErrorCode, isSparkError } from '../spark/errors.js';
import { decodeUtf8, looksBinary } from './binary.js';
import { confineUri, tooLarge } from './confine.js';
import type { WorkspacePolicy } from './policy.js';

export interface FileSnapshot {
  /** The URI read() was given. */
  uri: string;
  /** Absolute path as named (symlinks not resolved). */
  fsPath: string;
  /** The content decoded as UTF-8, without a byte order mark; line endings as on disk. */
  text: string;
  /** Size on disk in bytes. */
  size: number;
  mtimeMs: number;
  /** SHA-256 of the bytes on disk, hex. */
  hash: string;
}

function refuse(shown: string, reason: string): never {
  throw new SparkError(SparkErrorCode.PathRefused, `${JSON.stringify(shown)} is refused: ${reason}`);
}

export async function read(policy: WorkspacePolicy, uri: string): Promise<FileSnapshot> {
  const confined = await confineUri(policy, uri);
  const shown = confined.fsPath;
  if (!confined.exists) refuse(shown, 'it does not exist');
  let handle: fs.FileHandle;
  try {
    // O_NOFOLLOW: the real path was checked; refuse if it was swapped for a symlink since.
    // O_NONBLOCK: opening a FIFO must not hang a thread of the pool (it is refused below).
    handle = await fs.open(confined.realPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    refuse(shown, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) refuse(shown, 'it is not a regular file');
    if (stat.size > policy.maxFileBytes) refuse(shown, tooLarge(stat.size, policy));
    const bytes = await handle.readFile();
    if (bytes.length > policy.maxFileBytes) refuse(shown, tooLarge(bytes.length, policy));
    if (looksBinary(bytes)) refuse(shown, 'it is a binary file');
    const text = decodeUtf8(bytes);
    if (text === undefined) refuse(shown, 'it is not UTF-8 text');
    return { uri, fsPath: confined.fsPath, text, size: bytes.length, mtimeMs: stat.mtimeMs, hash: hashOf(bytes) };
  } finally {
    await handle.close();
  }
}

export function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function reread(policy: WorkspacePolicy, snapshot: FileSnapshot): Promise<FileSnapshot> {
  return read(policy, snapshot.uri);
}

export async function unchanged(policy: WorkspacePolicy, snapshot: FileSnapshot): Promise<boolean> {
  try {
    return (await reread(policy, snapshot)).hash === snapshot.hash;
  } catch (e) {
    if (isSparkError(e, SparkErrorCode.PathRefused)) return false;
    throw e;
  }
}

export async function ensureUnchanged(policy: WorkspacePolicy, snapshot: FileSnapshot): Promise<void> {
  if (!(await unchanged(policy, snapshot))) {
    throw new SparkError(SparkErrorCode.Stale, `${snapshot.fsPath} changed on disk since the model read it; nothing was applied`);
  }
}
