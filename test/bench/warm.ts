// 3. Warm context: bytes sent per completion and simulated time to first token on a 3,000-line file,
// chained from a warm-up (SparkClient.warm, then `warm: { key, fullInput }` so that only a short input near
// the cursor is sent) vs the full input every time. A third variant sends what the LSP layer sends without
// warm context: the window of `spark.context.budgetTokens` (default 6000) around the cursor.
// The latency model charges time to first token per uncached input token (cached: the chained prefix).
import { buildCompletionPrompt } from '../../server/context/prompt.js';
import { startSim } from '../../server/sim/index.js';
import { sparkClient, timedGenerate } from './transport.js';
import { barChart, machine, now, printTable, round, summarize, syntheticSource, writeResults, type Bench } from './support.js';

const LINES = 3000;
const URI = 'file:///work/src/big.ts';
const PATH = 'src/big.ts';
const LATENCY = { rttMs: 0, ttftBaseMs: 5, ttftPerUncachedTokenMs: 0.01, ttftPerCachedTokenMs: 0.0005 };
const CHAINED_BUDGET = 256;
const WINDOW_BUDGET = 6000;
const FULL_BUDGET = 100_000;
const TARGET_SHARE = 0.1;
const REPLY = 'return total / Math.max(1, values.length);';

export const warmBench: Bench = {
  name: 'warm',
  title: 'Warm context on a 3,000-line file: chained vs full input',
  async run({ quick }) {
    const rounds = quick ? 3 : 30;
    const text = syntheticSource(LINES);
    const sim = await startSim({ tokensPerSecond: 1000, latency: LATENCY, responder: () => REPLY });
    const client = sparkClient(sim, 'websocket', 1);
    const notes: string[] = [];
    try {
      await client.ready();
      const lines = text.split('\n');
      // Cursor positions: the end of a `let total = 0;` line, spread over the file.
      const offsets: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const line = 2 + 7 * Math.floor(((r + 0.5) / rounds) * (LINES / 7 - 1));
        offsets.push(lines.slice(0, line + 1).join('\n').length);
      }
      const prompt = (offset: number, budgetTokens: number) =>
        buildCompletionPrompt({ path: PATH, languageId: 'typescript', text, offset, diagnostics: [], budgetTokens });
      const instructions = prompt(0, CHAINED_BUDGET).instructions;
      const context = `File: ${PATH} (typescript)\n${text}`;
      const t0 = now();
      let warmed: boolean | string;
      try {
        warmed = await client.warm({ key: URI, instructions, context, promptCacheKey: URI, deadline: Date.now() + 30_000 });
      } catch (e) {
        warmed = `warm() threw: ${(e as Error).message}`;
      }
      const warmMs = now() - t0;
      const warmUpBytes = sim.stats.creates.at(-1)?.bytes ?? 0;
      notes.push(`warm-up: ${warmed === true ? 'ready' : `not made (${String(warmed)})`} after ${round(warmMs, 1)} ms, ${warmUpBytes} bytes sent once`);

      type Sample = { bytes: number; ttft: number; total: number; cached: number; input: number };
      const variants: { name: string; samples: Sample[]; run: (offset: number) => Promise<unknown> }[] = [
        {
          name: 'chained from the warm context',
          samples: [],
          run: (offset) =>
            timedGenerate(client, prompt(offset, CHAINED_BUDGET).input, {
              instructions,
              warm: { key: URI, fullInput: prompt(offset, FULL_BUDGET).input },
              affinity: URI,
              promptCacheKey: URI,
            }),
        },
        { name: 'full file every time', samples: [], run: (offset) => timedGenerate(client, prompt(offset, FULL_BUDGET).input, { instructions, affinity: URI, promptCacheKey: URI }) },
        { name: `window of ${WINDOW_BUDGET} tokens (no warm context)`, samples: [], run: (offset) => timedGenerate(client, prompt(offset, WINDOW_BUDGET).input, { instructions, affinity: URI, promptCacheKey: URI }) },
      ];
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < variants.length; k++) {
          const v = variants[(r + k) % variants.length]!;
          const before = sim.stats.creates.length;
          const t = (await v.run(offsets[r]!)) as { ttft: number; total: number; usage?: { inputTokens: number; cachedTokens: number } };
          const bytes = sim.stats.creates.slice(before).reduce((a, c) => a + c.bytes, 0);
          v.samples.push({ bytes, ttft: t.ttft, total: t.total, cached: t.usage?.cachedTokens ?? 0, input: t.usage?.inputTokens ?? 0 });
        }
      }
      const stats = client.stats();
      const results = variants.map((v) => ({
        name: v.name,
        bytes: summarize(v.samples.map((s) => s.bytes)),
        ttft: summarize(v.samples.map((s) => s.ttft)),
        total: summarize(v.samples.map((s) => s.total)),
        inputTokens: summarize(v.samples.map((s) => s.input)),
        cachedTokens: summarize(v.samples.map((s) => s.cached)),
      }));
      const full = results[1]!;
      const rows = results.map((r) => [
        r.name,
        r.bytes.p50,
        `${round((r.bytes.p50 / full.bytes.p50) * 100, 1)}%`,
        r.inputTokens.p50,
        r.cachedTokens.p50,
        r.ttft.p50,
        `${round(full.ttft.p50 / r.ttft.p50, 2)}×`,
        r.total.p50,
      ]);
      const table = printTable(
        `${this.title}, ${rounds} rounds round-robin (bytes per completion as the simulator received them; ms)`,
        ['variant', 'bytes p50', 'of full', 'input tok', 'cached tok', 'TTFT p50', 'TTFT speed-up vs full', 'full p50'],
        rows,
      );
      const chained = results[0]!;
      const share = chained.bytes.p50 / full.bytes.p50;
      notes.push(
        `chained sends ${round(share * 100, 2)}% of the full input's bytes (target ≤ ${TARGET_SHARE * 100}%: ${share <= TARGET_SHARE ? 'met' : 'NOT met'}); ` +
          `${round((chained.bytes.p50 / results[2]!.bytes.p50) * 100, 2)}% of the ${WINDOW_BUDGET}-token window`,
        `client stats after the run: chained ${stats.chained}, chain fallbacks ${stats.chainFallbacks}, warm contexts ${stats.warmContexts}`,
      );
      if (stats.chained === 0) notes.push('NOTE: no request chained, so the "chained" row measured the fallback (full input), not warm context');
      for (const n of notes) process.stdout.write(`${n}\n`);
      const svg = barChart({
        title: 'Warm context, 3,000-line file: per completion (p50)',
        subtitle: `latency model: ${LATENCY.ttftPerUncachedTokenMs} ms/uncached token, ${LATENCY.ttftPerCachedTokenMs} ms/cached token, base ${LATENCY.ttftBaseMs} ms`,
        unit: '',
        log: true,
        groups: results.map((r) => ({
          label: r.name.replace(/ \(.*\)$/, '').replace(' from the warm context', ''),
          bars: [
            { series: 'KiB sent', value: round(r.bytes.p50 / 1024, 2) },
            { series: 'ms to first token', value: r.ttft.p50 },
          ],
        })),
      });
      writeResults(
        {
          benchmark: 'warm',
          title: this.title,
          quick,
          machine: machine(),
          parameters: {
            lines: LINES,
            fileBytes: Buffer.byteLength(text),
            rounds,
            sim: { tokensPerSecond: 1000, latency: LATENCY },
            budgets: { chained: CHAINED_BUDGET, window: WINDOW_BUDGET, full: FULL_BUDGET },
            targetShare: TARGET_SHARE,
          },
          results: { warmed, warmMs: round(warmMs, 1), warmUpBytes, variants: results, clientStats: stats },
          tables: [{ title: 'per completion', markdown: table }],
          notes,
        },
        svg,
      );
    } finally {
      client.destroy();
      await sim.close();
    }
  },
};
