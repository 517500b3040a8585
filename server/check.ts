// `spark-lsp --check`: from a shell, before any editor is involved. Resolves the key and the endpoint as the
// server does, opens one WebSocket, sends one tiny request, and prints one line per step with its time, then
// a verdict with what to do. Exit status 0 only when the round trip worked (WebSockets refused while HTTP/SSE
// works is a warning, still 0). The key is never printed: lines name where it came from, never its value.
import { applySettings, DEFAULT_CONFIG, endpointLabel, insecureEndpoint, resolveBaseUrl, type Config } from './config/schema.js';
import { resolveApiKey, type KeySource } from './credentials.js';
import { SparkConnection, type UpgradeFailure } from './spark/connection.js';
import { SparkError, SparkErrorCode } from './spark/errors.js';
import { websocketUrl } from './spark/pool.js';
import type { ResponseOutcome } from './spark/response-stream.js';
import { now } from './spark/timings.js';
import { httpGenerate } from './spark/transport-http.js';

export interface CheckOptions {
  env: NodeJS.ProcessEnv;
  /** --api-key-command, as spark.apiKeyCommand. */
  apiKeyCommand?: string | undefined;
  /** --base-url, as spark.baseUrl. */
  baseUrl?: string | undefined;
  /** --model, as spark.model. */
  model?: string | undefined;
  /** The bundled simulator's endpoint and key (--check --sim). */
  simulator?: { baseUrl: string; apiKey: string } | undefined;
  /** Receives each output line (without its newline). */
  write: (line: string) => void;
  /** Longest wait for the upgrade and for the answer (ms). */
  timeoutMs?: number;
}

/** Exit statuses: 0 the round trip worked; 1 it did not (the verdict says why); 2 bad arguments. */
export const CheckExit = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Output tokens the check asks for (the service's minimum for max_output_tokens). */
const CHECK_TOKENS = 16;
const DEFAULT_TIMEOUT_MS = 30_000;
const RESEARCH_PREVIEW =
  'Spark (gpt-5.3-codex-spark) is a research preview with limited access: this key may not have it yet.';

type StepStatus = 'ok' | 'FAIL' | 'WARN';

export async function runCheck(o: CheckOptions): Promise<number> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const line = (status: StepStatus, step: string, detail: string, ms: number) =>
    o.write(`${status.padEnd(4)}  ${step.padEnd(9)}  ${detail}  (${Math.round(ms)} ms)`);
  const fail = (cause: string, todo: string): number => {
    o.write(`verdict: FAIL: ${cause}`);
    o.write(`what to do: ${todo}`);
    return CheckExit.Failed;
  };
  o.write('spark-lsp --check');

  // 1. Settings, as the server would read them.
  const overrides: Record<string, unknown> = {};
  if (o.model !== undefined) overrides['model'] = o.model;
  if (o.baseUrl !== undefined) overrides['baseUrl'] = o.baseUrl;
  if (o.apiKeyCommand !== undefined) overrides['apiKeyCommand'] = o.apiKeyCommand;
  const settings = applySettings(DEFAULT_CONFIG, overrides);
  if (settings.warnings.length > 0) {
    o.write(`verdict: FAIL: ${settings.warnings.join('; ').replace(/; the previous settings are kept/g, '')}`);
    o.write('what to do: fix the argument (spark-lsp --help)');
    return CheckExit.Usage;
  }
  const config: Config = settings.config;

  // 2. The key.
  let t = now();
  let apiKey: string;
  let source: KeySource | 'simulator';
  if (o.simulator) {
    apiKey = o.simulator.apiKey;
    source = 'simulator';
  } else {
    const key = await resolveApiKey(config, o.env);
    if (key.key === undefined) {
      line('FAIL', 'key', key.problem.replace('spark.apiKeyCommand', '--api-key-command'), now() - t);
      return config.apiKeyCommand
        ? fail(
            `no API key: the key command ${key.problem.replace('spark.apiKeyCommand ', '')}`,
            'run the command yourself: it must print the key on its first line (spark.apiKeyCommand runs it the same way)',
          )
        : fail(
            'no API key: OPENAI_API_KEY is not set',
            "export OPENAI_API_KEY=... in the shell (and the environment your editor starts spark-lsp from), or pass --api-key-command 'CMD' (spark.apiKeyCommand); spark-lsp --check --sim tries the bundled simulator without a key",
          );
    }
    apiKey = key.key;
    source = key.source;
  }
  const keyWhere = { setting: 'spark.apiKey', command: '--api-key-command (spark.apiKeyCommand)', environment: 'OPENAI_API_KEY', simulator: 'the bundled simulator' }[source];
  line('ok', 'key', `from ${keyWhere} (${apiKey.length} characters; not shown)`, now() - t);

  // 3. The endpoint.
  t = now();
  const baseUrl = o.simulator?.baseUrl ?? resolveBaseUrl(config, o.env);
  const shown = endpointLabel(baseUrl);
  const insecure = insecureEndpoint(baseUrl, config.allowInsecureTransport);
  if (insecure) {
    line('FAIL', 'endpoint', shown, now() - t);
    return fail(`the endpoint is plaintext off loopback: ${insecure}`, 'use an https:// base URL (OPENAI_BASE_URL, --base-url or spark.baseUrl); spark.allowInsecureTransport lets the server use it anyway');
  }
  const wsUrl = websocketUrl(baseUrl);
  const { host, port } = hostPort(baseUrl);
  line('ok', 'endpoint', `${shown} (WebSocket ${endpointLabel(wsUrl)})`, now() - t);

  // 4. One WebSocket.
  t = now();
  const socket = await openSocket(wsUrl, apiKey, timeoutMs);
  const refusedKey = (how: string) =>
    fail(
      `the endpoint refused the API key (${how}); the key from ${keyWhere} is not accepted at ${shown}`,
      `check ${source === 'environment' ? 'OPENAI_API_KEY' : keyWhere}: a current key for this endpoint (and OPENAI_BASE_URL or --base-url if it is not OpenAI's)`,
    );
  if ('failure' in socket) {
    const status = socket.failure.status;
    line('FAIL', 'websocket', socket.failure.message, now() - t);
    if (status === 401 || status === 403) return refusedKey(`HTTP ${status} at the WebSocket upgrade`);
    if (status === undefined) {
      return fail(
        `the endpoint is unreachable: no connection to ${host} port ${port} (${socket.failure.message})`,
        `check the network, a proxy or firewall between here and ${host}:${port}, and the base URL (OPENAI_BASE_URL or --base-url)`,
      );
    }
    // The upgrade was answered but refused: does plain HTTP work?
    return checkHttp(o, { baseUrl, apiKey, model: config.model, why: `HTTP ${status} at the upgrade`, line, fail, refusedKey, timeoutMs });
  }
  line('ok', 'websocket', `connected to ${endpointLabel(wsUrl)}`, now() - t);

  // 5. One tiny request.
  t = now();
  const answer = await requestOnce(socket.conn, config.model, timeoutMs);
  socket.conn.close();
  if ('error' in answer) {
    const e = answer.error;
    line('FAIL', 'request', `${config.model}: ${e.message}`, now() - t);
    if (e.code === SparkErrorCode.Auth) return refusedKey(`HTTP ${e.status ?? 401} on the request`);
    if (modelRefused(e) || (!answer.sawEvent && e.code === SparkErrorCode.Connection)) {
      const how = modelRefused(e) ? (e.upstreamCode ?? e.code) : 'the socket closed before any event';
      return fail(
        `the endpoint refused the model ${JSON.stringify(config.model)} for this key (${how})`,
        `${RESEARCH_PREVIEW} Check spark.model (--model here); ask for access, or use a model this key has`,
      );
    }
    if (e.code === SparkErrorCode.RateLimited) {
      return fail(`rate limited: ${e.message}`, `the key works but is rate limited; try again${e.retryAfterMs === undefined ? ' shortly' : ` in ${Math.ceil(e.retryAfterMs / 1000)} s`}`);
    }
    if (e.code === SparkErrorCode.Timeout) return fail(`no answer within ${timeoutMs / 1000} s`, 'the service may be overloaded; try again, and check the status page of the provider');
    return fail(`the request failed: ${e.message} (${e.code})`, 'try again; if it persists, run with --base-url to check another endpoint or report the message');
  }
  const o2 = answer.outcome;
  line('ok', 'request', `${config.model} answered ${JSON.stringify(o2.text.slice(0, 40))} (${o2.status}${o2.usage ? `, ${o2.usage.outputTokens} output tokens` : ''}); first event after ${Math.round(answer.firstEventMs)} ms`, now() - t);
  o.write(`verdict: OK: spark-lsp reaches ${config.model} at ${shown} over WebSocket`);
  return CheckExit.Ok;
}

interface HttpCheck {
  baseUrl: string;
  apiKey: string;
  model: string;
  why: string;
  line: (status: StepStatus, step: string, detail: string, ms: number) => void;
  fail: (cause: string, todo: string) => number;
  refusedKey: (how: string) => number;
  timeoutMs: number;
}

/** WebSockets were refused: the server would fall back to HTTP/SSE; check that this works. */
async function checkHttp(o: CheckOptions, c: HttpCheck): Promise<number> {
  const t = now();
  try {
    const outcome = await httpGenerate({
      baseUrl: c.baseUrl,
      apiKey: c.apiKey,
      body: { ...requestBody(c.model), stream: true },
      deadline: Date.now() + c.timeoutMs,
      signal: new AbortController().signal,
      onText: () => undefined,
      log: () => undefined,
    });
    c.line('WARN', 'http', `${c.model} answered ${JSON.stringify(outcome.text.slice(0, 40))} over HTTP/SSE`, now() - t);
    o.write(`verdict: OK with a warning: WebSockets were refused (${c.why}) but HTTP/SSE works; spark-lsp will use HTTP/SSE, which costs a connection per request`);
    o.write('what to do: if a proxy sits between here and the endpoint, let it pass WebSocket upgrades (GET with Upgrade: websocket)');
    return CheckExit.Ok;
  } catch (e) {
    const err = e instanceof SparkError ? e : new SparkError(SparkErrorCode.Connection, String(e));
    c.line('FAIL', 'http', err.message, now() - t);
    if (err.code === SparkErrorCode.Auth) return c.refusedKey(`HTTP ${err.status ?? 401} over HTTP/SSE`);
    if (modelRefused(err)) {
      return c.fail(`the endpoint refused the model ${JSON.stringify(c.model)} for this key (${err.upstreamCode ?? err.code})`, `${RESEARCH_PREVIEW} Check spark.model (--model here)`);
    }
    return c.fail(`WebSockets were refused (${c.why}) and HTTP/SSE failed too: ${err.message}`, 'check the base URL (OPENAI_BASE_URL or --base-url): it should end in /v1 of a Responses API endpoint');
  }
}

function modelRefused(e: SparkError): boolean {
  return e.code === SparkErrorCode.ModelRefused || e.upstreamCode === 'model_not_found';
}

function requestBody(model: string): Record<string, unknown> {
  return {
    model,
    store: false,
    instructions: 'Reply with the single word OK.',
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'ping' }] }],
    max_output_tokens: CHECK_TOKENS,
    text: { format: { type: 'text' } },
  };
}

function hostPort(baseUrl: string): { host: string; port: string } {
  const url = new URL(baseUrl);
  return { host: url.hostname, port: url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80') };
}

type Opened = { conn: SparkConnection } | { failure: UpgradeFailure };

function openSocket(url: string, apiKey: string, timeoutMs: number): Promise<Opened> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      conn.terminate();
      resolve({ failure: { status: undefined, retryAfterMs: undefined, message: `no upgrade within ${timeoutMs / 1000} s` } });
    }, timeoutMs);
    const conn: SparkConnection = new SparkConnection(
      { url, apiKey, lanes: 1, contextLanes: 0, heartbeatMs: 0, graceMs: 5_000, log: () => undefined },
      {
        onOpen: () => {
          clearTimeout(timer);
          resolve({ conn });
        },
        onCapacity: () => undefined,
        onConnectionError: () => undefined,
        onClose: (_c, info) => {
          clearTimeout(timer);
          if (!info.opened) resolve({ failure: info.failure ?? { status: undefined, retryAfterMs: undefined, message: 'the upgrade failed' } });
        },
      },
    );
  });
}

type Answer = { outcome: ResponseOutcome; firstEventMs: number } | { error: SparkError; sawEvent: boolean };

function requestOnce(conn: SparkConnection, model: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const sent = now();
    let firstEventMs = NaN;
    let settled = false;
    const settle = (a: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const timer = setTimeout(() => settle({ error: new SparkError(SparkErrorCode.Timeout, 'no terminal event in time'), sawEvent: !Number.isNaN(firstEventMs) }), timeoutMs);
    const started = conn.start(
      (streamId) => JSON.stringify({ type: 'response.create', stream_id: streamId, ...requestBody(model) }),
      {
        get settled() {
          return settled;
        },
        onStarted: () => {
          firstEventMs = now() - sent;
        },
        onText: () => undefined,
        onDone: (outcome) => settle({ outcome, firstEventMs: Number.isNaN(firstEventMs) ? now() - sent : firstEventMs }),
        onError: (error) => settle({ error, sawEvent: !Number.isNaN(firstEventMs) }),
      },
      Date.now() + timeoutMs,
      undefined,
      () => undefined,
    );
    if (!started) settle({ error: new SparkError(SparkErrorCode.Connection, 'the socket closed before the request'), sawEvent: false });
  });
}
