// Entry of the listing thread (listing-thread.ts): lists the workspace the job names and posts the result.
import { parentPort, workerData } from 'node:worker_threads';
import { listWorkspace } from './listing.js';
import { toTransfer, type ListingJob } from './listing-thread.js';

const { policy, limits } = workerData as ListingJob;
parentPort?.postMessage((await listWorkspace(policy, limits)).map(toTransfer));
