// Token counts: exact o200k counts (the tokenizer of the OpenAI models) for the warm-up path, where budgets must
// hold, and the cheap estimate for the per-keystroke path. loadTokenCounter() loads the encoder once (about half a
// second and tens of MB); the counter it returns is then synchronous. Pure.
import { estimateTokens } from '../prompt.js';

/** Tokens of a text. */
export type TokenCounter = (text: string) => number;

/** About four characters per token: cheap, for the request path. */
export const estimateTokenCount: TokenCounter = estimateTokens;

/** The exact o200k_base counter (gpt-tokenizer), loaded on first call. */
export async function loadTokenCounter(): Promise<TokenCounter> {
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  // Text that spells a special token (`<|endoftext|>` in a source file) is counted as the API counts user text: plain.
  const plain = { disallowedSpecial: new Set<string>() };
  return boundedPieces((text) => (text === '' ? 0 : countTokens(text, plain)));
}

/** Lines longer than this are counted in pieces of this length. */
export const MAX_PIECE_CHARS = 256;

/**
 * `count` made safe for text without breaks: the byte-pair merge takes time quadratic in the length of a run
 * without spaces or punctuation (a 300,000-character line took minutes). Lines longer than MAX_PIECE_CHARS are
 * counted in pieces of that length, everything else as it is; a split keeps tokens from merging across it, so
 * the count of such a text is the exact one or a little more (budgets still hold).
 */
export function boundedPieces(count: TokenCounter): TokenCounter {
  return (text) => {
    let n = 0;
    let from = 0;
    let lineStart = 0;
    while (lineStart < text.length) {
      const nl = text.indexOf('\n', lineStart);
      const lineEnd = nl === -1 ? text.length : nl + 1;
      if (lineEnd - lineStart > MAX_PIECE_CHARS) {
        n += count(text.slice(from, lineStart));
        for (let i = lineStart; i < lineEnd; i += MAX_PIECE_CHARS) n += count(text.slice(i, Math.min(lineEnd, i + MAX_PIECE_CHARS)));
        from = lineEnd;
      }
      lineStart = lineEnd;
    }
    return from === 0 ? count(text) : n + count(text.slice(from));
  };
}

/** Texts longer than this are counted each time (open files, edits); shorter ones (declarations) are cached. */
const CACHED_TEXT_CHARS = 2_000;

/**
 * `count` with a cache of the most recently counted short texts: from one warm-up to the next, most
 * declarations are the same strings. The cache belongs to the counter returned (one per server).
 */
export function cachingTokenCounter(count: TokenCounter, maxEntries = 8_192): TokenCounter {
  const cache = new Map<string, number>();
  return (text) => {
    if (text.length > CACHED_TEXT_CHARS) return count(text);
    const hit = cache.get(text);
    if (hit !== undefined) {
      cache.delete(text);
      cache.set(text, hit);
      return hit;
    }
    const n = count(text);
    cache.set(text, n);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return n;
  };
}
