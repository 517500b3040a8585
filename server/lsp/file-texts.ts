// Texts of workspace files that are not open, read through server/workspace (confined, size-capped, never binary)
// off the request path and kept in memory for cross-file context; dropped when the index reports a change,
// and read again once older than the index's age limit when no file events arrive.
// Invariant: an entry holds what read() returned for its path; a read that fails leaves no entry and is not
// retried until the index reports a change of that file (or its age limit passes).
import { isSparkError, SparkErrorCode } from '../spark/errors.js';
import type { WorkspacePolicy } from '../workspace/policy.js';
import { read } from '../workspace/read.js';

interface Entry {
  text: string;
  hash: string;
  readAt: number;
}

export interface FileTextsOptions {
  /** At most this many characters held (least recently used files go first). */
  maxChars: number;
  now?: () => number;
  /** Told why a file could not be read (it is then left out of the context). */
  onRefused?: (uri: string, reason: string) => void;
}

export class FileTexts {
  /** By URI, least recently used first (Map order). */
  private readonly entries = new Map<string, Entry>();
  /** URIs that could not be read, with when. */
  private readonly refused = new Map<string, number>();
  private chars = 0;
  private readonly now: () => number;

  constructor(private readonly options: FileTextsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The text held for `uri`, or undefined (never reads). */
  get(uri: string): string | undefined {
    const e = this.entries.get(uri);
    if (e === undefined) return undefined;
    this.entries.delete(uri);
    this.entries.set(uri, e);
    return e.text;
  }

  has(uri: string): boolean {
    return this.entries.has(uri);
  }

  /** Whether `uri` should be read (again): not held and not refused lately, or held longer than `maxAgeMs`. */
  wants(uri: string, maxAgeMs: number): boolean {
    const e = this.entries.get(uri);
    if (e !== undefined) return this.now() - e.readAt > maxAgeMs;
    const refusedAt = this.refused.get(uri);
    return refusedAt === undefined || this.now() - refusedAt > maxAgeMs;
  }

  /** Reads `uri` now; resolves true when its text is new or changed. */
  async load(policy: WorkspacePolicy, uri: string): Promise<boolean> {
    try {
      const snapshot = await read(policy, uri);
      const previous = this.entries.get(uri);
      this.refused.delete(uri);
      this.drop(uri);
      this.entries.set(uri, { text: snapshot.text, hash: snapshot.hash, readAt: this.now() });
      this.chars += snapshot.text.length;
      this.evict();
      return previous?.hash !== snapshot.hash;
    } catch (e) {
      if (!isSparkError(e, SparkErrorCode.PathRefused)) throw e;
      const had = this.drop(uri);
      this.refused.set(uri, this.now());
      this.options.onRefused?.(uri, e.message);
      return had;
    }
  }

  /** The file changed or went away: forget what was read. */
  invalidate(uri: string): boolean {
    this.refused.delete(uri);
    return this.drop(uri);
  }

  clear(): void {
    this.entries.clear();
    this.refused.clear();
    this.chars = 0;
  }

  private drop(uri: string): boolean {
    const e = this.entries.get(uri);
    if (e === undefined) return false;
    this.entries.delete(uri);
    this.chars -= e.text.length;
    return true;
  }

  private evict(): void {
    for (const [uri] of this.entries) {
      if (this.chars <= this.options.maxChars || this.entries.size <= 1) break;
      this.drop(uri);
    }
  }
}
