// Warm context per document: when a document opens, and once its edits settle, its text goes to the model
// side as a `generate: false` warm-up; completions then chain from it and send only the lines around the
// cursor. Owns the settle timers; the Spark client owns where the warm state lives.
import { createHash } from 'node:crypto';
import { buildWarmContext } from '../context/prompt.js';
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
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly warmed = new Set<string>();
  private readonly cacheKeys = new Map<string, string>();

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

  /** Sends the context now. */
  now(uri: string): void {
    this.cancel(uri);
    const spark = this.ctx.spark;
    const doc = this.ctx.documents.get(uri);
    const budgetTokens = this.ctx.config.context.warmTokens;
    if (!doc || spark instanceof Error || budgetTokens === 0 || !mayUse(this.ctx, uri)) {
      this.warmed.delete(uri);
      return;
    }
    const prompt = buildWarmContext({ path: promptPath(uri), languageId: doc.languageId, text: doc.getText(), budgetTokens });
    this.warmed.add(uri);
    void spark.warm({
      key: uri,
      instructions: prompt.instructions,
      context: prompt.input,
      promptCacheKey: this.cacheKey(uri),
      deadline: Date.now() + WARM_DEADLINE_MS,
    });
  }

  /** Sends the context once edits have settled for SETTLE_MS. */
  settle(uri: string): void {
    this.cancel(uri);
    const timer = setTimeout(() => this.now(uri), SETTLE_MS);
    timer.unref();
    this.timers.set(uri, timer);
  }

  /** The document closed: no more warm-ups, and the model side may drop its context. */
  forget(uri: string): void {
    this.cancel(uri);
    this.warmed.delete(uri);
    this.cacheKeys.delete(uri);
    const spark = this.ctx.spark;
    if (!(spark instanceof Error)) spark.forget(uri);
  }

  /** A new Spark client holds no context yet: warm every open document on it. */
  rewarmAll(): void {
    this.warmed.clear();
    for (const doc of this.ctx.documents.all()) this.now(doc.uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
  }
}
