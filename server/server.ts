// Composition root: builds the server context, registers every LSP feature on a connection, and keeps
// the Spark client in step with the settings (connections open at initialize, warm before the first request).
import { MessageType, ShowMessageNotification, TextDocuments, type Connection, type InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_CONFIG, resolveEndpoint, type Config } from './config/schema.js';
import { negotiate, serverCapabilities } from './lsp/capabilities.js';
import { registerCodeActions } from './lsp/code-actions.js';
import { registerCommands } from './lsp/commands.js';
import { registerCompletion } from './lsp/completion.js';
import { Settings } from './lsp/configuration.js';
import type { Logger, ServerContext } from './lsp/context.js';
import { registerInlineCompletion } from './lsp/inline-completion.js';
import { LatestWins } from './scheduling/latest-wins.js';
import type { SparkClient, SparkClientOptions, SparkStatus } from './spark/api.js';
import { createSparkClient } from './spark/client.js';
import { SparkError, SparkErrorCode } from './spark/errors.js';
import { VERSION } from './version.js';

export interface ServerOptions {
  /** Where OPENAI_API_KEY and OPENAI_BASE_URL come from. */
  env: NodeJS.ProcessEnv;
  /** Use this endpoint instead of the settings and environment (spark-lsp --sim). */
  simulator?: { baseUrl: string; apiKey: string };
  /** Builds the Spark client (the default opens real connections). */
  createSpark?: (options: SparkClientOptions) => SparkClient;
}

export interface Server {
  readonly context: ServerContext;
  /** Closes the Spark client at once. */
  dispose(): void;
}

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;

export function createServer(connection: Connection, options: ServerOptions): Server {
  const documents = new TextDocuments(TextDocument);
  const shown = new Set<string>();
  let config: Config = DEFAULT_CONFIG;
  const enabled = (level: keyof typeof LEVELS) => LEVELS[level] <= LEVELS[config.logLevel];
  const log: Logger = {
    error: (m) => enabled('error') && connection.console.error(m),
    warn: (m) => enabled('warn') && connection.console.warn(m),
    info: (m) => enabled('info') && connection.console.info(m),
    debug: (m) => enabled('debug') && connection.console.log(m),
  };
  const ctx: ServerContext = {
    connection,
    documents,
    log,
    latest: new LatestWins(),
    negotiated: negotiate({}),
    get config() {
      return config;
    },
    set config(next) {
      config = next;
    },
    spark: new SparkError(SparkErrorCode.Closed, 'spark-lsp is not initialized yet'),
    showMessage(type, message) {
      connection.sendNotification(ShowMessageNotification.type, { type, message }).catch(() => undefined);
    },
  };
  /** Shows a message once per process for a given key (a status that persists is said once). */
  const showOnce = (key: string, type: MessageType, message: string) => {
    if (shown.has(key)) return;
    shown.add(key);
    ctx.showMessage(type, message);
  };

  let sparkKey = '';
  const rebuildSpark = () => {
    const endpoint = options.simulator ?? resolveEndpoint(config, options.env);
    const key = JSON.stringify([endpoint.baseUrl, endpoint.apiKey ?? '', config.model, config.transport, config.poolSize, config.lanesPerConnection, config.reasoningEffort]);
    if (key === sparkKey) return;
    sparkKey = key;
    const previous = ctx.spark;
    if (!(previous instanceof Error)) void previous.close();
    if (!endpoint.apiKey) {
      ctx.spark = new SparkError(SparkErrorCode.NoApiKey, 'OPENAI_API_KEY is not set');
      return;
    }
    const client = (options.createSpark ?? createSparkClient)({
      baseUrl: endpoint.baseUrl,
      apiKey: endpoint.apiKey,
      model: config.model,
      poolSize: config.poolSize,
      lanesPerConnection: config.lanesPerConnection,
      transport: config.transport,
      rotateAfterMs: 55 * 60_000,
      heartbeatMs: 15_000,
      websocketRetryMs: 5 * 60_000,
      reasoningEffort: config.reasoningEffort ?? undefined,
      log: (level, message) => log[level](message),
    });
    client.onStatus((status) => reportStatus(status));
    ctx.spark = client;
  };
  const reportStatus = (status: SparkStatus) => {
    switch (status.kind) {
      case 'ready':
        log.info(`connected to ${options.simulator ? 'spark-sim' : 'Spark'} over ${status.transport}`);
        break;
      case 'auth-failed':
        showOnce('auth', MessageType.Error, `Spark: the API key was refused (${status.message}). Check OPENAI_API_KEY.`);
        break;
      case 'unreachable':
        showOnce('unreachable', MessageType.Warning, `Spark: the endpoint is unreachable (${status.message}); retrying in the background.`);
        break;
      case 'fallback-http':
        log.warn(`WebSockets unavailable (${status.message}); using HTTP/SSE for now`);
        break;
    }
  };

  const settings = new Settings(ctx, rebuildSpark);

  connection.onInitialize((params): InitializeResult => {
    ctx.negotiated = negotiate(params.capabilities);
    settings.initialize(params.initializationOptions);
    return { capabilities: serverCapabilities(), serverInfo: { name: 'spark-lsp', version: VERSION } };
  });

  connection.onInitialized(() => {
    if (options.simulator) {
      ctx.showMessage(MessageType.Info, `spark-lsp: running against the bundled simulator (spark-sim at ${options.simulator.baseUrl}); answers are synthetic, not from a model.`);
    } else if (ctx.spark instanceof SparkError && ctx.spark.code === SparkErrorCode.NoApiKey) {
      showOnce('no-key', MessageType.Warning, 'Spark: OPENAI_API_KEY is not set, so spark-lsp offers nothing. Set it in the environment the editor starts spark-lsp from, or start spark-lsp with --sim to try the bundled simulator.');
    }
    void settings.listen();
  });

  connection.onShutdown(() => {
    ctx.latest.abortAll();
    if (!(ctx.spark instanceof Error)) ctx.spark.destroy();
  });

  registerCompletion(ctx);
  registerInlineCompletion(ctx);
  registerCodeActions(ctx);
  registerCommands(ctx);
  documents.listen(connection);

  return {
    context: ctx,
    dispose() {
      ctx.latest.abortAll();
      if (!(ctx.spark instanceof Error)) ctx.spark.destroy();
    },
  };
}
