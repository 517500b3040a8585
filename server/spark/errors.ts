// Operational failures of the Spark client, each with a stable string code.
// Knows nothing of LSP: lsp/outcome.ts decides what the user sees for each code.

export const SparkErrorCode = {
  /** No API key configured (and not running against the simulator). */
  NoApiKey: 'SPARK_ERR_NO_API_KEY',
  /** The endpoint refused the key (401/403 at upgrade or on a request). */
  Auth: 'SPARK_ERR_AUTH',
  /** The caller aborted (LSP cancellation, supersession). Expected; never shown. */
  Cancelled: 'SPARK_ERR_CANCELLED',
  /** The response did not finish before its deadline. */
  Timeout: 'SPARK_ERR_TIMEOUT',
  /** 429 or rate_limit_exceeded; `retryAfterMs` says when to try again. */
  RateLimited: 'SPARK_ERR_RATE_LIMITED',
  /** A status-bearing error event, response.failed, or an HTTP error status. */
  Upstream: 'SPARK_ERR_UPSTREAM',
  /** The endpoint could not be reached, or the socket was lost mid-response. */
  Connection: 'SPARK_ERR_CONNECTION',
  /** The server sent something that does not follow the protocol. */
  Protocol: 'SPARK_ERR_PROTOCOL',
  /** The answer was truncated (response.incomplete) where a whole answer is required. */
  Incomplete: 'SPARK_ERR_INCOMPLETE',
  /** The document changed after the request; the edit was not applied. */
  Stale: 'SPARK_ERR_STALE',
  /** Arguments of a command or resolve payload failed validation. */
  BadArgument: 'SPARK_ERR_BAD_ARGUMENT',
  /** The client refused or failed to apply a WorkspaceEdit. */
  EditRejected: 'SPARK_ERR_EDIT_REJECTED',
  /** The model returned nothing usable for the request. */
  EmptyAnswer: 'SPARK_ERR_EMPTY_ANSWER',
  /** The client is closed. */
  Closed: 'SPARK_ERR_CLOSED',
  /** The endpoint is plaintext and not on loopback, and insecure transport was not allowed. */
  InsecureEndpoint: 'SPARK_ERR_INSECURE_ENDPOINT',
  /** The document matches a content exclusion (.env*, *.pem, … or spark.exclude); nothing is sent. */
  Excluded: 'SPARK_ERR_EXCLUDED',
  /** The model's patch could not be parsed or applied to the files it names (after one retry with feedback). */
  Patch: 'SPARK_ERR_PATCH',
  /** A path an edit names is outside the workspace folders, under .git/, excluded, binary or too large. */
  PathRefused: 'SPARK_ERR_PATH_REFUSED',
  /** The editor lacks a capability the request needs (e.g. documentChanges, creating or deleting files). */
  Unsupported: 'SPARK_ERR_UNSUPPORTED',
  /** The endpoint refused the model for this key (model_not_found, or 403 naming the model). */
  ModelRefused: 'SPARK_ERR_MODEL_REFUSED',
} as const;

export type SparkErrorCode = (typeof SparkErrorCode)[keyof typeof SparkErrorCode];

export interface SparkErrorDetails {
  /** HTTP-equivalent status, when the upstream gave one. */
  status?: number;
  /** The upstream's own error code (e.g. `previous_response_not_found`). */
  upstreamCode?: string;
  /** The request field the upstream blamed (`error.param`, e.g. `tools`), when it named one. */
  param?: string;
  /** For rate limits: how long to wait before retrying, in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class SparkError extends Error {
  readonly code: SparkErrorCode;
  readonly status: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly param: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: SparkErrorCode, message: string, details: SparkErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SparkError';
    this.code = code;
    this.status = details.status;
    this.upstreamCode = details.upstreamCode;
    this.param = details.param;
    this.retryAfterMs = details.retryAfterMs;
  }
}

export function isSparkError(e: unknown, code?: SparkErrorCode): e is SparkError {
  return e instanceof SparkError && (code === undefined || e.code === code);
}
