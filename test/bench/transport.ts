// 2. Transport at a simulated 40 ms round trip (handshake 3 round trips): the warm pooled WebSocket of
// SparkClient vs a fresh WebSocket per request (raw `ws`) vs SparkClient over HTTP/SSE (fetch keeps the
// connection alive) vs HTTP/SSE on a fresh connection per request (node:http, agent: false, Connection: close).
// Variants run round-robin so that noise hits all of them alike.
import { startSim } from '../../server/sim/index.js';
import type { SparkSim } from '../../server/sim/api.js';
import type { SparkClient } from '../../server/spark/api.js';
import { Priority } from '../../server/spark/api.js';
import { createSparkClient } from '../../server/spark/client.js';
import { KEY } from '../support/lsp-harness.js';
import { freshHttpRequest, freshSocketRequest, type Timing } from './raw.js';
import { barChart, machine, now, printTable, round, summarize, writeResults, type Bench, type Summary } from './support.js';

const RTT_MS = 40;
const HANDSHAKE_ROUND_TRIPS = 3;
const TOKENS_PER_SECOND = 1000;
const TARGET_RATIO = 2.5;
const INSTRUCTIONS = 'You are a code completion engine inside an editor. Reply with only the text to insert at the cursor.';
const INPUT = 'File: src/sum.ts (typescript)\n```typescript\nexport function sum(values: number[]): number {\n  <|cursor|>\n}\n```';

/** About 60 token-like chunks (the simulator streams one chunk per token). */
export function replyOfTokens(n: number): string {
  const words = ['const', 'total', '=', 'values', '.reduce(', '(a,', 'b)', '=>', 'a', '+', 'b,', '0);'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(words[i % words.length]!);
  return out.join(' ');
}

export function sparkClient(sim: SparkSim, transport: 'websocket' | 'http', poolSize = 1): SparkClient {
  return createSparkClient({
    baseUrl: sim.url,
    apiKey: KEY,
    model: 'gpt-5.3-codex-spark',
    poolSize,
    lanesPerConnection: 8,
    transport,
    rotateAfterMs: 55 * 60_000,
    heartbeatMs: 30_000,
    websocketRetryMs: 300_000,
  });
}

export async function timedGenerate(client: SparkClient, input = INPUT, extra: Record<string, unknown> = {}): Promise<Timing & { text: string; usage: unknown }> {
  const start = now();
  let ttft = NaN;
  const result = await client.generate({
    instructions: INSTRUCTIONS,
    input,
    maxOutputTokens: 256,
    priority: Priority.Interactive,
    deadline: Date.now() + 30_000,
    onText: () => {
      if (Number.isNaN(ttft)) ttft = now() - start;
    },
    ...extra,
  });
  return { ttft, total: now() - start, text: result.text, usage: result.usage };
}

interface Variant {
  name: string;
  run: () => Promise<Timing>;
  ttft: number[];
  total: number[];
}

export const transportBench: Bench = {
  name: 'transport',
  title: `Transport at ${RTT_MS} ms simulated round trip`,
  async run({ quick }) {
    const rounds = quick ? 4 : 60;
    const reply = replyOfTokens(60);
    const sim = await startSim({
      tokensPerSecond: TOKENS_PER_SECOND,
      latency: { rttMs: RTT_MS, handshakeRoundTrips: HANDSHAKE_ROUND_TRIPS },
      responder: () => reply,
    });
    const ws = sparkClient(sim, 'websocket');
    const httpClient = sparkClient(sim, 'http');
    const frameBody = {
      model: 'gpt-5.3-codex-spark',
      store: false,
      instructions: INSTRUCTIONS,
      input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: INPUT }] }],
      max_output_tokens: 256,
      text: { format: { type: 'text' } },
    };
    const wsFrame = JSON.stringify({ type: 'response.create', ...frameBody });
    const httpBody = JSON.stringify({ ...frameBody, stream: true });
    try {
      const t0 = now();
      await ws.ready();
      const poolOpenMs = now() - t0;
      const variants: Variant[] = [
        { name: 'warm pooled WebSocket (SparkClient)', run: () => timedGenerate(ws), ttft: [], total: [] },
        { name: 'fresh WebSocket per request (raw ws)', run: () => freshSocketRequest(sim, wsFrame), ttft: [], total: [] },
        { name: 'HTTP/SSE keep-alive (SparkClient, fetch)', run: () => timedGenerate(httpClient), ttft: [], total: [] },
        { name: 'HTTP/SSE fresh connection (node:http)', run: () => freshHttpRequest(sim, httpBody), ttft: [], total: [] },
      ];
      // Warm-up: one of each (opens the keep-alive HTTP connection; JIT).
      for (const v of variants) await v.run();
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < variants.length; k++) {
          const v = variants[(r + k) % variants.length]!;
          const t = await v.run();
          v.ttft.push(t.ttft);
          v.total.push(t.total);
        }
      }
      const summaries = variants.map((v) => ({ name: v.name, ttft: summarize(v.ttft), total: summarize(v.total) }));
      const base = summaries[0]!;
      const ratio = (s: Summary, b: Summary) => round(s.p50 / b.p50, 2);
      const rows = summaries.map((s) => [s.name, s.ttft.p50, s.ttft.p99, `${ratio(s.ttft, base.ttft)}×`, s.total.p50, s.total.p99, `${ratio(s.total, base.total)}×`]);
      const table = printTable(
        `${this.title}, handshake ${HANDSHAKE_ROUND_TRIPS} round trips, ${TOKENS_PER_SECOND} tok/s, 60-token reply, ${rounds} rounds (ms; ratio = p50 / warm pool p50)`,
        ['variant', 'TTFT p50', 'TTFT p99', 'TTFT ratio', 'full p50', 'full p99', 'full ratio'],
        rows,
      );
      const freshWs = summaries[1]!;
      const freshHttp = summaries[3]!;
      const notes = [
        `warm pool vs fresh WebSocket, time to first token: ${ratio(freshWs.ttft, base.ttft)}× faster (target ≥ ${TARGET_RATIO}×: ${ratio(freshWs.ttft, base.ttft) >= TARGET_RATIO ? 'met' : 'NOT met'})`,
        `warm pool vs fresh HTTP connection, time to first token: ${ratio(freshHttp.ttft, base.ttft)}× faster`,
        `pool opened in ${round(poolOpenMs, 1)} ms before the first request (not counted)`,
        `simulator: ${sim.stats.upgradesAccepted} upgrades, ${sim.stats.httpRequests} HTTP requests, ${sim.stats.creates.length} creates`,
      ];
      for (const n of notes) process.stdout.write(`${n}\n`);
      const svg = barChart({
        title: `Transport at ${RTT_MS} ms simulated RTT: p50 (ms)`,
        subtitle: `handshake ${HANDSHAKE_ROUND_TRIPS} RTT, ${TOKENS_PER_SECOND} tok/s, 60-token reply, ${rounds} rounds round-robin`,
        unit: 'ms',
        groups: summaries.map((s) => ({
          label: s.name.replace(/ \(.*\)$/, ''),
          bars: [
            { series: 'time to first token', value: s.ttft.p50 },
            { series: 'full completion', value: s.total.p50 },
          ],
        })),
      });
      writeResults(
        {
          benchmark: 'transport',
          title: this.title,
          quick,
          machine: machine(),
          parameters: {
            rounds,
            sim: { tokensPerSecond: TOKENS_PER_SECOND, latency: { rttMs: RTT_MS, handshakeRoundTrips: HANDSHAKE_ROUND_TRIPS } },
            replyTokens: 60,
            targetRatio: TARGET_RATIO,
          },
          results: { poolOpenMs: round(poolOpenMs, 1), variants: summaries, simStats: { upgrades: sim.stats.upgradesAccepted, httpRequests: sim.stats.httpRequests, creates: sim.stats.creates.length } },
          tables: [{ title: 'ms', markdown: table }],
          notes,
        },
        svg,
      );
    } finally {
      ws.destroy();
      httpClient.destroy();
      await sim.close();
    }
  },
};
