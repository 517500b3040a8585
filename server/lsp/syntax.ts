// The tree-sitter parsers of server/context/cross-file, loaded once per process on first use (about 250 ms and
// 15 MiB), and shared by everything that reads syntax: cross-file context, an edit's import resolver, a review's
// enclosing functions.
import { loadParsers, type Parsers } from '../context/cross-file/index.js';
import type { Logger } from './context.js';

let loading: Promise<Parsers | undefined> | undefined;

/** The parsers, or undefined when they could not be loaded (the caller falls back; the first caller's log says why). */
export function syntaxParsers(log: Logger): Promise<Parsers | undefined> {
  loading ??= loadParsers().catch((e: unknown) => {
    log.warn(`the syntax parsers did not load (${e instanceof Error ? e.message : String(e)}); imports are found by a lexical scan and functions by indentation`);
    return undefined;
  });
  return loading;
}
