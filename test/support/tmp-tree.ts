// Real directory trees under the OS temp folder for tests of the disk-reading code; removed by cleanup().
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** File content (string or bytes), or a symlink to a target written relative to the link's directory. */
export type Entry = string | Uint8Array | { symlink: string };

export interface TmpTree {
  root: string;
  /** Absolute path of `relative` (`/`-separated) under the root. */
  path(relative: string): string;
  /** file: URI of `relative` under the root. */
  uri(relative: string): string;
  write(relative: string, entry: Entry): Promise<void>;
  cleanup(): Promise<void>;
}

export async function tmpTree(entries: Record<string, Entry> = {}): Promise<TmpTree> {
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spark-lsp-ws-')));
  const abs = (relative: string) => path.join(root, ...relative.split('/'));
  const write = async (relative: string, entry: Entry) => {
    const p = abs(relative);
    await fs.mkdir(path.dirname(p), { recursive: true });
    if (typeof entry === 'object' && 'symlink' in entry) await fs.symlink(entry.symlink, p);
    else await fs.writeFile(p, entry);
  };
  for (const [relative, entry] of Object.entries(entries)) await write(relative, entry);
  return {
    root,
    path: abs,
    uri: (relative) => pathToFileURL(abs(relative)).href,
    write,
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}
