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
  return (text) => (text === '' ? 0 : countTokens(text, plain));
}
