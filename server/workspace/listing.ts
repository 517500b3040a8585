// Listing a workspace folder's files: an async walk (node's fs.promises.readdir, a few directories at a time)
// that loads each `.gitignore` before it looks at its directory's entries and never enters an ignored
// directory, `.git/`, another workspace folder nested inside, or a symlinked directory.
//
// API:
//   listFolder(policy, folder, limits?) -> Promise<FolderListing>
//   listWorkspace(policy, limits?) -> Promise<FolderListing[]> (one per folder on disk; limits shared)
//   admits(policy, rules, relative, size) -> boolean: the same filter for one file (watched-file events)
// A file is listed when no ignore rule, content exclusion or binary extension applies to it and its size
// (from stat) is within maxFileBytes; a symlinked file only when its real path stays in the folder. Bounded
// by `maxFiles` (default 50,000) and `timeBudgetMs` (default 10 s); a listing cut short says why in `truncated`.
// Never throws for an unreadable directory or file: it is left out.
import { promises as fs, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hasBinaryExtension } from './binary.js';
import { IgnoreRules } from './ignore-rules.js';
import { diskFolders, isWithin, lexicalRefusal, relativePosix, type DiskFolder, type WorkspacePolicy } from './policy.js';

export const DEFAULT_MAX_FILES = 50_000;
export const DEFAULT_TIME_BUDGET_MS = 10_000;
/** Directories read at once; each read runs on libuv's thread pool, so more only queues there. */
const CONCURRENCY = 8;
/** A `.gitignore` or info/exclude larger than this is not read (nothing real comes close). */
const MAX_IGNORE_FILE_BYTES = 1_048_576;

export interface ListingLimits {
  /** Stop once this many files are listed (across all folders of one listWorkspace). */
  maxFiles?: number;
  /** Stop once this much time (ms) has passed since the listing started. */
  timeBudgetMs?: number;
}

export interface FolderListing {
  /** The folder's URI as the client wrote it. */
  folder: string;
  fsPath: string;
  /** Paths relative to the folder, `/`-separated, sorted. */
  files: string[];
  /** Why the listing stopped early, if it did. */
  truncated?: 'files' | 'time';
  /** The ignore rules met on the walk. */
  rules: IgnoreRules;
}

/** Whether a file at `relative` (not ignored by `rules`) belongs in a listing. */
export function admits(policy: WorkspacePolicy, rules: IgnoreRules, relative: string, size: number): boolean {
  return (
    size <= policy.maxFileBytes &&
    !hasBinaryExtension(relative) &&
    lexicalRefusal(relative, policy) === undefined &&
    !rules.ignores(relative, false)
  );
}

export async function listWorkspace(policy: WorkspacePolicy, limits: ListingLimits = {}): Promise<FolderListing[]> {
  const folders = diskFolders(policy);
  const budget = new Budget(limits);
  const out: FolderListing[] = [];
  for (const folder of folders) out.push(await walk(policy, folder, folders, budget));
  return out;
}

export async function listFolder(policy: WorkspacePolicy, folder: DiskFolder, limits: ListingLimits = {}): Promise<FolderListing> {
  return walk(policy, folder, diskFolders(policy), new Budget(limits));
}

class Budget {
  readonly maxFiles: number;
  private readonly deadline: number;
  listed = 0;
  constructor(limits: ListingLimits) {
    this.maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES;
    this.deadline = performance.now() + (limits.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS);
  }
  /** Why to stop now, if so. */
  exhausted(): 'files' | 'time' | undefined {
    if (this.listed >= this.maxFiles) return 'files';
    if (performance.now() > this.deadline) return 'time';
    return undefined;
  }
}

/** A counting semaphore: at most `n` holders at once, the others served first come first served. */
class Slots {
  private free: number;
  /** Waiters from index `head` on (a queue that never shifts: tens of thousands of stats can wait at once). */
  private waiting: (() => void)[] = [];
  private head = 0;
  constructor(n: number) {
    this.free = n;
  }
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await f();
    } finally {
      if (this.head < this.waiting.length) {
        const next = this.waiting[this.head++]!;
        if (this.head === this.waiting.length) [this.waiting, this.head] = [[], 0];
        next();
      } else {
        this.free++;
      }
    }
  }
}

async function walk(policy: WorkspacePolicy, folder: DiskFolder, allFolders: readonly DiskFolder[], budget: Budget): Promise<FolderListing> {
  const rules = new IgnoreRules();
  const listing: FolderListing = { folder: folder.uri, fsPath: folder.fsPath, files: [], rules };
  const slots = new Slots(CONCURRENCY);
  const nested = allFolders.filter((f) => f.fsPath !== folder.fsPath && isWithin(folder.fsPath, f.fsPath)).map((f) => f.fsPath);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(folder.fsPath);
  } catch {
    return listing;
  }
  const infoExclude = await readSmall(path.join(folder.fsPath, '.git', 'info', 'exclude'));
  if (infoExclude !== undefined) rules.addInfoExclude(infoExclude);

  const stop = (): boolean => {
    const why = budget.exhausted();
    if (why) listing.truncated ??= why;
    return why !== undefined;
  };

  const visit = async (dir: string): Promise<void> => {
    if (stop()) return;
    const abs = dir === '' ? folder.fsPath : path.join(folder.fsPath, ...dir.split('/'));
    const entries = await slots.run(async () => {
      let list: Dirent[];
      try {
        list = await fs.readdir(abs, { withFileTypes: true });
      } catch {
        return [];
      }
      if (list.some((e) => e.name === '.gitignore' && e.isFile())) {
        const text = await readSmall(path.join(abs, '.gitignore'));
        if (text !== undefined) rules.addGitignore(dir, text);
      }
      return list;
    });
    const subdirs: string[] = [];
    const files: { relative: string; link: boolean }[] = [];
    for (const entry of entries) {
      if (entry.name.toLowerCase() === '.git') continue;
      const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (nested.includes(path.join(abs, entry.name)) || rules.ignores(relative, true)) continue;
        subdirs.push(relative);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (hasBinaryExtension(entry.name) || lexicalRefusal(relative, policy) !== undefined || rules.ignores(relative, false)) continue;
        files.push({ relative, link: entry.isSymbolicLink() });
      }
    }
    await Promise.all(
      files.map((f) =>
        slots.run(async () => {
          if (stop()) return;
          const stat = await statFile(policy, path.join(folder.fsPath, ...f.relative.split('/')), f.link, realRoot);
          if (!stat || stat.size > policy.maxFileBytes) return;
          budget.listed++;
          listing.files.push(f.relative);
        }),
      ),
    );
    await Promise.all(subdirs.map(visit));
  };

  await visit('');
  listing.files.sort();
  if (listing.files.length > budget.maxFiles) listing.files.length = budget.maxFiles;
  return listing;
}

/** The stat of a regular file; for a symlink, of its target when that is a regular file inside `realRoot` and not refused there. */
async function statFile(policy: WorkspacePolicy, abs: string, link: boolean, realRoot: string): Promise<Stats | undefined> {
  try {
    if (link) {
      const real = await fs.realpath(abs);
      if (!isWithin(realRoot, real) || lexicalRefusal(relativePosix(realRoot, real), policy) !== undefined) return undefined;
    }
    const stat = await fs.stat(abs);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}

async function readSmall(p: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(p);
    if (!stat.isFile() || stat.size > MAX_IGNORE_FILE_BYTES) return undefined;
    return await fs.readFile(p, 'utf8');
  } catch {
    return undefined;
  }
}
