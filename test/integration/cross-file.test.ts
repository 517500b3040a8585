// Cross-file context end to end: a real LSP client, the in-process server with a real temporary directory as
// its workspace folder, and spark-sim recording what reaches the model (warm-ups and the completions that
// chain from them). No fixed sleeps: every wait is for an event.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { CompletionRequest, FileChangeType } from 'vscode-languageserver-protocol/node';
import type { RecordedCreate } from '../../server/sim/api.js';
import { FULL_CAPABILITIES, positionOf, startHarness, until, type Harness, type HarnessOptions } from '../support/lsp-harness.js';
import { tmpTree, type TmpTree } from '../support/tmp-tree.js';

let h: Harness | undefined;
let tree: TmpTree | undefined;
afterEach(async () => {
  await h?.close();
  await tree?.cleanup();
  h = undefined;
  tree = undefined;
});

const UTIL = [
  '/** Formats an amount of cents for display. */',
  'export function formatPrice(cents: number, currency: string): string {',
  '  const units = Math.floor(cents / 100);',
  '  return `${currency} ${units}.${String(cents % 100).padStart(2, "0")}`;',
  '}',
  '',
  'export interface Basket {',
  '  items: { sku: string; cents: number }[];',
  '}',
  '',
].join('\n');

/** A client that watches files for the server when asked to (dynamic registration). */
const WATCHING = { ...FULL_CAPABILITIES, workspace: { ...FULL_CAPABILITIES.workspace, didChangeWatchedFiles: { dynamicRegistration: true } } };

const APP = ["import { formatPrice, type Basket } from './util.js';", '', 'export function total(b: Basket): string {', '  return ', '}', ''].join('\n');

async function start(files: Record<string, string>, options: HarnessOptions = {}): Promise<Harness> {
  tree = await tmpTree(files);
  h = await startHarness({ workspaceDir: tree.root, ...options });
  await h.configured;
  return h;
}

function inputOf(c: RecordedCreate | undefined): string {
  const input = c?.body['input'] as { content: { text: string }[] }[] | undefined;
  return input?.map((m) => m.content.map((p) => p.text).join('')).join('\n') ?? '';
}

/** The warm-ups (`generate: false`) sent for `uri`, in order. */
function warmUps(hh: Harness, uri: string): RecordedCreate[] {
  const key = hh.server.context.warmth.cacheKey(uri);
  return hh.sim.stats.creates.filter((c) => c.body['generate'] === false && c.body['prompt_cache_key'] === key);
}

/** Everything the model had for a create: the warm-up it chains from (as the simulator recorded it), then its own input. */
function modelInput(hh: Harness, c: RecordedCreate): string {
  const previous = c.body['previous_response_id'];
  const parent = previous === undefined ? undefined : hh.sim.stats.creates.find((p) => p.responseId === previous);
  return [inputOf(parent), inputOf(c)].filter(Boolean).join('\n');
}

async function complete(hh: Harness, uri: string, needle: string): Promise<RecordedCreate> {
  const before = hh.requests().length;
  hh.sim.enqueue('formatPrice(0, "EUR");');
  await hh.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(hh.text(uri), needle) });
  await until('the completion reached the model', () => hh.requests().length > before);
  return hh.requests().at(-1)!;
}

function sparkStats(hh: Harness) {
  const spark = hh.server.context.spark;
  assert.ok(!(spark instanceof Error), 'a Spark client');
  return spark.stats();
}

test('a declaration from a file that is not open reaches the model in the warm-up the completion chains from', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP });
  const app = hh.uri('src/app.ts');
  hh.open(app, APP);
  await until('the warm-up of app.ts carries formatPrice', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(cents: number, currency: string): string')), 10_000);
  const warm = inputOf(warmUps(hh, app).at(-1));
  assert.match(warm, /Declarations from other files of the workspace/);
  assert.match(warm, /File: src\/util\.ts/, 'paths relative to the workspace folder');
  assert.match(warm, /export interface Basket \{\n {2}items: \{ sku: string; cents: number \}\[\];/, 'interface bodies are kept');
  assert.doesNotMatch(warm, /Math\.floor/, 'function bodies are not');
  assert.ok(warm.indexOf('formatPrice(cents') < warm.indexOf('export function total'), 'the cross-file context comes before the document');

  await until('the warm-up is ready', () => sparkStats(hh).warmContexts === 1);
  const create = await complete(hh, app, '  return ');
  assert.equal(typeof create.body['previous_response_id'], 'string', 'the completion chains from the warm-up');
  assert.doesNotMatch(inputOf(create), /Declarations from other files/, 'the chained request does not repeat the stable part');
  assert.match(modelInput(hh, create), /export function formatPrice\(cents: number, currency: string\): string/);
});

test('the unsaved buffer of an open file wins over its text on disk', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP });
  const util = hh.uri('src/util.ts');
  const app = hh.uri('src/app.ts');
  hh.open(util, UTIL.replace('formatPrice(cents: number, currency: string)', 'formatPrice(amount: bigint, locale: Intl.Locale)'));
  hh.open(app, APP);
  await until('the warm-up of app.ts carries the buffer’s formatPrice', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(amount: bigint, locale: Intl.Locale)')), 10_000);
  for (const w of warmUps(hh, app)) assert.doesNotMatch(inputOf(w), /formatPrice\(cents: number/, 'the disk text never reaches the model');
});

test('excluded and gitignored files never reach the model, open or not', { timeout: 20_000 }, async () => {
  const hh = await start(
    {
      '.gitignore': 'src/gen/\n',
      'src/gen/types.ts': 'export interface GeneratedShape { leakedGeneratedField: string }\n',
      'src/private/keys.ts': 'export const apiToken = "leakedPrivateToken";\n',
      'src/util.ts': UTIL,
      'src/app.ts': "import { GeneratedShape } from './gen/types';\nimport { apiToken } from './private/keys';\n" + APP,
    },
    { settings: { exclude: ['src/private/**'] } },
  );
  const app = hh.uri('src/app.ts');
  const generated = hh.uri('src/gen/types.ts');
  hh.open(generated, 'export interface GeneratedShape { leakedGeneratedField: string; leakedBufferField: number }\n');
  hh.open(app, "import { GeneratedShape } from './gen/types';\nimport { apiToken } from './private/keys';\n" + APP);
  await until('the warm-up of app.ts carries what it may', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(cents')), 10_000);
  await until('the warm-up is ready', () => sparkStats(hh).warmContexts >= 1);
  await complete(hh, app, '  return ');
  // The ignored file open in the editor is completed as itself (it is not excluded), but never shown to another file.
  const ownKey = hh.server.context.warmth.cacheKey(generated);
  const others = hh.sim.stats.creates.filter((c) => c.body['prompt_cache_key'] !== ownKey);
  assert.ok(others.length >= 2, 'app.ts was warmed and completed');
  for (const c of others) {
    assert.doesNotMatch(JSON.stringify(c.body), /leakedPrivateToken|leakedGeneratedField|leakedBufferField/, 'nothing of an excluded or ignored file is sent');
  }
});

test('file events: watchers are registered, and a change to an imported file on disk re-warms the document importing it', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP }, { capabilities: WATCHING });
  const app = hh.uri('src/app.ts');
  await until('the watchers are registered', () => hh.registrations.some((r) => r.method === 'workspace/didChangeWatchedFiles'));
  const registration = hh.registrations.find((r) => r.method === 'workspace/didChangeWatchedFiles')!;
  assert.deepEqual((registration.registerOptions as { watchers: { globPattern: string }[] }).watchers.map((w) => w.globPattern), ['**/*']);
  hh.open(app, APP);
  await until('the first warm-up', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(cents')), 10_000);

  await tree!.write('src/util.ts', UTIL.replace('currency: string): string', 'currency: string, digits: number): string'));
  void hh.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: hh.uri('src/util.ts'), type: FileChangeType.Changed }] });
  await until('app.ts is warmed again with the new signature', () => warmUps(hh, app).some((w) => inputOf(w).includes('digits: number')), 10_000);

  // A file that did not exist: the import resolves once the event says it was created.
  const appWithNew = `import { parseSku } from './sku.js';\n${APP}`;
  hh.change(app, appWithNew);
  await tree!.write('src/sku.ts', 'export function parseSku(raw: string): { family: string; number: number } {\n  return { family: raw.slice(0, 2), number: Number(raw.slice(2)) };\n}\n');
  void hh.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: hh.uri('src/sku.ts'), type: FileChangeType.Created }] });
  await until('app.ts is warmed with the created file’s declaration', () => warmUps(hh, app).some((w) => inputOf(w).includes('export function parseSku(raw: string)')), 10_000);
});

test('an edit of an open imported file re-warms its importer only when the declarations change', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/lib/util.ts': UTIL, 'src/app.ts': APP.replace('./util.js', './lib/util.js') });
  const util = hh.uri('src/lib/util.ts');
  const app = hh.uri('src/app.ts');
  hh.open(util, UTIL);
  hh.open(app, APP.replace('./util.js', './lib/util.js'));
  await until('the first warm-up of app.ts', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(cents')), 10_000);
  const warmth = hh.server.context.warmth;
  await hh.server.context.crossFile.settled();

  // A change inside a function body: util.ts warms again, app.ts's context is computed again and found unchanged.
  const unchangedBefore = warmth.counts.unchanged;
  const appWarmUps = warmUps(hh, app).length;
  hh.change(util, UTIL.replace('Math.floor(cents / 100)', 'Math.trunc(cents / 100)'));
  await until('app.ts found its context unchanged', () => warmth.counts.unchanged > unchangedBefore, 10_000);
  assert.equal(warmUps(hh, app).length, appWarmUps, 'no warm-up of app.ts for a change its context does not show');

  hh.change(util, UTIL.replace('export interface Basket {', 'export interface Basket {\n  owner: string;'));
  await until('app.ts is warmed again with the new member', () => warmUps(hh, app).some((w) => inputOf(w).includes('owner: string;')), 10_000);
});

test('recent edits in other files go with a completion, after the warm-up it chains from', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP, 'docs/notes.ts': 'export const notes = [];\n' });
  const app = hh.uri('src/app.ts');
  const notes = hh.uri('docs/notes.ts');
  hh.open(notes, 'export const notes = [];\n');
  hh.open(app, APP);
  await until('the warm-up is ready', () => sparkStats(hh).warmContexts >= 2, 10_000);
  hh.change(notes, "export const notes = [];\nexport const reminder = 'ship the basket totals';\n");
  const create = await complete(hh, app, '  return ');
  assert.match(inputOf(create), /Recent edits in other files[^]*docs\/notes\.ts[^]*ship the basket totals/);
  assert.ok(inputOf(create).indexOf('ship the basket totals') < inputOf(create).indexOf('<|cursor|>'), 'least stable last: the lines around the cursor close the input');
});

test('a client that cannot register watchers gets no registration; file events it sends anyway are used', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP });
  const app = hh.uri('src/app.ts');
  hh.open(app, APP);
  await until('the first warm-up', () => warmUps(hh, app).some((w) => inputOf(w).includes('formatPrice(cents')), 10_000);
  assert.equal(hh.registrations.filter((r) => r.method === 'workspace/didChangeWatchedFiles').length, 0);

  void hh.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: 42, type: 9 }] });
  await until('the malformed notification is logged', () => hh.logs.some((l) => /malformed workspace\/didChangeWatchedFiles/.test(l.message)));
  await tree!.write('src/util.ts', UTIL.replace('export interface Basket {', 'export interface Basket {\n  coupon?: string;'));
  void hh.client.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: hh.uri('src/util.ts'), type: FileChangeType.Changed }] });
  await until('app.ts is warmed again', () => warmUps(hh, app).some((w) => inputOf(w).includes('coupon?: string;')), 10_000);
});

test('Python and Go documents get the declarations they import too', { timeout: 20_000 }, async () => {
  const hh = await start({
    'pkg/__init__.py': '',
    'pkg/models.py': 'class User:\n    """A user of the shop."""\n\n    def display_name(self, short: bool = False) -> str:\n        return self.name[:8] if short else self.name\n',
    'pkg/views.py': 'from .models import User\n\n\ndef show(u: User) -> str:\n    return \n',
    'go.mod': 'module example.com/shop\n\ngo 1.22\n',
    'store/store.go': 'package store\n\n// Item is one thing on sale.\ntype Item struct {\n\tSKU   string\n\tCents int\n}\n\nfunc Find(sku string) (*Item, error) {\n\treturn nil, nil\n}\n',
    'main.go': 'package main\n\nimport "example.com/shop/store"\n\nfunc main() {\n\tstore.Find("a")\n}\n',
  });
  const views = hh.uri('pkg/views.py');
  const main = hh.uri('main.go');
  hh.open(views, 'from .models import User\n\n\ndef show(u: User) -> str:\n    return \n', 'python');
  hh.open(main, 'package main\n\nimport "example.com/shop/store"\n\nfunc main() {\n\tstore.Find("a")\n}\n', 'go');
  await until('views.py is warmed with User', () => warmUps(hh, views).some((w) => /class User:[^]*def display_name\(self, short: bool = False\) -> str/.test(inputOf(w))), 10_000);
  assert.doesNotMatch(inputOf(warmUps(hh, views).at(-1)), /self\.name\[:8\]/, 'no method bodies');
  await until('main.go is warmed with store.Find', () => warmUps(hh, main).some((w) => /func Find\(sku string\) \(\*Item, error\)/.test(inputOf(w))), 10_000);
});

test('a tsconfig `paths` alias resolves once the server has read tsconfig.json from disk', { timeout: 20_000 }, async () => {
  const app = "import { formatPrice } from '@lib/util';\n\nexport const shown = formatPrice(100, 'EUR');\n";
  const hh = await start({
    'tsconfig.json': '{\n  // comments are allowed\n  "compilerOptions": { "baseUrl": ".", "paths": { "@lib/*": ["src/lib/*"] } }\n}\n',
    'src/lib/util.ts': UTIL,
    'src/app.ts': app,
  });
  const uri = hh.uri('src/app.ts');
  hh.open(uri, app);
  await until('app.ts is warmed with formatPrice', () => warmUps(hh, uri).some((w) => inputOf(w).includes('File: src/lib/util.ts')), 10_000);
});

test('edits of every scope carry the same cross-file context, most stable first', { timeout: 20_000 }, async () => {
  const hh = await start({ 'src/util.ts': UTIL, 'src/app.ts': APP, 'docs/notes.ts': 'export const notes = [];\n' });
  const app = hh.uri('src/app.ts');
  const notes = hh.uri('docs/notes.ts');
  hh.open(notes, 'export const notes = [];\n');
  hh.open(app, APP);
  hh.change(notes, "export const notes = [];\nexport const reminder = 'round the totals';\n");
  const scopes = [{ uri: app, instruction: 'return the formatted total' }, { uri: app, instruction: 'return it', range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } } }];
  for (const args of scopes) {
    if (hh.text(app) !== APP) hh.change(app, APP);
    const before = hh.requests().length;
    hh.sim.enqueue({ toolInput: "*** Begin Patch\n*** Update File: src/app.ts\n@@\n-  return \n+  return '';\n*** End Patch\n" });
    assert.deepEqual(await hh.client.sendRequest('workspace/executeCommand', { command: 'spark.edit', arguments: [args] }), { applied: true });
    assert.equal(hh.requests().length, before + 1);
    const input = inputOf(hh.requests().at(-1));
    assert.match(input, /Declarations from other files[^]*export function formatPrice\(cents: number, currency: string\): string/, JSON.stringify(args));
    assert.match(input, /Recent edits in other files[^]*round the totals/);
    assert.ok(input.indexOf('Declarations from other files') < input.indexOf('Recent edits in other files'));
  }
});

test('with cross-file context on, the workspace is listed from initialize on; with it off, only on first use', async () => {
  await start({ 'src/util.ts': UTIL });
  assert.equal(h!.server.context.workspaceIndex.started, true, 'the listing began before any document opened');
  const snapshot = await h!.server.context.workspaceIndex.ready();
  assert.deepEqual(snapshot.folders[0]?.files, ['src/util.ts']);
  await h!.close();
  await tree!.cleanup();

  await start({ 'src/util.ts': UTIL }, { initializationOptions: { context: { crossFileTokens: 0 } }, settings: { context: { crossFileTokens: 0 } } });
  assert.equal(h!.server.context.workspaceIndex.started, false);
});
