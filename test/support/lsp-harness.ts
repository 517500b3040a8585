// A real LSP client and the real server in-process over a pair of streams, against spark-sim on port 0.
// Records what the server sends the client (applyEdit, showMessage, progress) and keeps client-side copies
// of open documents, applying edits the way an editor does (versioned documentChanges are checked). With a
// real directory as the workspace folder, edits of files that are not open and file creations, renames and
// deletions land on disk, as an editor that saves them would leave them; a WorkspaceEdit applies whole or not at all.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ApplyWorkspaceEditRequest,
  ConfigurationRequest,
  createProtocolConnection,
  InitializeRequest,
  LogMessageNotification,
  RegistrationRequest,
  ShowMessageNotification,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
  type ApplyWorkspaceEditParams,
  type ApplyWorkspaceEditResult,
  type ClientCapabilities,
  type LogMessageParams,
  type ProtocolConnection,
  type Registration,
  type ShowMessageParams,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { createServer, type Server, type ServerOptions } from '../../server/server.js';
import { startSim } from '../../server/sim/index.js';
import type { RecordedCreate, SimOptions, SparkSim } from '../../server/sim/api.js';
import { STATUS_NOTIFICATION, type StatusReport } from '../../server/lsp/status.js';

const generates = (c: RecordedCreate) => c.body.generate !== false;

/** Capabilities like Neovim 0.12 plus versioned documentChanges (the richest client). */
export const FULL_CAPABILITIES: ClientCapabilities = {
  workspace: {
    applyEdit: true,
    configuration: true,
    workspaceEdit: { documentChanges: true, resourceOperations: ['create', 'rename', 'delete'], changeAnnotationSupport: { groupsOnLabel: true }, failureHandling: 'abort' },
  },
  window: { workDoneProgress: true },
  textDocument: {
    synchronization: { dynamicRegistration: false },
    completion: { completionItem: { insertReplaceSupport: true, snippetSupport: true } },
    inlineCompletion: {},
    codeAction: {
      dataSupport: true,
      resolveSupport: { properties: ['edit'] },
      codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor', 'refactor.rewrite'] } },
    },
  },
};

/** Like Emacs eglot 1.9: no codeAction/resolve, no insertReplace, documentChanges, no progress. */
export const EGLOT_CAPABILITIES: ClientCapabilities = {
  workspace: { applyEdit: true, configuration: true, workspaceEdit: { documentChanges: true } },
  textDocument: {
    completion: { completionItem: { snippetSupport: true } },
    codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'refactor'] } } },
  },
};

/** Like Neovim 0.7: resolve, but plain `changes` edits and no configuration. */
export const PLAIN_CAPABILITIES: ClientCapabilities = {
  workspace: { applyEdit: true },
  textDocument: {
    completion: { completionItem: {} },
    codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } },
  },
};

export interface HarnessOptions {
  capabilities?: ClientCapabilities;
  sim?: SimOptions;
  /** The `spark` settings answered to workspace/configuration. */
  settings?: Record<string, unknown>;
  initializationOptions?: unknown;
  /** Environment seen by the server; by default a key and the simulator's URL. */
  env?: (sim: SparkSim) => NodeJS.ProcessEnv;
  /** Runs before the server initializes (and so before the pool connects), e.g. to arm upgrade faults. */
  beforeInitialize?: (sim: SparkSim) => void;
  /** Leave background reviews on (the product default). Off by default here, so a test's traffic is what it scripts. */
  reviews?: boolean;
  /** Server options besides the environment (e.g. authRetry, logFile). */
  server?: Omit<ServerOptions, 'env'>;
  /** Overrides the client's answer to workspace/applyEdit. */
  onApplyEdit?: (params: ApplyWorkspaceEditParams, h: Harness) => ApplyWorkspaceEditResult | undefined;
  /** A real directory to name as the workspace folder (default: file:///work, which is not read). */
  workspaceDir?: string;
}

export interface Harness {
  client: ProtocolConnection;
  server: Server;
  sim: SparkSim;
  applied: ApplyWorkspaceEditParams[];
  messages: ShowMessageParams[];
  logs: LogMessageParams[];
  progress: unknown[];
  /** `spark/status` notifications, in order. */
  statuses: StatusReport[];
  docs: Map<string, TextDocument>;
  /** Resolves once the client has answered the server's first workspace/configuration request. */
  configured: Promise<void>;
  /** URI of the workspace folder. */
  root: string;
  /** URI of a path relative to the workspace folder. */
  uri(relative: string): string;
  /** What the server registered dynamically (client/registerCapability), in order. */
  registrations: Registration[];
  open(uri: string, text: string, languageId?: string): void;
  /** Replaces the whole text (a full-content change), bumping the version. */
  change(uri: string, text: string): void;
  text(uri: string): string;
  /** What the model was asked to generate (warm-ups, `generate: false`, left out). */
  requests(): RecordedCreate[];
  /** Resolves once the model was asked to generate `n` times. */
  waitForRequests(n: number): Promise<void>;
  /** Resolves once `n` showMessage notifications have arrived. */
  waitForMessages(n: number): Promise<ShowMessageParams[]>;
  close(): Promise<void>;
}

export const KEY = 'sk-test-0123456789abcdef';

/** Waits for a condition that an event outside the test's reach makes true, checking each turn of the loop; fails after `ms`. */
export async function until(what: string, pred: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSim({ tokensPerSecond: 0, ...options.sim });
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = createConnection(
    ProposedFeatures.all,
    new StreamMessageReader(toServer),
    new StreamMessageWriter(toClient),
  );
  options.beforeInitialize?.(sim);
  const env = options.env ? options.env(sim) : { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: sim.url };
  const server = createServer(serverConnection, { ...options.server, env });
  serverConnection.listen();

  const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const docs = new Map<string, TextDocument>();
  const root = options.workspaceDir ? pathToFileURL(options.workspaceDir).href : 'file:///work';
  const messageWaiters: { n: number; resolve: () => void }[] = [];
  let markConfigured = () => {};
  const configured = new Promise<void>((resolve) => (markConfigured = resolve));
  const h: Harness = {
    client,
    server,
    sim,
    applied: [],
    messages: [],
    logs: [],
    progress: [],
    statuses: [],
    docs,
    configured,
    root,
    uri: (relative) => `${root}/${relative.split('/').map(encodeURIComponent).join('/')}`,
    registrations: [],
    open(uri, text, languageId = 'typescript') {
      docs.set(uri, TextDocument.create(uri, languageId, 1, text));
      void client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    change(uri, text) {
      const doc = docs.get(uri);
      if (!doc) throw new Error(`not open: ${uri}`);
      TextDocument.update(doc, [{ text }], doc.version + 1);
      void client.sendNotification('textDocument/didChange', { textDocument: { uri, version: doc.version }, contentChanges: [{ text }] });
    },
    text(uri) {
      const doc = docs.get(uri);
      if (!doc) throw new Error(`not open: ${uri}`);
      return doc.getText();
    },
    requests: () => sim.stats.creates.filter(generates),
    async waitForRequests(n) {
      while (h.requests().length < n) await sim.waitForCreates(sim.stats.creates.length + 1);
    },
    waitForMessages(n) {
      if (h.messages.length >= n) return Promise.resolve(h.messages.slice());
      return new Promise((resolve) => messageWaiters.push({ n, resolve: () => resolve(h.messages.slice()) }));
    },
    async close() {
      client.dispose();
      server.dispose();
      serverConnection.dispose();
      toServer.destroy();
      toClient.destroy();
      await sim.close();
    },
  };

  client.onNotification(ShowMessageNotification.type, (p) => {
    h.messages.push(p);
    for (const w of messageWaiters.splice(0)) {
      if (h.messages.length >= w.n) w.resolve();
      else messageWaiters.push(w);
    }
  });
  client.onNotification(LogMessageNotification.type, (p) => {
    h.logs.push(p);
  });
  client.onNotification(STATUS_NOTIFICATION, (p: StatusReport) => {
    h.statuses.push(p);
  });
  client.onNotification('$/progress', (p) => {
    h.progress.push(p);
  });
  client.onRequest(WorkDoneProgressCreateRequest.type, () => {});
  client.onRequest(RegistrationRequest.type, (p) => {
    h.registrations.push(...p.registrations);
  });
  client.onRequest(ConfigurationRequest.type, (p) => {
    setImmediate(markConfigured);
    return p.items.map(() => options.settings ?? null);
  });
  client.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
    h.applied.push(params);
    return options.onApplyEdit?.(params, h) ?? applyAsEditor(docs, params.edit, options.workspaceDir !== undefined, (uri, version) => {
      void client.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ text: docs.get(uri)?.getText() ?? '' }],
      });
    });
  });
  client.listen();

  await client.sendRequest(InitializeRequest.type, {
    processId: null,
    rootUri: root,
    capabilities: options.capabilities ?? FULL_CAPABILITIES,
    initializationOptions: options.reviews ? options.initializationOptions : withoutReviews(options.initializationOptions),
    workspaceFolders: [{ uri: root, name: 'work' }],
  });
  await client.sendNotification('initialized', {});
  return h;
}

/** initializationOptions (the section, or `{ spark: section }`) with spark.review.enabled false underneath. */
function withoutReviews(options: unknown): unknown {
  const off = { review: { enabled: false } };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return off;
  const o = options as Record<string, unknown>;
  if (o['spark'] !== null && typeof o['spark'] === 'object') return { ...o, spark: { ...off, ...(o['spark'] as object) } };
  return { ...off, ...o };
}

/**
 * Applies a WorkspaceEdit as a spec-following editor does: open documents in `docs` (versions checked), and with
 * `disk`, files that are not open and resource operations on the file system. Every change is tried on a copy
 * first; the edit applies whole or not at all (failureHandling "transactional").
 */
export function applyAsEditor(
  docs: Map<string, TextDocument>,
  edit: WorkspaceEdit,
  disk: boolean,
  changed: (uri: string, version: number) => void,
): ApplyWorkspaceEditResult {
  /** The would-be content of each file touched on disk (undefined: deleted or absent). */
  const files = new Map<string, string | undefined>();
  const onDisk = (uri: string): string | undefined => {
    if (files.has(uri)) return files.get(uri);
    const path = fileURLToPath(uri);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  const texts = new Map<string, string>();
  const fail = (i: number, failureReason: string): ApplyWorkspaceEditResult => ({ applied: false, failureReason, failedChange: i });
  const changes = [
    ...(edit.documentChanges ?? []),
    ...Object.entries(edit.changes ?? {}).map(([uri, edits]) => ({ textDocument: { uri, version: null }, edits })),
  ];
  for (const [i, dc] of changes.entries()) {
    if ('kind' in dc) {
      if (!disk) return fail(i, 'resource operations are not supported here');
      const uri = dc.kind === 'rename' ? dc.oldUri : dc.uri;
      if (docs.has(uri)) return fail(i, `${uri} is open; this client does not ${dc.kind} open files`);
      const exists = onDisk(uri) !== undefined;
      if (dc.kind === 'create') {
        if (exists && !dc.options?.overwrite) {
          if (dc.options?.ignoreIfExists) continue;
          return fail(i, `${uri} already exists`);
        }
        files.set(uri, '');
      } else if (dc.kind === 'delete') {
        if (!exists) {
          if (dc.options?.ignoreIfNotExists) continue;
          return fail(i, `${uri} does not exist`);
        }
        files.set(uri, undefined);
      } else {
        if (!exists) return fail(i, `${dc.oldUri} does not exist`);
        if (onDisk(dc.newUri) !== undefined && !dc.options?.overwrite) {
          if (dc.options?.ignoreIfExists) continue;
          return fail(i, `${dc.newUri} already exists`);
        }
        files.set(dc.newUri, onDisk(dc.oldUri));
        files.set(dc.oldUri, undefined);
      }
      continue;
    }
    const { uri, version } = dc.textDocument;
    const doc = docs.get(uri);
    if (doc) {
      if (version !== null && version !== doc.version) return fail(i, `version ${version} but the document is at ${doc.version}`);
      const base = texts.get(uri) ?? doc.getText();
      texts.set(uri, TextDocument.applyEdits(TextDocument.create(uri, doc.languageId, doc.version, base), dc.edits as TextEdit[]));
      continue;
    }
    const text = disk ? onDisk(uri) : undefined;
    if (text === undefined) return fail(i, `unknown document ${uri}`);
    files.set(uri, TextDocument.applyEdits(TextDocument.create(uri, 'text', 0, text), dc.edits as TextEdit[]));
  }
  for (const [uri, text] of files) {
    const path = fileURLToPath(uri);
    if (text === undefined) rmSync(path, { force: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
  }
  for (const [uri, text] of texts) {
    const doc = docs.get(uri)!;
    TextDocument.update(doc, [{ text }], doc.version + 1);
    changed(uri, doc.version);
  }
  return { applied: true };
}

/** The position just after the first occurrence of `needle` (or at its start with `at: 'start'`). */
export function positionOf(text: string, needle: string, at: 'start' | 'end' = 'end') {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`${JSON.stringify(needle)} not found`);
  const doc = TextDocument.create('file:///x', 'x', 0, text);
  return doc.positionAt(at === 'end' ? index + needle.length : index);
}
