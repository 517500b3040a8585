// Composition root: builds the server context, registers every LSP feature on a connection, and keeps
// the Spark client in step with the settings (connections open at initialize, warm before the first request).
import { MessageType, ShowMessageNotification, type Connection, type InitializeResult } from 'vscode-languageserver';
import { DEFAULT_CONFIG, endpointLabel, insecureEndpoint, resolveBaseUrl, type Config } from './config/schema.js';
import { resolveApiKey, type KeyResult, type KeySource } from './credentials.js';
import { negotiate, serverCapabilities } from './lsp/capabilities.js';
import { registerCodeActions } from './lsp/code-actions.js';
import { registerCommands } from './lsp/commands.js';
import { registerCompletion } from './lsp/completion.js';
import { Settings } from './lsp/configuration.js';
import type { Logger, ServerContext } from './lsp/context.js';
import { registerInlineCompletion } from './lsp/inline-completion.js';
import { Reviewer } from './lsp/reviewer.js';
import { Warmth } from './lsp/warmth.js';
import { Documents } from './lsp/documents.js';
import { Agreement } from './lsp/agreement.js';
import { Status, STATUS_NOTIFICATION, type StatusReport } from './lsp/status.js';
import { traceLine } from './lsp/trace.js';
import { trackWorkspaceFolders } from './lsp/workspace.js';
import { LatestWins } from './scheduling/latest-wins.js';
import { TypingAlong } from './scheduling/typing-along.js';
import type { SparkClient, SparkClientOptions, SparkStatus } from './spark/api.js';
import { createSparkClient } from './spark/client.js';
import { SparkError, SparkErrorCode } from './spark/errors.js';
import { VERSION } from './version.js';
import { workspacePolicy } from './workspace/policy.js';
import { WorkspaceIndex } from './workspace/workspace-index.js';
import { EditedRegions } from './context/edited-regions.js';
import { CrossFile } from './lsp/cross-file.js';
import { handleWatchedFiles, registerWatchers } from './lsp/watched-files.js';

export interface ServerOptions {
  /** Where OPENAI_API_KEY and OPENAI_BASE_URL come from. */
  env: NodeJS.ProcessEnv;
  /** Use this endpoint instead of the settings and environment (spark-lsp --sim). */
  simulator?: { baseUrl: string; apiKey: string };
  /** Builds the Spark client (the default opens real connections). */
  createSpark?: (options: SparkClientOptions) => SparkClient;
  /** Receives every log line at spark.logLevel and one trace line per request (spark-lsp --log-file). */
  logFile?: (line: string) => void;
  /** When a refused key is tried again (SparkClientOptions.authRetry); for tests. */
  authRetry?: SparkClientOptions['authRetry'];
}

export interface Server {
  readonly context: ServerContext;
  /** Resolves once the Spark client matches the current settings (or the reason there is none is known). */
  settled(): Promise<void>;
  /** Closes the Spark client at once. */
  dispose(): void;
  /** A shutdown request was answered (so an end of input is a clean exit). */
  readonly shutdownReceived: boolean;
}

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;

const NO_KEY_MESSAGE =
  'Spark: OPENAI_API_KEY is not set, so spark-lsp offers nothing. Set it in the environment the editor starts spark-lsp from (or spark.apiKeyCommand), or start spark-lsp with --sim to try the bundled simulator.';

export function createServer(connection: Connection, options: ServerOptions): Server {
  const documents = new Documents();
  let config: Config = DEFAULT_CONFIG;
  const enabled = (level: keyof typeof LEVELS) => LEVELS[level] <= LEVELS[config.logLevel];
  const toFile = options.logFile;
  const at = (level: keyof typeof LEVELS, send: (m: string) => void) => (m: string) => {
    if (!enabled(level)) return;
    toFile?.(`${new Date().toISOString()} ${level} ${m}`);
    send(m);
  };
  const log: Logger = {
    error: at('error', (m) => connection.console.error(m)),
    warn: at('warn', (m) => connection.console.warn(m)),
    info: at('info', (m) => connection.console.info(m)),
    debug: at('debug', (m) => connection.console.log(m)),
  };
  // Messages wait for `initialized`: the protocol lets a server speak only after its initialize answer.
  let initialized = false;
  const early: [MessageType, string][] = [];
  const send = (type: MessageType, message: string) =>
    connection.sendNotification(ShowMessageNotification.type, { type, message }).catch(() => undefined);
  let warmth!: Warmth; // made right below: it needs the context it belongs to
  let reviewer!: Reviewer;
  let crossFile!: CrossFile; // likewise
  // Built at initialize when cross-file context is on (its first document needs it), else on first use (listing
  // code actions, an edit); the listing runs on a thread of its own.
  const workspaceIndex = new WorkspaceIndex({
    policy: () => workspacePolicy(ctx.workspaceFolders, config),
    onError: (message) => log.warn(`workspace index: ${message}`),
  });
  // spark/status waits for `initialized` too; only the latest one matters.
  let heldStatus: StatusReport | undefined;
  const baseUrl = () => options.simulator?.baseUrl ?? resolveBaseUrl(config, options.env);
  const status = new Status({
    notify: (report) => {
      if (initialized) void connection.sendNotification(STATUS_NOTIFICATION, report).catch(() => undefined);
      else heldStatus = report;
    },
    model: () => config.model,
    endpoint: () => endpointLabel(baseUrl()),
    connections: () => (ctx.spark instanceof Error ? 0 : ctx.spark.stats().openSockets),
    configuredTransport: () => config.transport,
    reviews: () => reviewer?.report() ?? { running: 0, last: null },
  });
  status.onRecord((record) => {
    if (!config.trace && toFile === undefined) return;
    const line = traceLine(record, config.logLevel === 'debug');
    if (config.trace) connection.console.log(line);
    toFile?.(line);
  });
  const ctx: ServerContext = {
    connection,
    documents,
    log,
    latest: new LatestWins(),
    typingAlong: new TypingAlong(),
    get warmth() {
      return warmth;
    },
    get reviewer() {
      return reviewer;
    },
    workspaceIndex,
    editedRegions: new EditedRegions(),
    get crossFile() {
      return crossFile;
    },
    status,
    agreement: new Agreement(log),
    negotiated: negotiate({}),
    workspaceFolders: [],
    get config() {
      return config;
    },
    set config(next) {
      config = next;
    },
    spark: new SparkError(SparkErrorCode.Closed, 'spark-lsp is not initialized yet'),
    showMessage(type, message) {
      if (initialized) void send(type, message);
      else early.push([type, message]);
    },
  };
  warmth = new Warmth(ctx);
  reviewer = new Reviewer(ctx);
  crossFile = new CrossFile(ctx, (uri) => warmth.stale(uri));
  workspaceIndex.onDidChange((change) => {
    crossFile.indexChanged(change);
    reviewer.filesChanged(change);
  });
  const shown = new Set<string>();
  /** A status that persists is said once per process. */
  const showOnce = (key: string, type: MessageType, message: string) => {
    if (shown.has(key)) return;
    shown.add(key);
    ctx.showMessage(type, message);
  };

  let sparkKey = '';
  let generation = 0;
  let settling: Promise<void> = Promise.resolve();
  const rebuildSpark = () => {
    const mine = ++generation;
    settling = (async () => {
      const url = baseUrl();
      const key: KeyResult = options.simulator
        ? { key: options.simulator.apiKey, source: 'setting' }
        : await resolveApiKey(config, options.env);
      if (mine !== generation) return;
      const identity = JSON.stringify([url, key.key ?? '', config.model, config.transport, config.poolSize, config.lanesPerConnection, config.reasoningEffort, config.allowInsecureTransport]);
      if (identity === sparkKey) return;
      sparkKey = identity;
      const previous = ctx.spark;
      if (!(previous instanceof Error)) void previous.close();
      const insecure = insecureEndpoint(url, config.allowInsecureTransport);
      if (insecure) {
        ctx.spark = new SparkError(SparkErrorCode.InsecureEndpoint, insecure);
        status.unavailable(ctx.spark);
        showOnce(`insecure:${url}`, MessageType.Error, `Spark: ${insecure}.`);
        return;
      }
      if (key.key === undefined) {
        ctx.spark = new SparkError(SparkErrorCode.NoApiKey, key.problem);
        status.unavailable(ctx.spark);
        if (config.apiKeyCommand) showOnce(`key-command:${key.problem}`, MessageType.Error, `Spark: ${key.problem}; no API key.`);
        else showOnce('no-key', MessageType.Warning, NO_KEY_MESSAGE);
        return;
      }
      status.connecting(endpointLabel(url));
      const client = (options.createSpark ?? createSparkClient)({
        baseUrl: url,
        apiKey: key.key,
        model: config.model,
        poolSize: config.poolSize,
        lanesPerConnection: config.lanesPerConnection,
        transport: config.transport,
        rotateAfterMs: 55 * 60_000,
        heartbeatMs: 15_000,
        websocketRetryMs: 5 * 60_000,
        reasoningEffort: config.reasoningEffort ?? undefined,
        // After a refused key, the next request resolves it again (a new spark.apiKeyCommand output, say).
        refreshApiKey: options.simulator ? undefined : () => resolveApiKey(config, options.env).then((k) => k.key ?? Promise.reject(new Error(k.problem))),
        authRetry: options.authRetry,
        log: (level, message) => log[level](message),
      });
      client.onStatus((status) => reportStatus(status, key.source));
      ctx.spark = client;
      warmth.rewarmAll();
    })();
  };
  const reportStatus = (sparkStatus: SparkStatus, source: KeySource) => {
    const where = { setting: 'spark.apiKey', command: 'spark.apiKeyCommand', environment: 'OPENAI_API_KEY' }[source];
    status.onSpark(sparkStatus, where);
    switch (sparkStatus.kind) {
      case 'ready':
        log.info(`connected to ${options.simulator ? 'spark-sim' : 'Spark'} over ${sparkStatus.transport}`);
        break;
      case 'auth-failed':
        showOnce('auth', MessageType.Error, `Spark: the API key was refused (${sparkStatus.message}). Check ${where}; the next request after a short pause tries again.`);
        break;
      case 'unreachable':
        showOnce('unreachable', MessageType.Warning, `Spark: the endpoint is unreachable (${sparkStatus.message}); retrying in the background.`);
        break;
      case 'fallback-http':
        log.warn(`WebSockets unavailable (${sparkStatus.message}); using HTTP/SSE for now`);
        break;
    }
  };

  const settings = new Settings(ctx, (previous) => {
    rebuildSpark();
    reviewer.configChanged(previous);
    // What the cross-file context shows depends on its budgets and on the exclusions.
    if (JSON.stringify([previous.context, previous.exclude, previous.workspace]) !== JSON.stringify([config.context, config.exclude, config.workspace])) crossFile.refreshAll();
  });

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    ctx.negotiated = negotiate(params.capabilities);
    ctx.workspaceFolders = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: 'root' }] : [])).map((f) => f.uri);
    settings.initialize(params.initializationOptions);
    await crossFile.preload();
    return { capabilities: serverCapabilities(), serverInfo: { name: 'spark-lsp', version: VERSION } };
  });

  connection.onInitialized(() => {
    initialized = true;
    if (options.simulator) {
      ctx.showMessage(MessageType.Info, `spark-lsp: running against the bundled simulator (spark-sim at ${options.simulator.baseUrl}); answers are synthetic, not from a model.`);
    }
    for (const [type, message] of early.splice(0)) void send(type, message);
    if (heldStatus !== undefined) void connection.sendNotification(STATUS_NOTIFICATION, heldStatus).catch(() => undefined);
    heldStatus = undefined;
    if (ctx.negotiated.workspaceFolders) trackWorkspaceFolders(ctx);
    void settings.listen();
    void registerWatchers(ctx).then((watched) => (crossFile.watched = watched));
  });

  let shutdownReceived = false;
  connection.onShutdown(() => {
    shutdownReceived = true;
    warmth.dispose();
    reviewer.dispose();
    crossFile.dispose();
    workspaceIndex.dispose();
    ctx.latest.abortAll();
    if (!(ctx.spark instanceof Error)) ctx.spark.destroy();
  });

  registerCompletion(ctx);
  registerInlineCompletion(ctx);
  registerCodeActions(ctx);
  registerCommands(ctx);
  handleWatchedFiles(ctx);
  documents.onDidOpen((doc) => {
    warmth.now(doc.uri);
    reviewer.opened(doc);
  });
  documents.onDidChange((doc, detail) => {
    ctx.editedRegions.record(doc.uri, detail.before, detail.changes);
    warmth.settle(doc.uri);
    reviewer.changed(doc, detail);
  });
  documents.onDidSave((doc) => reviewer.saved(doc));
  documents.onDidClose((doc) => {
    ctx.typingAlong.forget(doc.uri);
    ctx.editedRegions.forget(doc.uri);
    ctx.agreement.forget(doc.uri);
    warmth.forget(doc.uri);
    reviewer.closed(doc);
    crossFile.forget(doc.uri);
  });
  documents.listen(connection, log);

  return {
    context: ctx,
    get shutdownReceived() {
      return shutdownReceived;
    },
    settled: async () => {
      for (let seen = -1; seen !== generation; ) {
        seen = generation;
        await settling;
      }
    },
    dispose() {
      warmth.dispose();
      reviewer.dispose();
      crossFile.dispose();
      workspaceIndex.dispose();
      ctx.latest.abortAll();
      if (!(ctx.spark instanceof Error)) ctx.spark.destroy();
    },
  };
}
