// 1. Server-added latency: LSP completion round trip minus the simulator's own time for the same request,
// against a zero-latency simulator (tokensPerSecond 0, no latency model). The simulator's time is measured
// with a raw WebSocket on a warm socket, sending the very frame the server sent, interleaved with the LSP
// requests. Both the built server over stdio and the in-process server over a stream pair are measured.
import { CompletionRequest, type CompletionList } from 'vscode-languageserver-protocol/node';
import { WarmSocket } from './raw.js';
import {
  barChart,
  generatingCreates,
  inProcessLsp,
  machine,
  now,
  printTable,
  round,
  stdioLsp,
  summarize,
  writeResults,
  type Bench,
  type LspUnderTest,
  type Summary,
} from './support.js';

const URI = 'file:///work/src/bench.ts';
const REPLY = 'compute(1);';
const TARGET_P50 = 0.5;
const TARGET_P99 = 2;

interface VariantResult {
  variant: string;
  requests: number;
  upstreamCreates: number;
  /** generate:false warm-ups the server sent during the measured requests. */
  warmUps: number;
  withSuggestion: number;
  lsp: Summary;
  sim: Summary;
  /** Per pair (each LSP request with the raw request next to it): LSP time minus raw time. */
  added: Summary;
}

/** A small file; each request edits the last line so that every completion goes upstream. */
function docText(i: number): string {
  return `import { compute } from './compute';\n\nexport const values = [1, 2, 3];\nconst v${i} = `;
}

async function measure(lsp: LspUnderTest, warmup: number, n: number): Promise<VariantResult> {
  lsp.sim.setResponder(() => REPLY);
  lsp.open(URI, docText(0));
  const request = async (i: number): Promise<{ ms: number; items: number }> => {
    const text = docText(i);
    lsp.change(URI, text);
    const position = { line: 3, character: text.length - text.lastIndexOf('\n') - 1 };
    const t0 = now();
    const list = (await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
    return { ms: now() - t0, items: list.items.length };
  };
  // The frame the server sends, replayed as is on a raw socket of its own.
  await request(1);
  const body = generatingCreates(lsp.sim).at(-1)!.body;
  const frame = JSON.stringify(body);
  const raw = await WarmSocket.open(lsp.sim);
  for (let i = 0; i < warmup; i++) {
    await request(i + 2);
    await raw.request(frame);
  }
  const createsBefore = lsp.sim.stats.creates.length;
  const warmUpsBefore = lsp.sim.stats.creates.length - generatingCreates(lsp.sim).length;
  const lspMs: number[] = [];
  const simMs: number[] = [];
  const added: number[] = [];
  let withSuggestion = 0;
  for (let i = 0; i < n; i++) {
    // Alternate the order so that neither side always runs right after the other.
    let l: { ms: number; items: number };
    let r: number;
    if (i % 2 === 0) {
      l = await request(warmup + i + 2);
      r = (await raw.request(frame)).total;
    } else {
      r = (await raw.request(frame)).total;
      l = await request(warmup + i + 2);
    }
    lspMs.push(l.ms);
    simMs.push(r);
    added.push(l.ms - r);
    if (l.items > 0) withSuggestion++;
  }
  const upstream = generatingCreates(lsp.sim, createsBefore).length - n; // minus the raw requests
  const warmUps = lsp.sim.stats.creates.length - generatingCreates(lsp.sim).length - warmUpsBefore;
  raw.close();
  return {
    variant: lsp.kind === 'stdio' ? 'built server over stdio (child process)' : 'in-process server over a stream pair',
    requests: n,
    upstreamCreates: upstream,
    warmUps,
    withSuggestion,
    lsp: summarize(lspMs),
    sim: summarize(simMs),
    added: summarize(added),
  };
}

export const latencyBench: Bench = {
  name: 'latency',
  title: 'Server-added latency per completion (zero-latency simulator)',
  async run({ quick }) {
    const warmup = quick ? 50 : 1000;
    const n = quick ? 150 : 3000;
    // No warm context: a chained frame (previous_response_id) replayed on the raw socket, which holds no
    // context, would be answered previous_response_not_found at once instead of with a whole response.
    const settings = { poolSize: 1, context: { warmTokens: 0 } };
    const results: VariantResult[] = [];
    for (const start of [() => stdioLsp({ sim: { tokensPerSecond: 0 }, settings }), () => inProcessLsp({ sim: { tokensPerSecond: 0 }, settings })]) {
      const lsp = await start();
      try {
        results.push(await measure(lsp, warmup, n));
      } finally {
        await lsp.close();
      }
    }
    const rows = results.flatMap((r) => [
      [r.variant, 'LSP round trip', r.lsp.p50, r.lsp.p90, r.lsp.p99, r.lsp.mean],
      ['', 'simulator alone (raw ws, warm)', r.sim.p50, r.sim.p90, r.sim.p99, r.sim.mean],
      ['', '**server-added** (pairwise difference)', r.added.p50, r.added.p90, r.added.p99, r.added.mean],
    ]);
    const table = printTable(`${this.title}, ${n} requests per variant after ${warmup} warm-up (ms)`, ['variant', 'measure', 'p50', 'p90', 'p99', 'mean'], rows);
    const verdicts = results.map(
      (r) =>
        `${r.variant}: server-added p50 ${round(r.added.p50)} ms (target ≤ ${TARGET_P50}: ${r.added.p50 <= TARGET_P50 ? 'met' : 'NOT met'}), ` +
        `p99 ${round(r.added.p99)} ms (target ≤ ${TARGET_P99}: ${r.added.p99 <= TARGET_P99 ? 'met' : 'NOT met'}); ` +
        `${r.upstreamCreates} upstream completions (+${r.warmUps} warm-ups) for ${r.requests} requests, ${r.withSuggestion} answered with a suggestion`,
    );
    for (const v of verdicts) process.stdout.write(`${v}\n`);
    const svg = barChart({
      title: 'Server-added latency per completion (ms)',
      subtitle: 'LSP round trip minus the simulator’s own time, zero-latency simulator',
      unit: 'ms',
      groups: results.flatMap((r) => [
        { label: `${r.variant.startsWith('built') ? 'stdio' : 'in-process'} p50`, bars: [{ series: 'LSP round trip', value: r.lsp.p50 }, { series: 'simulator alone', value: r.sim.p50 }, { series: 'server-added', value: r.added.p50 }] },
        { label: `${r.variant.startsWith('built') ? 'stdio' : 'in-process'} p99`, bars: [{ series: 'LSP round trip', value: r.lsp.p99 }, { series: 'simulator alone', value: r.sim.p99 }, { series: 'server-added', value: r.added.p99 }] },
      ]),
    });
    writeResults(
      {
        benchmark: 'latency',
        title: this.title,
        quick,
        machine: machine(),
        parameters: { warmup, requests: n, sim: { tokensPerSecond: 0, latency: 'none' }, reply: REPLY, poolSize: 1, warmTokens: 0, targets: { p50: TARGET_P50, p99: TARGET_P99 } },
        results,
        tables: [{ title: 'ms', markdown: table }],
        notes: verdicts,
      },
      svg,
    );
  },
};
