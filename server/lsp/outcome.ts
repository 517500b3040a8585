// The one place that maps failures to what the user sees.
// Completions degrade quietly (empty answer, a log line); explicit actions answer with a ResponseError
// carrying the SPARK_ERR_* code and show one window/showMessage. Anything that is not a SparkError is a bug
// and is rethrown for the RPC layer to report as InternalError.
import { ErrorCodes, LSPErrorCodes, MessageType, ResponseError } from 'vscode-languageserver';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { ServerContext } from './context.js';

/** Runs a completion-like request: operational failures become `empty`. */
export async function quietly<T>(ctx: ServerContext, what: string, run: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof SparkError)) throw e;
    if (e.code !== SparkErrorCode.Cancelled) ctx.log.debug(`${what}: ${e.code}: ${e.message}`);
    return empty;
  }
}

/** Runs an explicit request (code action resolve, command): failures become one message and a ResponseError. */
export async function explicitly<T>(ctx: ServerContext, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof SparkError)) throw e;
    throw report(ctx, what, e);
  }
}

function report(ctx: ServerContext, what: string, e: SparkError): ResponseError<{ code: string }> {
  if (e.code === SparkErrorCode.Cancelled) {
    return new ResponseError(LSPErrorCodes.RequestCancelled, `${what} was cancelled`, { code: e.code });
  }
  const message = `Spark: ${what} failed: ${e.message}${e.code === SparkErrorCode.RateLimited ? ` (${waitAdvice(e.retryAfterMs)})` : ''}`;
  ctx.log.warn(`${message} (${e.code})`);
  ctx.showMessage(e.code === SparkErrorCode.Stale ? MessageType.Warning : MessageType.Error, message);
  const rpcCode = e.code === SparkErrorCode.BadArgument ? ErrorCodes.InvalidParams : LSPErrorCodes.RequestFailed;
  return new ResponseError(rpcCode, message, { code: e.code });
}

/** The service's retry-after, in whole seconds, is what the user needs to know about a rate limit. */
function waitAdvice(retryAfterMs: number | undefined): string {
  if (retryAfterMs === undefined) return 'rate limited; try again shortly';
  return `rate limited; try again in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s`;
}
