// The workspace listing on a worker thread: the walk (directory reads, a stat per file, the ignore rules) is
// the server's largest burst of event-loop work (about 0.4 s for 10,000 files), and on the main thread it
// delayed every request that arrived meanwhile. One short-lived worker per listing; what comes back is the
// file list and the texts of the ignore rules met, rebuilt here. Should the worker not start or die before
// answering, the listing runs on this thread instead (and `onFallback` says why).
//
// API:
//   listWorkspaceOffThread(policy, limits?, onFallback?) -> Promise<FolderListing[]> (as listWorkspace)
//   ListingJob, toTransfer(listing): what the worker (listing-worker.ts) is given and what it posts back
import { Worker } from 'node:worker_threads';
import { IgnoreRules, type IgnoreSources } from './ignore-rules.js';
import { listWorkspace, type FolderListing, type ListingLimits } from './listing.js';
import { diskFolders, type WorkspacePolicy } from './policy.js';

/** A FolderListing with its rules as the texts they were built from (structured-clonable). */
interface TransferredListing extends Omit<FolderListing, 'rules'> {
  rules: IgnoreSources;
}

export interface ListingJob {
  policy: WorkspacePolicy;
  limits: ListingLimits;
}

export function toTransfer(listing: FolderListing): TransferredListing {
  return { ...listing, rules: listing.rules.sources() };
}

function fromTransfer(listing: TransferredListing): FolderListing {
  return { ...listing, rules: IgnoreRules.fromSources(listing.rules) };
}

const WORKER = new URL(import.meta.url.endsWith('.ts') ? './listing-worker.ts' : './listing-worker.js', import.meta.url);

export function listWorkspaceOffThread(
  policy: WorkspacePolicy,
  limits: ListingLimits = {},
  onFallback: (why: string) => void = () => {},
  workerUrl: URL = WORKER,
): Promise<FolderListing[]> {
  // Nothing on disk to walk (no folders, or none with a file: URI): no thread to start for it.
  if (diskFolders(policy).length === 0) return listWorkspace(policy, limits);
  const job: ListingJob = { policy, limits };
  let worker: Worker;
  try {
    worker = startWorker(workerUrl, job);
  } catch (e) {
    onFallback(`the listing thread did not start (${e instanceof Error ? e.message : String(e)})`);
    return listWorkspace(policy, limits);
  }
  // A listing in flight never keeps the process alive (it ends within its time budget anyway).
  worker.unref();
  return new Promise<FolderListing[]>((resolve) => {
    let answered = false;
    const fallBack = (why: string) => {
      if (answered) return;
      answered = true;
      onFallback(why);
      resolve(listWorkspace(policy, limits));
    };
    worker.once('message', (listings: TransferredListing[]) => {
      if (answered) return;
      answered = true;
      resolve(listings.map(fromTransfer));
    });
    worker.once('error', (e) => fallBack(`the listing thread failed (${e.message})`));
    worker.once('exit', (code) => fallBack(`the listing thread exited (${code}) without an answer`));
  });
}

function startWorker(url: URL, job: ListingJob): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData: job });
  // Running from the TypeScript sources (the tests run them through tsx): the worker loads them the same way.
  const load = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(load, { eval: true, workerData: job });
}
