// Warm context per document: when a document opens, and once its edits settle, its cross-file context (the
// stable part: declarations it imports, relevant open files) and its text go to the model side as a
// `generate: false` warm-up; completions then chain from it and send only the lines around the cursor.
// A warm-up whose input is the same as the last one sent for the document is not sent again.
// Owns the settle timers; the Spark client owns where the warm state lives.
import { createHash } from 'node:crypto';
import { buildWarmContext } from '../context/prompt.js';
import { Deadlines, type Deadline } from '../spark/deadlines.js';
import type { ServerContext } from './context.js';
import { promptPath } from './uri.js';
import { mayUse } from './workspace.js';

/** Quiet time after the last edit before the context is sent again (ms). */
export const SETTLE_MS = 500;
/** A warm-up not done by then is abandoned (ms). */
const WARM_DEADLINE_MS = 30_000;

/** Stable per document, so the provider's prompt cache keeps hitting for it. */
function hashKey(uri: string): string {
  return `spark-lsp-${createHash('sha256').update(uri).digest('hex').slice(0, 16)}`;
}

export class Warmth {
  /** Each document's pending settle, all on one timer (a keystroke re-arms no timer). */
  private readonly settles = new Deadlines();
  private readonly timers = new Map<string, Deadline>();
  private readonly warmed = new Set<string>();
  private readonly cacheKeys = new Map<string, string>();
  /** Documents edited since their last warm-up was computed (their dependents are computed after them). */
  private readonly ownChange = new Set<string>();
  /** Hash of the last warm-up input sent per document (dropped when that warm-up did not complete). */
  private readonly sent = new Map<string, string>();
  /** Warm-ups sent, and not sent because the input was the one already warm, since the server started. */
  readonly counts = { sent: 0, unchanged: 0 };

  constructor(private readonly ctx: ServerContext) {}

  /** The document's `prompt_cache_key` (hashed once per open document: it is on every request's path). */
  cacheKey(uri: string): string {
    let key = this.cacheKeys.get(uri);
    if (key === undefined) {
      key = hashKey(uri);
      if (this.ctx.documents.get(uri)) this.cacheKeys.set(uri, key);
    }
    return key;
  }

  /** Whether completions for `uri` may chain from a warm context (the client falls back while it warms). */
  has(uri: string): boolean {
    return this.warmed.has(uri);
  }

  /**
   * Computes the document's cross-file context, then sends the warm-up (unless it is the one already sent).
   * After a change of the document itself (`own`), the documents whose context reads it are computed again.
   */
  now(uri: string, own = true): void {
    this.cancel(uri);
    const dependents = own || this.ownChange.has(uri);
    this.ownChange.delete(uri);
    // Without a Spark client nothing is sent (send() forgets the document's warm state); a new client warms every open document again.
    if (this.ctx.spark instanceof Error) return this.send(uri);
    void this.ctx.crossFile
      .refresh(uri)
      // The document's tokens are counted in turns first: the warm-up's count then finds them cached.
      .then(() => this.ctx.crossFile.countAhead(this.ctx.documents.get(uri)?.getText() ?? '', this.ctx.config.context.warmTokens))
      .then(() => {
        this.send(uri);
        if (dependents) this.ctx.crossFile.refreshDependents(uri);
      });
  }

  /** A file the document's context reads changed: computes and (if its input changed) warms again once quiet. */
  stale(uri: string): void {
    if (!this.ctx.documents.get(uri)) return;
    this.schedule(uri, () => this.now(uri, false));
  }

  /** Sends the warm-up for what is known now, unless it equals the last one sent and still warm. */
  private send(uri: string): void {
    const spark = this.ctx.spark;
    const doc = this.ctx.documents.get(uri);
    const budgetTokens = this.ctx.config.context.warmTokens;
    if (!doc || spark instanceof Error || budgetTokens === 0 || !mayUse(this.ctx, uri)) {
      this.warmed.delete(uri);
      this.sent.delete(uri);
      return;
    }
    const stable = this.ctx.crossFile.stable(uri);
    const prompt = buildWarmContext({
      path: promptPath(uri),
      languageId: doc.languageId,
      text: doc.getText(),
      budgetTokens,
      countTokens: this.ctx.crossFile.counter(),
      before: stable.text,
    });
    const hash = createHash('sha256').update(prompt.instructions).update('\0').update(prompt.input).digest('hex');
    if (this.sent.get(uri) === hash && this.warmed.has(uri)) {
      this.counts.unchanged++;
      return;
    }
    this.sent.set(uri, hash);
    this.warmed.add(uri);
    this.counts.sent++;
    void spark
      .warm({
        key: uri,
        instructions: prompt.instructions,
        context: prompt.input,
        promptCacheKey: this.cacheKey(uri),
        deadline: Date.now() + WARM_DEADLINE_MS,
      })
      .then((ok) => {
        if (!ok && this.sent.get(uri) === hash) this.sent.delete(uri);
      });
  }

  /** Sends the context once edits have settled for SETTLE_MS. */
  settle(uri: string): void {
    this.ownChange.add(uri);
    this.schedule(uri, () => this.now(uri, true));
  }

  private schedule(uri: string, run: () => void): void {
    this.cancel(uri);
    this.timers.set(uri, this.settles.add(Date.now() + SETTLE_MS, run));
  }

  /** The document closed: no more warm-ups, and the model side may drop its context. */
  forget(uri: string): void {
    this.cancel(uri);
    this.warmed.delete(uri);
    this.sent.delete(uri);
    this.ownChange.delete(uri);
    this.cacheKeys.delete(uri);
    const spark = this.ctx.spark;
    if (!(spark instanceof Error)) spark.forget(uri);
  }

  /** A new Spark client holds no context yet: warm every open document on it. */
  rewarmAll(): void {
    this.warmed.clear();
    this.sent.clear();
    for (const doc of this.ctx.documents.all()) this.now(doc.uri, false);
  }

  dispose(): void {
    this.settles.clear();
    this.timers.clear();
  }

  private cancel(uri: string): void {
    const settle = this.timers.get(uri);
    if (settle) this.settles.remove(settle);
    this.timers.delete(uri);
  }
}
