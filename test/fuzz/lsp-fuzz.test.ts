// Property-based fuzzing of the LSP surface: generated and mutated messages for every method the server
// handles, sent through a real client to the in-process server (answers from spark-sim). Properties: every
// request is answered (result or error) within a bound; the server stays usable; memory stays bounded; forged
// resolve data and command arguments never yield an edit for a document other than the one named, nor an
// applied edit outside open documents; nothing pollutes Object.prototype.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { CodeActionRequest, CompletionRequest, type CodeAction, type CompletionList, type WorkspaceEdit } from 'vscode-languageserver-protocol/node';
import { startHarness, type Harness } from '../support/lsp-harness.js';

/** The bulk phase sends at least this many messages (requests and notifications) per run. */
const MESSAGES = 10_000;
/** A request not answered within this long is a hang (the server's own deadlines are far shorter). */
const ANSWER_BOUND_MS = 15_000;
/**
 * Stated bounds on heap growth over the run. With an exposed gc (node --expose-gc) the live heap is measured
 * after a collection: at most 64 MB more than before (about 25 MB is typical). Without it heapUsed also holds
 * garbage V8 has not collected yet, so only a loose bound applies: 512 MB (about 200 MB is typical).
 */
const HEAP_BOUND_BYTES = (globalThis as { gc?: unknown }).gc ? 64 * 1024 * 1024 : 512 * 1024 * 1024;

const DOCS: Record<string, string> = {
  'file:///work/src/a.ts': 'export function add(a: number, b: number) {\n  return a +\n}\n// spark: make it generic\nconst x = 1;\n',
  // Lone surrogates and a pair split by positions in the middle of it.
  'file:///work/src/surrogates.ts': 'const s = "\uD800";\nconst t = "x\uDC00y";\nconst smile = "\uD83D\uDE00";\n\uDBFF\n',
  'file:///work/src/crlf.py': 'def f():\r\n    return 1\r\n\r\n',
};
const OPEN = Object.keys(DOCS);
const OTHER_URIS = [
  'file:///work/src/never-opened.ts',
  'file:///etc/passwd',
  'file:///outside/workspace.ts',
  'file:///work/../etc/shadow',
  'file:///work/.env',
  'untitled:Untitled-1',
  'not a uri',
  '',
  'file:///work/src/a.ts#fragment',
  'FILE:///WORK/SRC/A.TS',
];
const LONE = ['\uD800', '\uDFFF', 'a\uDC00b', '\uDBFF\uDBFF', '\uD83D'];
const HUGE = 'x'.repeat(300_000);

let h: Harness;
/** applyEdit requests the server sent, with the spark.edit arguments in flight at the time. */
const appliedEdits: { edit: WorkspaceEdit; inFlight: unknown[] }[] = [];
/** Command params in flight, with how many times each (a batch may send the very same params object twice). */
const commandsInFlight = new Map<unknown, number>();
let sent = 0;
/** The run's seed: FUZZ_SEED=n repeats a run (FUZZ_PATH=p, from a failure report, repeats only the failing case). */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const errorCodes = new Map<number, number>();
/** Requests answered with InternalError (a bug in the server): what was sent and what it said. */
const internalErrors: string[] = [];

before(async () => {
  h = await startHarness({
    settings: { completion: { timeoutMs: 2_000 }, edit: { timeoutMs: 5_000 } },
    // Record and refuse: the client's copies are not kept in step with the fuzzed documents.
    onApplyEdit: (params) => {
      appliedEdits.push({ edit: params.edit, inFlight: [...commandsInFlight.keys()] });
      return { applied: false, failureReason: 'fuzz client' };
    },
  });
  h.sim.setResponder((req) => (req.inputText.includes('You may change:') ? 'replacement();\n' : 'suggested()'));
  await h.configured;
  for (const [uri, text] of Object.entries(DOCS)) await openRaw(uri, text);
});
after(async () => h?.close());

function notify(method: string, params: unknown): Promise<void> {
  sent++;
  return h.client.sendNotification(method, params as object);
}

/** A request answered within the bound; an error answer counts as an answer. */
async function request(method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number } }> {
  sent++;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${method} was not answered within ${ANSWER_BOUND_MS} ms: ${preview(params)}`)), ANSWER_BOUND_MS);
  });
  if (method === 'workspace/executeCommand') commandsInFlight.set(params, (commandsInFlight.get(params) ?? 0) + 1);
  try {
    const result = await Promise.race([h.client.sendRequest(method, params as object), bound]);
    return { result };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'number') throw e;
    errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
    if (code === -32603) internalErrors.push(`${method}: ${(e as Error).message}: ${preview(params)}`);
    return { error: { code } };
  } finally {
    clearTimeout(timer);
    const left = (commandsInFlight.get(params) ?? 1) - 1;
    if (left > 0) commandsInFlight.set(params, left);
    else commandsInFlight.delete(params);
  }
}

const preview = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

async function openRaw(uri: string, text: string, version = 1): Promise<void> {
  await notify('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version, text } });
}

/** Any request answered at once makes sure earlier notifications were handled. */
async function flush(): Promise<void> {
  await request('workspace/executeCommand', { command: 'spark.unknown', arguments: [] });
}

// ---- arbitraries ---------------------------------------------------------------------------------

const uriArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...OPEN) }, fc.constantFrom(...OTHER_URIS), fc.webUrl(), fc.string({ unit: 'binary', maxLength: 20 }));
const intArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -3, max: 12 }) },
  fc.constantFrom(-1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, 1e300, 0.5, -0),
  fc.double({ noNaN: true }),
  fc.constant(null),
  fc.string({ maxLength: 3 }),
);
const positionArb = fc.oneof({ weight: 4, arbitrary: fc.record({ line: intArb, character: intArb }) }, fc.jsonValue({ maxDepth: 2 }));
const rangeArb = fc.oneof({ weight: 4, arbitrary: fc.record({ start: positionArb, end: positionArb }) }, fc.jsonValue({ maxDepth: 2 }));
const textArb = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  fc.constantFrom(...LONE),
  fc.constantFrom('', ' ', '\n', '\r\n', '// spark: do it\n', HUGE),
);
/** JSON with prototype-pollution keys (JSON.parse makes them own properties, as the wire does). */
const pollutedArb = fc
  .constantFrom(
    '{"__proto__": {"polluted": true}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '{"uri": "file:///work/src/a.ts", "__proto__": {"uri": "file:///etc/passwd", "polluted": true}}',
  )
  .map((json): unknown => JSON.parse(json));
const junkArb = fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, pollutedArb, textArb);

const diagnosticArb = fc.record(
  { range: rangeArb, message: fc.oneof(textArb, fc.record({ kind: fc.constantFrom('markdown', 'plaintext', 'x'), value: textArb }), junkArb), severity: fc.oneof(intArb, junkArb), source: fc.oneof(textArb, junkArb) },
  { requiredKeys: ['range', 'message'] },
);
const editArgArb = fc.record(
  {
    uri: fc.oneof({ weight: 3, arbitrary: uriArb }, junkArb),
    range: rangeArb,
    instruction: fc.oneof({ weight: 3, arbitrary: textArb }, junkArb),
    version: fc.oneof(intArb, junkArb),
    diagnostics: fc.oneof(fc.array(fc.record({ message: textArb, line: intArb, severity: junkArb }), { maxLength: 25 }), junkArb),
    instructionLine: fc.oneof(intArb, junkArb),
  },
  { requiredKeys: [] },
);

interface Message {
  kind: 'request' | 'notification';
  method: string;
  params: unknown;
}
const req = (method: string, params: fc.Arbitrary<unknown>) => params.map((p): Message => ({ kind: 'request', method, params: p }));
const note = (method: string, params: fc.Arbitrary<unknown>) => params.map((p): Message => ({ kind: 'notification', method, params: p }));

const generatedArb: fc.Arbitrary<Message> = fc.oneof(
  req('textDocument/completion', fc.oneof({ weight: 4, arbitrary: fc.record({ textDocument: fc.record({ uri: uriArb }), position: positionArb, context: junkArb }, { requiredKeys: ['textDocument', 'position'] }) }, junkArb)),
  req('textDocument/inlineCompletion', fc.oneof({ weight: 4, arbitrary: fc.record({ textDocument: fc.record({ uri: uriArb }), position: positionArb, context: fc.oneof(fc.record({ triggerKind: intArb }), junkArb) }) }, junkArb)),
  req('textDocument/codeAction', fc.oneof({ weight: 4, arbitrary: fc.record({ textDocument: fc.record({ uri: uriArb }), range: rangeArb, context: fc.oneof(fc.record({ diagnostics: fc.array(diagnosticArb, { maxLength: 8 }), only: fc.oneof(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), junkArb) }, { requiredKeys: ['diagnostics'] }), junkArb) }) }, junkArb)),
  req('codeAction/resolve', fc.oneof(fc.record({ title: textArb, kind: junkArb, data: fc.oneof(fc.record({ spark: fc.oneof(fc.constant(1), junkArb), uri: uriArb, range: rangeArb, instruction: textArb, version: intArb, sig: fc.oneof(fc.string({ maxLength: 64 }), junkArb) }), junkArb), edit: fc.oneof(fc.constant(undefined), junkArb) }, { requiredKeys: ['title'] }), junkArb)),
  req('workspace/executeCommand', fc.oneof({ weight: 4, arbitrary: fc.record({ command: fc.oneof({ weight: 4, arbitrary: fc.constant('spark.edit') }, fc.string({ maxLength: 20 }), junkArb), arguments: fc.oneof(fc.tuple(editArgArb), fc.array(fc.oneof(editArgArb, junkArb), { maxLength: 3 }), junkArb) }, { requiredKeys: ['command'] }) }, junkArb)),
  note('textDocument/didOpen', fc.oneof(fc.record({ textDocument: fc.record({ uri: fc.oneof(uriArb, junkArb), languageId: fc.oneof(fc.constant('typescript'), junkArb), version: intArb, text: textArb }) }), junkArb)),
  note(
    'textDocument/didChange',
    fc.oneof(
      { weight: 4, arbitrary: fc.record({ textDocument: fc.record({ uri: uriArb, version: intArb }), contentChanges: fc.array(fc.oneof(fc.record({ range: rangeArb, text: textArb }), fc.record({ text: textArb }), junkArb), { maxLength: 3 }) }) },
      junkArb,
    ),
  ),
  note('textDocument/didClose', fc.oneof(fc.record({ textDocument: fc.record({ uri: fc.oneof(uriArb, junkArb) }) }), junkArb)),
  fc.tuple(fc.constantFrom('textDocument/hover', 'spark/unknown', 'workspace/symbol'), junkArb).map(([method, params]): Message => ({ kind: 'request', method, params })),
);

// ---- mutation of valid messages -----------------------------------------------------------------

type Path = (string | number)[];
function leaves(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) leaves(child, [...path, Array.isArray(v) ? Number(k) : k], out);
  return out;
}
type Op = { op: 'replace'; value: unknown } | { op: 'delete' } | { op: 'pollute'; value: unknown } | { op: 'retarget'; uri: string };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), value: junkArb }),
  fc.record({ op: fc.constant('delete' as const) }),
  fc.record({ op: fc.constant('pollute' as const), value: pollutedArb }),
  fc.record({ op: fc.constant('retarget' as const), uri: fc.oneof(fc.constantFrom(...OPEN), fc.constantFrom(...OTHER_URIS)) }),
);

function mutate<T>(value: T, mutations: [number, Op][]): T {
  let root: unknown = structuredClone(value);
  for (const [pick, m] of mutations) {
    const paths = leaves(root);
    const path = paths[pick % paths.length]!;
    if (m.op === 'retarget') {
      // Point every uri at another document (the forged "other file" case).
      const retarget = (v: unknown): void => {
        if (!v || typeof v !== 'object') return;
        for (const [k, child] of Object.entries(v)) {
          if (k === 'uri' && typeof child === 'string') (v as Record<string, unknown>)[k] = m.uri;
          else retarget(child);
        }
      };
      retarget(root);
      continue;
    }
    if (path.length === 0) {
      root = m.op === 'delete' ? null : m.value;
      continue;
    }
    // Own properties only (a `__proto__` key is an own data property here, as on the wire).
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? Object.getOwnPropertyDescriptor(o, k)?.value : undefined), root) as Record<string | number, unknown>;
    const key = path.at(-1)!;
    if (!parent || typeof parent !== 'object') continue;
    if (m.op === 'delete') delete parent[key];
    // Own data properties, as JSON.parse makes them: assigning to `__proto__` would change the prototype instead.
    else setOwn(m.op === 'replace' ? parent : Object.getOwnPropertyDescriptor(parent, key)?.value, m.op === 'replace' ? key : '__proto__', structuredClone(m.value));
  }
  return root as T;
}

/** fc.assert with a short report: the cause and a preview of the counterexample (documents can be huge). */
async function check<T>(property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  const details = await fc.check(property, params);
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  assert.fail(`property failed (seed ${details.seed}, path ${details.counterexamplePath}): ${cause}\ncounterexample: ${preview(details.counterexample)}`);
}

function setOwn(target: unknown, key: string | number, value: unknown): void {
  if (!target || typeof target !== 'object') return;
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- properties ----------------------------------------------------------------------------------

function editUris(edit: WorkspaceEdit): string[] {
  const uris = new Set<string>(Object.keys(edit.changes ?? {}));
  for (const dc of edit.documentChanges ?? []) uris.add('textDocument' in dc ? dc.textDocument.uri : 'kind' in dc ? JSON.stringify(dc) : '?');
  return [...uris];
}

/** What the server issued in code action `data`, by signature: resolve may only ever edit that uri. */
const issued = new Map<string, { uri: string }>();

async function listIssued(): Promise<CodeAction[]> {
  const actions: CodeAction[] = [];
  for (const uri of OPEN) {
    const listed = (await request('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } },
      context: { diagnostics: [{ range: { start: { line: 1, character: 2 }, end: { line: 1, character: 4 } }, message: 'oops' }] },
    })).result as CodeAction[] | undefined;
    for (const a of listed ?? []) {
      const data = a.data as { sig?: string; uri: string } | undefined;
      if (data?.sig) issued.set(data.sig, { uri: data.uri });
      actions.push(a);
    }
  }
  return actions;
}

async function send(m: Message): Promise<void> {
  if (m.kind === 'notification') return notify(m.method, m.params);
  const answer = await request(m.method, m.params);
  if (m.method === 'codeAction/resolve' && answer.result && typeof answer.result === 'object') {
    const resolved = answer.result as CodeAction;
    const sentEdit = (m.params as CodeAction | undefined)?.edit;
    if (resolved.edit && resolved.edit !== sentEdit && JSON.stringify(resolved.edit) !== JSON.stringify(sentEdit)) {
      const data = (m.params as { data?: { sig?: unknown; uri?: unknown } }).data;
      const origin = typeof data?.sig === 'string' ? issued.get(data.sig) : undefined;
      assert.ok(origin, `resolve produced an edit from data the server never issued: ${preview(m.params)}`);
      assert.deepEqual(editUris(resolved.edit), [origin.uri], 'a resolved edit only touches the document its data named');
      assert.equal(data?.uri, origin.uri);
    }
  }
}

test(`fuzz: ${MESSAGES}+ generated and mutated messages; every request answered, the server usable, memory bounded`, { timeout: 120_000 }, async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  // Printed first, so that a run that never finishes can still be repeated.
  process.stderr.write(`fuzz seed ${SEED} (FUZZ_SEED=${SEED} repeats this run)\n`);
  const startedAt = Date.now();

  // The 10 MB document: opened, asked about at its start, middle and past its end, changed, closed.
  const bigUri = 'file:///work/src/big.ts';
  const line = 'const value = compute(1, 2, 3); // padding to make a large file......\n';
  const big = line.repeat(Math.ceil((10 * 1024 * 1024) / line.length));
  await openRaw(bigUri, big);
  const bigLines = big.length / line.length;
  for (const position of [{ line: 0, character: 5 }, { line: Math.floor(bigLines / 2), character: 10 }, { line: bigLines + 10, character: 0 }, { line: 3, character: 1e9 }]) {
    await request('textDocument/completion', { textDocument: { uri: bigUri }, position });
    await request('textDocument/inlineCompletion', { textDocument: { uri: bigUri }, position, context: { triggerKind: 1 } });
  }
  await request('textDocument/codeAction', { textDocument: { uri: bigUri }, range: { start: { line: 0, character: 0 }, end: { line: bigLines, character: 0 } }, context: { diagnostics: [] } });
  await request('workspace/executeCommand', { command: 'spark.edit', arguments: [{ uri: bigUri, range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, instruction: 'rename value' }] });
  await notify('textDocument/didChange', { textDocument: { uri: bigUri, version: 2 }, contentChanges: [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '\uD800' }] });
  await notify('textDocument/didClose', { textDocument: { uri: bigUri } });
  await flush();

  // Valid templates, including real code actions with server-issued data, to mutate.
  const actions = await listIssued();
  assert.ok(actions.some((a) => a.data), 'the server offered resolvable actions');
  const templates: Message[] = [
    { kind: 'request', method: 'textDocument/completion', params: { textDocument: { uri: OPEN[0] }, position: { line: 1, character: 12 } } },
    { kind: 'request', method: 'textDocument/inlineCompletion', params: { textDocument: { uri: OPEN[1] }, position: { line: 2, character: 16 }, context: { triggerKind: 1 } } },
    { kind: 'request', method: 'textDocument/codeAction', params: { textDocument: { uri: OPEN[0] }, range: { start: { line: 3, character: 0 }, end: { line: 4, character: 0 } }, context: { diagnostics: [] } } },
    ...actions.map((a): Message => ({ kind: 'request', method: 'codeAction/resolve', params: a })),
    { kind: 'request', method: 'workspace/executeCommand', params: { command: 'spark.edit', arguments: [{ uri: OPEN[0], range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, instruction: 'finish it', version: 1 }] } },
    { kind: 'notification', method: 'textDocument/didChange', params: { textDocument: { uri: OPEN[2], version: 7 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }, text: 'def' }] } },
    // Out of order: an older version after a newer one.
    { kind: 'notification', method: 'textDocument/didChange', params: { textDocument: { uri: OPEN[2], version: 3 }, contentChanges: [{ text: DOCS[OPEN[2]!]! }] } },
  ];
  const mutatedArb = fc.tuple(fc.constantFrom(...templates), fc.array(fc.tuple(fc.nat(), opArb), { minLength: 1, maxLength: 4 })).map(([t, ops]): Message => ({ ...t, params: mutate(t.params, ops) }));
  const messageArb = fc.oneof(generatedArb, mutatedArb, fc.constantFrom(...templates));

  const runs = 250;
  const batchMin = Math.ceil(MESSAGES / runs);
  await check(
    fc.asyncProperty(fc.array(messageArb, { minLength: batchMin, maxLength: batchMin + 10 }), async (batch) => {
      // Sent together, as a busy editor does; every request must still be answered.
      await Promise.all(batch.map(send));
      // Re-open the fixed documents the batch may have closed, so later batches hit open documents too.
      for (const [uri, text] of Object.entries(DOCS)) await openRaw(uri, text);
    }),
    { numRuns: runs, seed: SEED, endOnFailure: true, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) },
  );
  await flush();
  assert.ok(sent >= MESSAGES, `sent ${sent} messages`);
  assert.deepEqual(internalErrors.slice(0, 3), [], `no request ended in InternalError (FUZZ_SEED=${SEED} repeats this run)`);

  // Forged command arguments one at a time: any applied edit is for exactly the document the command named,
  // which is open.
  await check(
    fc.asyncProperty(
      fc.oneof(editArgArb, fc.tuple(fc.constantFrom(...templates.filter((t) => t.method === 'workspace/executeCommand')), fc.array(fc.tuple(fc.nat(), opArb), { minLength: 1, maxLength: 3 })).map(([t, ops]) => (mutate(t.params, ops) as { arguments?: unknown[] } | null)?.arguments?.[0])),
      async (arg) => {
        const before = appliedEdits.length;
        await request('workspace/executeCommand', { command: 'spark.edit', arguments: [arg] });
        for (const { edit } of appliedEdits.slice(before)) {
          const named = (arg as { uri?: unknown }).uri;
          assert.deepEqual(editUris(edit), [named], `an edit only for the named document: ${preview(arg)}`);
          // Open on the server: the mutated didOpen messages of the first phase may have opened more than OPEN.
          assert.ok(typeof named === 'string' && h.server.context.documents.get(named), `an applied edit only for an open document: ${String(named)}`);
        }
      },
    ),
    { numRuns: 400, seed: SEED, endOnFailure: true },
  );

  // Concurrent phase: every applied edit touched one document that an in-flight command named.
  for (const { edit, inFlight } of appliedEdits) {
    const named = inFlight.flatMap((p) => {
      const args = (p as { arguments?: unknown } | null)?.arguments;
      return Array.isArray(args) ? args.map((a) => (a as { uri?: unknown } | null)?.uri) : [];
    });
    const uris = editUris(edit);
    assert.equal(uris.length, 1, 'one document per edit');
    assert.ok(named.includes(uris[0]), `the edit's document ${uris[0]} was named by a command in flight`);
  }

  // Nothing leaked into Object.prototype from __proto__ / constructor keys.
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted');

  // The server is still usable: a normal completion succeeds.
  const freshUri = 'file:///work/src/fresh.ts';
  await openRaw(freshUri, 'function main() {\n  \n}\n');
  h.sim.setResponder(() => 'console.log("still here");');
  const list = (await h.client.sendRequest(CompletionRequest.type, { textDocument: { uri: freshUri }, position: { line: 1, character: 2 } })) as CompletionList;
  assert.equal(list.items[0]?.textEdit?.newText, 'console.log("still here");');
  const listed = (await h.client.sendRequest(CodeActionRequest.type, { textDocument: { uri: freshUri }, range: { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } }, context: { diagnostics: [] } })) as CodeAction[];
  assert.ok(listed.length > 0);

  // No request left running or queued, and memory back within the bound.
  const spark = h.server.context.spark;
  assert.ok(!(spark instanceof Error));
  const start = Date.now();
  while (spark.stats().inFlight + spark.stats().queued > 0 || h.server.context.latest.size > 0) {
    if (Date.now() - start > 10_000) assert.fail(`requests left behind: ${JSON.stringify(spark.stats())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  gc?.();
  const growth = process.memoryUsage().heapUsed - heapBefore;
  const summary = { messages: sent, ms: Date.now() - startedAt, heapGrowthMB: +(growth / 2 ** 20).toFixed(1), gc: gc !== undefined, applyEdits: appliedEdits.length, errorCodes: Object.fromEntries(errorCodes) };
  console.log(`fuzz summary: ${JSON.stringify(summary)}`);
  assert.ok(growth < HEAP_BOUND_BYTES, `heap grew by ${(growth / 2 ** 20).toFixed(1)} MB (bound ${HEAP_BOUND_BYTES / 2 ** 20} MB)`);
});
