// Soak: the built spark-lsp over stdio, simulated typing against spark-sim for 10 minutes (`--minutes N`,
// `--quick` = 1 minute), with a fault injected every 30 s. Checks that every request is answered, that the
// server's resident memory grows less than 10% after warm-up, and that open sockets stay bounded.
// Writes test/bench/results/soak.json. Run: node --import tsx test/bench/soak.ts [--minutes N | --quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CancellationTokenSource, CompletionRequest, ExecuteCommandRequest, InitializeRequest } from 'vscode-languageserver-protocol/node';
import { startSim } from '../../server/sim/index.js';
import type { SimFault } from '../../server/sim/api.js';
import { spawnServer } from '../support/stdio-server.js';
import { machine, rssOf } from './support.js';

const args = process.argv.slice(2);
const minutes = args.includes('--quick') ? 1 : Number(args[args.indexOf('--minutes') + 1] ?? 10) || 10;
const DURATION_MS = minutes * 60_000;
const FAULT_EVERY_MS = 30_000;
const KEYSTROKE_MS = 100; // 10 keystrokes per second
const EDIT_EVERY = 50; // one spark.edit per 50 keystrokes
const SAMPLE_MS = 5_000;

const FAULTS: SimFault[] = [
  { kind: 'close', code: 1006, afterDeltas: 2 },
  { kind: 'error', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 1 },
  { kind: 'close', code: 1011, afterDeltas: 1 },
  { kind: 'failed', code: 'server_error' },
  { kind: 'malformed', afterDeltas: 1 },
  { kind: 'connection-limit' },
  { kind: 'stall', afterDeltas: 1 },
  { kind: 'error', status: 500, code: 'server_error' },
  { kind: 'incomplete', afterDeltas: 2 },
  { kind: 'sparse' },
  { kind: 'bad-shape', afterDeltas: 1 },
  { kind: 'upgrade-status', status: 503, times: 2 },
];

async function main(): Promise<void> {
  const sim = await startSim({ tokensPerSecond: 1000, firstTokenMs: 5 });
  sim.setResponder((req) => `value${req.index % 97} + ${'1 + '.repeat(req.index % 20)}0;`);
  const server = spawnServer(['--stdio'], { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-soak', OPENAI_BASE_URL: sim.url });
  const pid = server.pid;
  const uri = 'file:///soak/typing.ts';
  await server.conn.sendRequest(InitializeRequest.type, {
    processId: null,
    rootUri: 'file:///soak',
    capabilities: { workspace: { applyEdit: true, workspaceEdit: { documentChanges: true } } },
    initializationOptions: { spark: { completion: { timeoutMs: 2_000 }, edit: { timeoutMs: 5_000 } } },
  });
  await server.conn.sendNotification('initialized', {});
  server.conn.onRequest('workspace/applyEdit', () => ({ applied: false, failureReason: 'the soak client does not apply edits' }));
  let version = 1;
  let text = 'export const total = ';
  await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version, text } });

  let sent = 0;
  let answered = 0;
  let errors = 0;
  let withSuggestion = 0;
  let maxSockets = 0;
  let faultIndex = 0;
  const faultsInjected: string[] = [];
  const samples: { t: number; rss: number; openConnections: number; inFlight: number }[] = [];
  const started = Date.now();
  let previous: CancellationTokenSource | undefined;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    sent++;
    const done = p.then(
      (r) => {
        answered++;
        if (r && typeof r === 'object' && 'items' in r && (r as { items: unknown[] }).items.length > 0) withSuggestion++;
      },
      () => {
        answered++;
        errors++;
      },
    );
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  let keystrokes = 0;
  const typing = setInterval(() => {
    keystrokes++;
    // Type a character; every 200 keystrokes start a fresh line so the document stays small.
    text = keystrokes % 200 === 0 ? `${text}\nexport const next${keystrokes} = ` : `${text}${'abcdefghij'[keystrokes % 10]}`;
    version++;
    void server.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    previous?.cancel(); // as Neovim does: the superseded request is cancelled
    previous = new CancellationTokenSource();
    const lines = text.split('\n');
    const position = { line: lines.length - 1, character: lines.at(-1)!.length };
    track(server.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }, previous.token));
    if (keystrokes % EDIT_EVERY === 0) {
      track(
        server.conn.sendRequest(ExecuteCommandRequest.type, {
          command: 'spark.edit',
          arguments: [{ uri, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } }, instruction: 'keep it' }],
        }),
      );
    }
  }, KEYSTROKE_MS);
  const faults = setInterval(() => {
    const fault = FAULTS[faultIndex++ % FAULTS.length]!;
    faultsInjected.push(JSON.stringify(fault));
    sim.inject(fault);
  }, FAULT_EVERY_MS);
  const sampler = setInterval(() => {
    maxSockets = Math.max(maxSockets, sim.stats.openConnections);
    samples.push({ t: Date.now() - started, rss: rssOf(pid) ?? 0, openConnections: sim.stats.openConnections, inFlight: sim.stats.inFlight });
    process.stderr.write(`soak: ${Math.round((Date.now() - started) / 1000)} s, ${sent} requests, ${answered} answered, rss ${(samples.at(-1)!.rss / 2 ** 20).toFixed(1)} MiB\n`);
  }, SAMPLE_MS);

  await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
  clearInterval(typing);
  clearInterval(faults);
  clearInterval(sampler);
  previous?.cancel();
  await Promise.race([Promise.all([...pending]), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  const unanswered = sent - answered;
  const baseline = samples.find((s) => s.t >= Math.min(60_000, DURATION_MS / 4)) ?? samples[0]!;
  const last = samples.at(-1)!;
  const growth = (last.rss - baseline.rss) / baseline.rss;
  const exitCode = await server.stop();
  await sim.close();

  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    parameters: { minutes, keystrokeMs: KEYSTROKE_MS, editEvery: EDIT_EVERY, faultEveryMs: FAULT_EVERY_MS, sim: { tokensPerSecond: 1000, firstTokenMs: 5 } },
    requests: { sent, answered, unanswered, errors, withSuggestion, modelRequests: sim.stats.creates.length },
    faultsInjected,
    memory: { baselineAt_s: baseline.t / 1000, baselineRssMiB: baseline.rss / 2 ** 20, endRssMiB: last.rss / 2 ** 20, growth },
    sockets: { maxOpenConnections: maxSockets },
    exitCode,
    verdict: { allAnswered: unanswered === 0, memoryGrowthUnder10pct: growth < 0.1, socketsBounded: maxSockets <= 4 },
    samples,
  };
  const out = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}soak.json`, JSON.stringify(result, null, 2) + '\n');
  const row = (k: string, v: string) => process.stdout.write(`| ${k.padEnd(34)} | ${v.padEnd(30)} |\n`);
  process.stdout.write(`\nSoak: ${minutes} min of typing at 10 keystrokes/s with a fault every 30 s\n\n`);
  row('requests sent / answered', `${sent} / ${answered}`);
  row('unanswered', String(unanswered));
  row('answered with an error', String(errors));
  row('completions with a suggestion', String(withSuggestion));
  row('model requests (incl. warm-ups)', String(sim.stats.creates.length));
  row('faults injected', String(faultsInjected.length));
  row('RSS after warm-up → end (MiB)', `${result.memory.baselineRssMiB.toFixed(1)} → ${result.memory.endRssMiB.toFixed(1)} (${(growth * 100).toFixed(1)}%)`);
  row('max open WebSockets', String(maxSockets));
  row('server exit code', String(exitCode));
  process.stdout.write(`\nwrote ${out}soak.json\n`);
  if (unanswered !== 0 || exitCode !== 0) process.exitCode = 1;
}

void main();
