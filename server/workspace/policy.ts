// What the disk-reading code may touch: the workspace folders, the content exclusions and the size cap, and
// the lexical path rules (folder membership, `.git/`, exclusions) that need no file system. Reads nothing.
// Every other module of server/workspace/ takes a WorkspacePolicy; the LSP layer builds one per request.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.js';
import { isExcludedPath } from '../context/exclusion.js';

export interface WorkspacePolicy {
  /** Workspace folder URIs as the client named them (empty: the client named none). */
  readonly folders: readonly string[];
  /** `spark.exclude`: globs besides the built-in exclusions. */
  readonly exclude: readonly string[];
  /** `spark.workspace.maxFileBytes`: larger files are never read, listed or edited. */
  readonly maxFileBytes: number;
}

/** How many bytes from the start of a file are searched for a NUL byte (git's heuristic uses the same). */
export const BINARY_SNIFF_BYTES = 8_000;

export function workspacePolicy(folders: readonly string[], config: Pick<Config, 'exclude' | 'workspace'>): WorkspacePolicy {
  return { folders: [...folders], exclude: [...config.exclude], maxFileBytes: config.workspace.maxFileBytes };
}

/** A workspace folder that holds files on disk: its URI as the client wrote it and its absolute path. */
export interface DiskFolder {
  uri: string;
  fsPath: string;
}

/** The folders that are on the local disk (`file:` URIs), in the client's order. */
export function diskFolders(policy: WorkspacePolicy): DiskFolder[] {
  const out: DiskFolder[] = [];
  for (const uri of policy.folders) {
    const fsPath = fsPathOf(uri);
    if (fsPath !== undefined) out.push({ uri: uri.replace(/\/+$/, ''), fsPath });
  }
  return out;
}

/** The absolute file system path of a `file:` URI, or undefined for other schemes and malformed URIs. */
export function fsPathOf(uri: string): string | undefined {
  if (!/^file:/i.test(uri)) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

/** Whether `p` is `root` or lies under it (both absolute and normalised). */
export function isWithin(root: string, p: string): boolean {
  if (p === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return p.startsWith(prefix);
}

/** `p` relative to `root` with `/` separators ('' for the root itself). */
export function relativePosix(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/');
}

/** The innermost folder holding `fsPath` (nested workspace folders: the deepest wins). */
export function folderHolding(folders: readonly DiskFolder[], fsPath: string): DiskFolder | undefined {
  let best: DiskFolder | undefined;
  for (const f of folders) {
    if (isWithin(f.fsPath, fsPath) && (!best || f.fsPath.length > best.fsPath.length)) best = f;
  }
  return best;
}

/** A URI for `relative` under `folder` that keeps the client's spelling of the folder's URI. */
export function uriUnder(folder: DiskFolder, relative: string): string {
  if (relative === '') return folder.uri;
  return `${folder.uri}/${relative.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Why a path relative to a workspace folder may never be read or edited (`.git/`, a content exclusion), or
 * undefined. `/`-separated; case-insensitive for `.git` since some file systems are.
 */
export function lexicalRefusal(relative: string, policy: WorkspacePolicy): string | undefined {
  if (relative.split('/').some((segment) => segment.toLowerCase() === '.git')) return 'it is under .git/';
  if (isExcludedPath(relative, policy.exclude)) return 'it matches a content exclusion (.env*, *.pem, *.key, id_rsa* or spark.exclude)';
  return undefined;
}
