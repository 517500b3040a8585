// Token counts: exact o200k counts (the tokenizer of the OpenAI models) for the warm-up path, where budgets must
// hold, and the cheap estimate for the per-keystroke path. loadTokenCounter() loads the encoder once (about half a
// second and tens of MB); the counter it returns is then synchronous. Pure.
import { createHash } from 'node:crypto';
import { estimateTokens } from '../prompt.js';
import { allSteps, STEP_CHARS, stepsInTurns } from './steps.js';

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

/** Texts up to this long (declarations, mostly) are cached by their text; longer ones chunk by chunk. */
const CACHED_TEXT_CHARS = 2_000;
/** A chunk of a long text is at least this long (but for the last). */
const MIN_CHUNK_CHARS = 1_024;
/** A chunk ends before a line whose hash is a multiple of this (where the text says, not where the chunk began). */
const CHUNK_LINE_MODULUS = 8;

/** A counter that caches, and can count a long text ahead of need in steps. */
export interface CachingTokenCounter extends TokenCounter {
  /**
   * Counts `text` as the counter does, with `turn()` awaited after about every `charsPerStep` characters counted
   * (cached chunks cost nothing): the chunks are then cached for the texts built from it.
   */
  inTurns(text: string, turn: () => Promise<void>, charsPerStep?: number): Promise<number>;
}

/**
 * `count` with a cache of the most recent counts. A short text is cached as it is: from one warm-up to the next,
 * most declarations are the same strings. A long one (a document, an open file) is counted as the sum of its
 * chunks, each cached under its SHA-1: an edit recounts the chunk it falls in, not the whole text. Chunks end
 * where o200k's pre-tokens end (chunkEnds), so the sum is the count of the whole. The cache belongs to the
 * counter returned (one per server).
 */
export function cachingTokenCounter(count: TokenCounter, maxEntries = 8_192): CachingTokenCounter {
  const cache = new Map<string, number>();
  const cached = (key: string, text: string): number => {
    const hit = cache.get(key);
    if (hit !== undefined) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const n = count(text);
    cache.set(key, n);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return n;
  };
  function* steps(text: string, charsPerStep: number): Generator<void, number> {
    if (text.length <= CACHED_TEXT_CHARS) return cached(text, text);
    let n = 0;
    let from = 0;
    let counted = 0;
    for (const end of chunkEnds(text)) {
      const chunk = text.slice(from, end);
      // Keyed by a digest: a slice as the key would keep the whole text it came from alive.
      const key = `\0${createHash('sha1').update(chunk).digest('base64')}`;
      if (!cache.has(key)) {
        if (counted >= charsPerStep) {
          yield;
          counted = 0;
        }
        counted += chunk.length;
      }
      n += cached(key, chunk);
      from = end;
    }
    return n;
  }
  return Object.assign((text: string) => allSteps(steps(text, Infinity)), {
    inTurns: (text: string, turn: () => Promise<void>, charsPerStep = STEP_CHARS) => stepsInTurns(steps(text, charsPerStep), turn),
  });
}

/**
 * Where a long text may be cut without changing its o200k count: right after a line break followed by a line
 * that is not blank and does not begin with `/` (o200k's pre-tokens never span such a point: the only one that
 * reaches past a line break takes further `\r`, `\n` and `/`). Of those, the ones MIN_CHUNK_CHARS past the last
 * cut whose next line hashes to a multiple of CHUNK_LINE_MODULUS: decided by the text itself, so an edit moves
 * the cuts near it only. The last end is the text's length.
 */
export function chunkEnds(text: string, minChars = MIN_CHUNK_CHARS, modulus = CHUNK_LINE_MODULUS): number[] {
  const ends: number[] = [];
  let nl = text.indexOf('\n', minChars - 1);
  while (nl !== -1 && nl + 1 < text.length) {
    const at = nl + 1;
    if (mayCutBefore(text, at) && lineHash(text, at) % modulus === 0) {
      ends.push(at);
      nl = text.indexOf('\n', at + minChars - 1);
    } else nl = text.indexOf('\n', at);
  }
  ends.push(text.length);
  return ends;
}

/** A hash of the first characters of the line starting at `at` (FNV-1a, then mixed so that its low bits vary). */
function lineHash(text: string, at: number): number {
  let hash = 0x811c9dc5;
  for (let i = at, end = Math.min(text.length, at + 32); i < end && text.charCodeAt(i) !== 10; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** Whether the line starting at `at` is not blank (a lone `\r` counts as a break) and does not begin with `/`. */
function mayCutBefore(text: string, at: number): boolean {
  if (text.charCodeAt(at) === 47) return false;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return false;
    if (c > 32 && c < 127) return true;
    if (c >= 127 && !/\s/.test(text[i]!)) return true;
  }
  return false;
}
