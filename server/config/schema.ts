// The settings schema (section `spark`), its defaults, and how layers merge.
// Pure: the environment is passed in; bad values are reported, never thrown, and the last good config stays.
import { z } from 'zod';

export const DEFAULT_MODEL = 'gpt-5.3-codex-spark';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_REVIEW_MODEL = 'gpt-5.3-codex';

export const ConfigSchema = z.strictObject({
  /** Model id sent with every request. */
  model: z.string().min(1).default(DEFAULT_MODEL),
  /** API base URL; null means $OPENAI_BASE_URL, else https://api.openai.com/v1. */
  baseUrl: z.url({ protocol: /^(https?|wss?)$/ }).nullable().default(null),
  /** API key; null means apiKeyCommand, then $OPENAI_API_KEY. Prefer those: settings files get shared. */
  apiKey: z.string().min(1).nullable().default(null),
  /** A shell command that prints the API key (e.g. from a password manager); null means none. */
  apiKeyCommand: z.string().min(1).nullable().default(null),
  /** Allow plaintext http:// or ws:// to a host that is not loopback (the key would travel unencrypted). */
  allowInsecureTransport: z.boolean().default(false),
  /** Globs of files never sent to the model nor completed, besides the built-in .env*, *.pem, *.key, id_rsa*. */
  exclude: z.array(z.string().min(1).max(500)).max(200).default([]),
  /** 'auto' uses WebSockets and falls back to HTTP/SSE; 'websocket' or 'http' force one. */
  transport: z.enum(['auto', 'websocket', 'http']).default('auto'),
  /** Persistent WebSocket connections kept warm. */
  poolSize: z.int().min(1).max(8).default(2),
  /** Concurrent requests per connection (stream_id lanes); the service allows 16. */
  lanesPerConnection: z.int().min(1).max(16).default(8),
  /** `reasoning.effort` to send; null leaves it to the model's default. */
  reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high']).nullable().default(null),
  completion: z
    .strictObject({
      /** Serve textDocument/completion. */
      enabled: z.boolean().default(true),
      /** Serve textDocument/inlineCompletion. */
      inlineEnabled: z.boolean().default(true),
      /** max_output_tokens for a completion. */
      maxOutputTokens: z.int().min(1).max(8192).default(256),
      /** Give up on a completion after this long (ms); the editor then gets an empty answer. */
      timeoutMs: z.int().min(100).max(120_000).default(5_000),
    })
    .prefault({}),
  edit: z
    .strictObject({
      /** max_output_tokens for an edit (code action or spark.edit). */
      maxOutputTokens: z.int().min(1).max(65_536).default(4_096),
      /** Give up on an edit after this long (ms). */
      timeoutMs: z.int().min(1_000).max(600_000).default(60_000),
    })
    .prefault({}),
  context: z
    .strictObject({
      /** Estimated tokens of text sent with a request: the document, and for file and workspace edits the related files and listing (the model takes 128k; less is faster). */
      budgetTokens: z.int().min(256).max(120_000).default(6_000),
      /** Estimated tokens of a document kept warm on the model side (sent once per settled edit); 0 turns warm context off. */
      warmTokens: z.int().min(0).max(100_000).default(32_000),
      /** Estimated tokens of the lines around the cursor sent with a completion that chains from warm context. */
      deltaTokens: z.int().min(64).max(8_000).default(512),
      /** o200k tokens of cross-file context (declarations the file imports, relevant open files) in each warm-up; 0 turns it off. */
      crossFileTokens: z.int().min(0).max(64_000).default(24_000),
      /** Estimated tokens of recent edits in other files sent with each completion; 0 leaves them out. */
      recentEditsTokens: z.int().min(0).max(4_000).default(512),
    })
    .prefault({}),
  workspace: z
    .strictObject({
      /** Files larger than this (bytes) are never read, listed or edited. */
      maxFileBytes: z.int().min(1_024).max(67_108_864).default(1_048_576),
    })
    .prefault({}),
  review: z
    .strictObject({
      /** Review Spark's edits (and spark.review) with a larger model; findings become diagnostics. */
      enabled: z.boolean().default(true),
      /** Model id of the reviewer: a second, larger model call per reviewed edit. */
      model: z.string().min(1).default(DEFAULT_REVIEW_MODEL),
      /** `reasoning.effort` of a review. */
      reasoningEffort: z.enum(['minimal', 'low', 'medium', 'high']).default('medium'),
      /** Start a review in the background after every applied Spark edit (spark.review works either way). */
      afterEdit: z.boolean().default(true),
      /** max_output_tokens of a review, reasoning included. */
      maxOutputTokens: z.int().min(256).max(100_000).default(16_000),
      /** A review not answered within this many ms is dropped (a larger model reasoning over a change takes a while). */
      timeoutMs: z.int().min(1_000).max(1_800_000).default(180_000),
    })
    .prefault({}),
  /** Write one line per request (outcome and latency breakdown) to the client's log, whatever logLevel is. */
  trace: z.boolean().default(false),
  /** Least severe level written to the client's log (window/logMessage). */
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
});

export type Config = z.infer<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse({});

export interface ConfigUpdate {
  config: Config;
  /** One line per offending setting, naming it; empty when everything was accepted. */
  warnings: string[];
}

/**
 * Validates `raw` (the `spark` section from the client) over the defaults.
 * Any bad value rejects the whole update: the previous config is kept and each problem is named.
 */
export function applySettings(previous: Config, raw: unknown): ConfigUpdate {
  if (raw === undefined || raw === null) return { config: previous, warnings: [] };
  const parsed = ConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, warnings: [] };
  const warnings = parsed.error.issues.map((issue) => {
    const path = ['spark', ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return `unknown setting ${issue.keys.map((k) => [...path, k].join('.')).join(', ')}; the previous settings are kept`;
    }
    return `invalid setting ${path.join('.')}: ${issue.message}; the previous settings are kept`;
  });
  return { config: previous, warnings };
}

/** The API base URL: the setting, else $OPENAI_BASE_URL, else the default; without a trailing slash. */
export function resolveBaseUrl(config: Config, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.OPENAI_BASE_URL?.trim();
  return (config.baseUrl ?? (fromEnv ? fromEnv : DEFAULT_BASE_URL)).replace(/\/+$/, '');
}

/** A URL without user, password, query or fragment: safe to show in messages and status. */
export function endpointLabel(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString().replace(/\/+$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** Why an endpoint must not be used, or undefined: plaintext is only for loopback unless explicitly allowed. */
export function insecureEndpoint(baseUrl: string, allowInsecure: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return `${JSON.stringify(baseUrl)} is not a URL`;
  }
  const plaintext = url.protocol === 'http:' || url.protocol === 'ws:';
  if (!plaintext || allowInsecure || isLoopback(url.hostname)) return undefined;
  return `plaintext ${url.protocol}//${url.host} would send the API key unencrypted; use https, or set spark.allowInsecureTransport`;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Every accepted setting as a dotted path (for docs and client config checks). */
export function settingPaths(): string[] {
  const paths: string[] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string) => {
    for (const [key, schema] of Object.entries(shape)) {
      const inner = unwrap(schema);
      if (inner instanceof z.ZodObject) walk(inner.shape as Record<string, z.ZodType>, `${prefix}${key}.`);
      else paths.push(`${prefix}${key}`);
    }
  };
  walk(ConfigSchema.shape, 'spark.');
  return paths;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable || s instanceof z.ZodOptional) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}
