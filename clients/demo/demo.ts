// `npm run demo`: starts spark-sim, spawns the built spark-lsp over stdio, and drives it like an editor on a
// sample file: completion, inline completion, a quickfix through codeAction/resolve, spark.edit answered with a
// patch, and the background review of that edit arriving as a diagnostic. Prints each document change and how
// long the LSP request took. The answers are scripted simulator replies.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  ApplyWorkspaceEditRequest,
  CodeActionRequest,
  CodeActionResolveRequest,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DiagnosticSeverity,
  ExecuteCommandRequest,
  InitializeRequest,
  InlineCompletionRequest,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type InlineCompletionList,
  type TextDocumentEdit,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startSim } from '../../server/sim/index.js';

const BIN = fileURLToPath(new URL('../../server/main.js', import.meta.url));
const URI = 'file:///demo/inventory.ts';
const SAMPLE = `// inventory.ts: the sample document of the spark-lsp demo
export interface Item { name: string; price: number; quantity: number }

export function totalValue(items: Item[]): number {
  let total = 0
  for (const item of items) total += item.price * item.quantity;
  return totl;
}

export function cheapest(items: Item[]): Item | undefined {
  return items.reduce
}

export function names(items: Item[]): string[] {
  
}
`;

const out = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const sim = await startSim({ port: 0, tokensPerSecond: 1000 });
  out('spark-lsp demo: the answers below come from spark-sim, the bundled simulator of the Responses');
  out(`WebSocket API at ${sim.url}, not from a model: its replies are scripted for this sample and`);
  out('streamed at 1,000 tokens/s on loopback. Latencies are LSP round trips measured by this client.');
  out('');

  const server = spawn(process.execPath, [BIN, '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OPENAI_API_KEY: 'sk-demo-simulator', OPENAI_BASE_URL: sim.url },
  });
  const conn = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  let doc = TextDocument.create(URI, 'typescript', 1, SAMPLE);
  const apply = (edits: TextEdit[]) => {
    const before = doc.getText();
    doc = TextDocument.create(URI, 'typescript', doc.version + 1, TextDocument.applyEdits(doc, edits));
    void conn.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version: doc.version }, contentChanges: [{ text: doc.getText() }] });
    printChange(before, doc.getText());
  };
  conn.onNotification(ShowMessageNotification.type, (m) => {
    out(`  [server message] ${m.message}`);
  });
  // Reviews by the larger model come back as diagnostics whose source is spark-review.
  let reviewed: (diagnostics: Diagnostic[]) => void = () => undefined;
  const review = new Promise<Diagnostic[]>((resolve) => (reviewed = resolve));
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    const found = p.diagnostics.filter((d) => d.source === 'spark-review');
    if (found.length > 0) reviewed(found);
  });
  conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => null));
  conn.onRequest(WorkDoneProgressCreateRequest.type, () => {});
  conn.onRequest(ApplyWorkspaceEditRequest.type, ({ edit }) => {
    for (const change of (edit.documentChanges ?? []) as TextDocumentEdit[]) {
      if (change.textDocument.version !== doc.version) return { applied: false, failureReason: 'version mismatch' };
      apply(change.edits as TextEdit[]);
    }
    return { applied: true };
  });
  conn.listen();

  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: 'file:///demo',
    capabilities: {
      workspace: { applyEdit: true, configuration: true, workspaceEdit: { documentChanges: true } },
      window: { workDoneProgress: true },
      textDocument: {
        completion: { completionItem: { insertReplaceSupport: true } },
        inlineCompletion: {},
        codeAction: { dataSupport: true, resolveSupport: { properties: ['edit'] } },
      },
    },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'typescript', version: 1, text: SAMPLE } });
  await sim.waitForUpgrades(1);
  // The document's warm-up (its context, sent once with generate:false) goes out when it opens; an editor's
  // first completion usually comes a moment later, so the demo waits for it as a user would.
  await sim.waitForCreates(1);

  // The review model finds nothing in the quickfix, and one thing in the patch edit below.
  sim.setReviewer((request) =>
    request.inputText.includes('add the missing semicolon')
      ? [
          {
            title: '[P2] totalValue counts items with a negative quantity',
            body: 'A returned or corrected line item (quantity < 0) lowers the total; skip it or reject it.',
            confidence_score: 0.7,
            priority: 2,
            code_location: { absolute_file_path: '/demo/inventory.ts', line_range: { start: 6, end: 6 } },
          },
        ]
      : [],
  );

  const at = (needle: string, delta = needle.length) => doc.positionAt(doc.getText().indexOf(needle) + delta);
  const timed = async <T>(title: string, run: () => Promise<T>): Promise<T> => {
    out(title);
    const started = performance.now();
    const result = await run();
    out(`     answered in ${(performance.now() - started).toFixed(1)} ms`);
    return result;
  };

  sim.enqueue('((best, item) => (best && best.price <= item.price ? best : item), undefined as Item | undefined);');
  const list = await timed('1. textDocument/completion after `items.reduce`', () =>
    conn.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position: at('items.reduce') }),
  ) as CompletionList;
  const item = list.items[0];
  if (!item?.textEdit) throw new Error('no completion came back');
  const edit = item.textEdit;
  apply([{ range: 'insert' in edit ? edit.insert : edit.range, newText: edit.newText }]);

  sim.enqueue('return items.map((item) => item.name);');
  const inline = await timed('2. textDocument/inlineCompletion in the body of names()', () =>
    conn.sendRequest(InlineCompletionRequest.type, { textDocument: { uri: URI }, position: at('string[] {\n  '), context: { triggerKind: 1 } }),
  ) as InlineCompletionList;
  const ghost = inline.items[0];
  if (!ghost?.range) throw new Error('no inline completion came back');
  apply([{ range: ghost.range, newText: String(ghost.insertText) }]);

  const typo = { start: at('totl', 0), end: at('totl') };
  const actions = await timed('3. textDocument/codeAction on a diagnostic (listed without a model call)', () =>
    conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: URI },
      range: typo,
      context: { diagnostics: [{ range: typo, message: "Cannot find name 'totl'. Did you mean 'total'?", severity: DiagnosticSeverity.Error, source: 'ts' }] },
    }),
  ) as CodeAction[];
  for (const a of actions) out(`     offered: ${a.title}`);
  sim.enqueue('```ts\n  return total;\n```');
  const resolved = await timed(`   codeAction/resolve "${actions[0]?.title}"`, () => conn.sendRequest(CodeActionResolveRequest.type, actions[0]!)) as CodeAction;
  for (const change of (resolved.edit?.documentChanges ?? []) as TextDocumentEdit[]) apply(change.edits as TextEdit[]);

  // The model answers an edit with a patch (the apply_patch tool): only the changed line and a little context.
  sim.enqueue({ toolInput: '*** Begin Patch\n*** Update File: inventory.ts\n@@\n-  let total = 0\n+  let total = 0;\n*** End Patch\n' });
  const result = await timed('4. workspace/executeCommand spark.edit "add the missing semicolon" (answered with a patch)', () =>
    conn.sendRequest(ExecuteCommandRequest.type, {
      command: 'spark.edit',
      arguments: [{ uri: URI, range: { start: at('  let total', 0), end: at('let total = 0\n') }, instruction: 'add the missing semicolon' }],
    }),
  );
  out(`     result: ${JSON.stringify(result)}`);
  const findings = await timed('5. background review of that edit by gpt-5.3-codex (publishDiagnostics)', () =>
    Promise.race([review, new Promise<Diagnostic[]>((_, reject) => setTimeout(() => reject(new Error('no review finding within 10 s')), 10_000).unref())]),
  );
  for (const d of findings) out(`     line ${d.range.start.line + 1}: ${d.message}`);

  out('');
  const warmUps = sim.stats.creates.filter((c) => c.body.generate === false);
  const requests = sim.stats.creates.filter((c) => c.body.generate !== false);
  const chained = requests.filter((c) => c.body.previous_response_id !== undefined);
  // Edits declare the apply_patch tool; completions declare none.
  const completions = requests.filter((c) => c.body.tools === undefined && c.body.model !== 'gpt-5.3-codex');
  const unchained = completions.length - chained.length;
  out(`Connections: ${sim.stats.upgradesAccepted} WebSocket upgrade(s), opened at initialize, carried ${requests.length} model requests (reviews included)`);
  out(`and ${warmUps.length} warm-up(s) of the document (${warmUps.map((c) => c.bytes).join(', ')} bytes). ${chained.length} completion(s) chained from`);
  out(`the warm context and sent only the lines around the cursor (${chained.map((c) => c.bytes).join(', ') || 'none'} bytes); ${unchained} sent before`);
  out('the warm-up was ready carried the full prompt. On a file this small both are about the same size; test/bench measures a large one.');
  out('Final document:');
  for (const line of doc.getText().trimEnd().split('\n')) out(`  | ${line}`);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  conn.dispose();
  await sim.close();
}

/** Prints the lines that differ between two texts, as - and + lines. */
function printChange(before: string, after: string): void {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA--;
    endB--;
  }
  for (const line of a.slice(start, endA + 1)) out(`     - ${line}`);
  for (const line of b.slice(start, endB + 1)) out(`     + ${line}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
