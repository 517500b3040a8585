// Path confinement: whether a path a patch names, or the URI of a document, may be read or edited, decided on
// the real file system (symlinks resolved). Refusals are SparkError(PathRefused) naming the path and why.
// Depends on node:fs only through stat/realpath/a head read; never writes.
//
// API (used by the edit flow and by context gathering):
//   resolvePatchPath(policy, targetUri, patchPath, options?) -> Promise<ConfinedPath>
//     `patchPath` as the model wrote it: relative to the workspace folder holding `targetUri`, or absolute,
//     or a file: URI. Refuses (PathRefused) a path that leaves the workspace folders (`..`, absolute
//     elsewhere, a symlink, or the real path of the deepest existing ancestor of a new file, leading out),
//     anything under `.git/`, a content exclusion (checked on the path as named and on its real path), a
//     dangling symlink, a directory or special file, and an existing file over `maxFileBytes` or binary.
//     A path that does not exist yet (even in new directories) is accepted with `exists: false`. With no
//     workspace folders, only the target document itself is accepted.
//   confineUri(policy, uri, options?) -> Promise<ConfinedPath>: the same checks for a document URI (an open
//     document, or a file to read). `options.sniff` (default false) also refuses a binary existing file;
//     `options.checkSize` (default false) an oversized one. With no workspace folders, file: URIs are
//     accepted anywhere (as for open documents today) unless `.git/` or excluded.
//   refusalOf(policy, uri) -> string | undefined: the synchronous lexical part (folders, `.git/`, exclusions)
//     for the quiet path (completions), where no disk access is wanted.
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { looksBinary } from './binary.js';
import {
  BINARY_SNIFF_BYTES,
  diskFolders,
  folderHolding,
  fsPathOf,
  lexicalRefusal,
  relativePosix,
  uriUnder,
  type DiskFolder,
  type WorkspacePolicy,
} from './policy.js';

export interface ConfinedPath {
  /** The URI to name the file in edits: the folder's URI as the client wrote it, plus the encoded relative path. */
  uri: string;
  /** Absolute path as named (symlinks not resolved). Compare files by this, not by URI strings. */
  fsPath: string;
  /** Absolute path with symlinks resolved; for a file that does not exist yet, its deepest existing ancestor's real path plus the rest. */
  realPath: string;
  /** URI of the workspace folder holding it (the target's directory when the client named no folders). */
  folder: string;
  /** Path relative to that folder, `/`-separated. */
  relativePath: string;
  /** Whether a file exists there now. */
  exists: boolean;
  /** Size in bytes when it exists. */
  size?: number;
}

export interface ConfineOptions {
  /** Refuse an existing file whose first bytes hold a NUL byte. */
  sniff?: boolean;
  /** Refuse an existing file larger than `policy.maxFileBytes`. */
  checkSize?: boolean;
}

function refuse(shown: string, reason: string): never {
  throw new SparkError(SparkErrorCode.PathRefused, `${JSON.stringify(shown)} is refused: ${reason}`);
}

export async function resolvePatchPath(policy: WorkspacePolicy, targetUri: string, patchPath: string, options: ConfineOptions = { sniff: true, checkSize: true }): Promise<ConfinedPath> {
  if (patchPath.trim() === '') refuse(patchPath, 'the path is empty');
  if (/[\u0000-\u001f\u007f]/.test(patchPath)) refuse(patchPath, 'the path contains control characters');
  const targetPath = fsPathOf(targetUri);
  if (targetPath === undefined) refuse(patchPath, `the target ${targetUri} is not a file on disk`);
  let folders = diskFolders(policy);
  let onlyTarget = false;
  if (folders.length === 0) {
    if (policy.folders.length > 0) refuse(patchPath, 'no workspace folder is on the local disk');
    // No folders named: the target's own directory stands in, and only the target itself may be touched.
    folders = [{ uri: pathToFileURL(path.dirname(targetPath)).href.replace(/\/+$/, ''), fsPath: path.dirname(targetPath) }];
    onlyTarget = true;
  }
  const base = folderHolding(folders, targetPath);
  if (!base) refuse(patchPath, `the target ${targetPath} is outside the workspace folders`);
  const named = /^file:/i.test(patchPath) ? fsPathOf(patchPath) : path.resolve(base.fsPath, patchPath);
  if (named === undefined) refuse(patchPath, 'it is not a valid file: URI');
  if (onlyTarget && named !== targetPath) refuse(patchPath, `the client named no workspace folders, so only ${targetPath} itself may be edited`);
  return confineFsPath(policy, folders, named, patchPath, options);
}

export async function confineUri(policy: WorkspacePolicy, uri: string, options: ConfineOptions = {}): Promise<ConfinedPath> {
  const fsPath = fsPathOf(uri);
  if (fsPath === undefined) refuse(uri, 'it is not a file on disk');
  let folders = diskFolders(policy);
  if (folders.length === 0) {
    if (policy.folders.length > 0) refuse(fsPath, 'it is outside the workspace folders');
    const root = path.parse(fsPath).root;
    folders = [{ uri: 'file://', fsPath: root }];
  }
  return { ...(await confineFsPath(policy, folders, fsPath, fsPath, options)), uri };
}

export function refusalOf(policy: WorkspacePolicy, uri: string): string | undefined {
  const fsPath = fsPathOf(uri);
  const folders = diskFolders(policy);
  if (fsPath === undefined) {
    // Not on disk (untitled:, …): inside only when the client named no folders, or by URI prefix.
    if (policy.folders.length === 0 || policy.folders.some((f) => uri.startsWith(f.endsWith('/') ? f : `${f}/`))) return undefined;
    return 'it is outside the workspace folders';
  }
  if (folders.length === 0) {
    if (policy.folders.length > 0) return 'it is outside the workspace folders';
    return lexicalRefusal(fsPath.split(path.sep).filter(Boolean).join('/'), policy);
  }
  const folder = folderHolding(folders, fsPath);
  if (!folder) return 'it is outside the workspace folders';
  return lexicalRefusal(relativePosix(folder.fsPath, fsPath), policy);
}

async function confineFsPath(policy: WorkspacePolicy, folders: readonly DiskFolder[], named: string, shown: string, options: ConfineOptions): Promise<ConfinedPath> {
  const folder = folderHolding(folders, named);
  if (!folder) refuse(shown, 'it leaves the workspace folders');
  const relativePath = relativePosix(folder.fsPath, named);
  if (relativePath === '') refuse(shown, 'it is a workspace folder, not a file');
  const lexical = lexicalRefusal(relativePath, policy);
  if (lexical) refuse(shown, lexical);

  const { realPath, exists } = await realPathOf(named, shown);
  const realFolders = await realFoldersOf(folders);
  const realFolder = folderHolding(realFolders, realPath);
  if (!realFolder) refuse(shown, `it leads to ${realPath}, outside the workspace folders (through a symlink)`);
  if (realPath !== named) {
    const realRelative = relativePosix(realFolder.fsPath, realPath);
    if (realRelative === '') refuse(shown, 'it leads to a workspace folder, not a file');
    const real = lexicalRefusal(realRelative, policy);
    if (real) refuse(shown, `it leads to ${realRelative} (through a symlink), and ${real}`);
  }

  const confined: ConfinedPath = { uri: uriUnder(folder, relativePath), fsPath: named, realPath, folder: folder.uri, relativePath, exists };
  if (!exists) return confined;
  const stat = await statOrRefuse(realPath, shown);
  if (stat.isDirectory()) refuse(shown, 'it is a directory');
  if (!stat.isFile()) refuse(shown, 'it is not a regular file');
  confined.size = stat.size;
  if (options.checkSize && stat.size > policy.maxFileBytes) refuse(shown, tooLarge(stat.size, policy));
  if (options.sniff && (await headIsBinary(realPath, shown))) refuse(shown, 'it is a binary file');
  return confined;
}

export function tooLarge(size: number, policy: WorkspacePolicy): string {
  return `it is ${size} bytes, over spark.workspace.maxFileBytes (${policy.maxFileBytes})`;
}

/**
 * The real path of `p`, or for a path that does not exist, the real path of its deepest existing ancestor
 * joined with the rest. A dangling symlink anywhere on the way is refused: creating a file there would
 * follow it.
 */
async function realPathOf(p: string, shown: string): Promise<{ realPath: string; exists: boolean }> {
  const rest: string[] = [];
  let current = p;
  for (;;) {
    try {
      const real = await fs.realpath(current);
      return { realPath: rest.length === 0 ? real : path.join(real, ...rest), exists: rest.length === 0 };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        if (await lexists(current)) refuse(shown, `${current === p ? 'it' : current} is a symlink whose target does not exist`);
        const parent = path.dirname(current);
        if (parent === current) return { realPath: p, exists: false };
        rest.unshift(path.basename(current));
        current = parent;
        continue;
      }
      if (code === 'ENOTDIR') refuse(shown, 'a parent of it is a file, not a directory');
      if (code === 'ELOOP') refuse(shown, 'it goes through a symlink loop');
      refuse(shown, `it cannot be resolved (${code ?? String(e)})`);
    }
  }
}

async function lexists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function realFoldersOf(folders: readonly DiskFolder[]): Promise<DiskFolder[]> {
  const out: DiskFolder[] = [];
  for (const f of folders) {
    try {
      out.push({ uri: f.uri, fsPath: await fs.realpath(f.fsPath) });
    } catch {
      // A folder missing on disk holds nothing.
    }
  }
  return out;
}

async function statOrRefuse(p: string, shown: string) {
  try {
    return await fs.stat(p);
  } catch (e) {
    refuse(shown, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

async function headIsBinary(p: string, shown: string): Promise<boolean> {
  let handle: fs.FileHandle | undefined;
  let head: Buffer;
  try {
    handle = await fs.open(p, constants.O_RDONLY | constants.O_NONBLOCK);
    const buffer = Buffer.alloc(BINARY_SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, BINARY_SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } catch (e) {
    refuse(shown, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    await handle?.close();
  }
  return looksBinary(head);
}
