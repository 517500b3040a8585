// 9. Edits as patches: the time from `spark.edit` to the server's `workspace/applyEdit` for a one-line change
// inside selections of 30, 300 and 1,000 lines, when the model answers with a patch (the apply_patch tool) and
// when it re-emits the whole selection (the rewrite), side by side in one run, at spark-sim's 1,000 tokens/s.
// In-process server over a stream pair; the simulator scripts both answers, so only their length differs.
import { ExecuteCommandRequest } from 'vscode-languageserver-protocol/node';
import { chunkText } from '../../server/sim/events.js';
import type { SimReply } from '../../server/sim/api.js';
import { startHarness } from '../support/lsp-harness.js';
import { barChart, machine, now, printTable, round, summarize, syntheticSource, writeResults, type Bench } from './support.js';

const URI = 'file:///work/src/handlers.ts';
const TOKENS_PER_SECOND = 1000;
/** Lines of the document before and after the selection. */
const MARGIN = 12;

type Variant = 'patch' | 'rewrite';

interface Case {
  lines: number;
  text: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  expected: string;
  replies: Record<Variant, string>;
}

/** A document with a selection of `lines` lines and a one-line change in its middle, answered both ways. */
function makeCase(lines: number): Case {
  const text = syntheticSource(lines + 2 * MARGIN);
  const all = text.split('\n');
  const first = MARGIN;
  const last = MARGIN + lines - 1;
  // The accumulate line nearest the middle of the selection (unique in the file: it names its function).
  let target = Math.floor((first + last) / 2);
  while (!all[target]!.includes('// accumulate')) target--;
  if (target < first) throw new Error(`no line to change in a selection of ${lines} lines`);
  const before = all[target]!;
  const after = before.replace('total += v * scale;', 'total += v * scale * 2;');
  const changed = [...all];
  changed[target] = after;
  const header = all.slice(0, target).reverse().find((l) => l.startsWith('export function'))!;
  const patch = [
    '*** Begin Patch',
    '*** Update File: src/handlers.ts',
    `@@ ${header}`,
    ...all.slice(target - 2, target).map((l) => ` ${l}`),
    `-${before}`,
    `+${after}`,
    ...all.slice(target + 1, target + 3).map((l) => ` ${l}`),
    '*** End Patch',
    '',
  ].join('\n');
  const rewrite = `${changed.slice(first, last + 1).join('\n')}\n`;
  return {
    lines,
    text,
    range: { start: { line: first, character: 0 }, end: { line: last + 1, character: 0 } },
    expected: changed.join('\n'),
    replies: { patch, rewrite },
  };
}

const replyFor = (variant: Variant, text: string): SimReply => (variant === 'patch' ? { toolInput: text } : text);

export const patchEditBench: Bench = {
  name: 'patch-edit',
  title: 'Edits as patches vs whole-range rewrites (one-line change, 1,000 tokens/s)',
  async run({ quick }) {
    const sizes = quick ? [30] : [30, 300, 1000];
    const rounds = quick ? 1 : 3;
    let appliedAt = 0;
    const settings = { poolSize: 1, context: { warmTokens: 0, budgetTokens: 100_000 }, edit: { maxOutputTokens: 65_536, timeoutMs: 120_000 } };
    const h = await startHarness({
      sim: { tokensPerSecond: TOKENS_PER_SECOND },
      settings,
      initializationOptions: settings,
      onApplyEdit: () => {
        appliedAt = now();
        return undefined;
      },
    });
    try {
      await h.configured;
      await h.sim.waitForUpgrades(1);
      const results: {
        lines: number;
        variant: Variant;
        toApplyEditMs: ReturnType<typeof summarize>;
        commandMs: ReturnType<typeof summarize>;
        outputTokens: number;
        replyChars: number;
        correct: number;
        runs: number;
      }[] = [];
      // One untimed edit of each kind first, so the first measured case does not pay for the code paths' first run.
      const warmup = makeCase(30);
      h.open(URI, warmup.text);
      for (const variant of ['patch', 'rewrite'] as Variant[]) {
        h.change(URI, warmup.text);
        h.sim.enqueue(replyFor(variant, warmup.replies[variant]));
        await h.client.sendRequest(ExecuteCommandRequest.type, {
          command: 'spark.edit',
          arguments: [{ uri: URI, range: warmup.range, instruction: 'double the scale in the accumulation', scope: 'selection' }],
        });
      }
      for (const lines of sizes) {
        const c = makeCase(lines);
        const samples: Record<Variant, { applyEdit: number[]; command: number[]; correct: number }> = {
          patch: { applyEdit: [], command: [], correct: 0 },
          rewrite: { applyEdit: [], command: [], correct: 0 },
        };
        for (let r = 0; r < rounds; r++) {
          // Interleaved, alternating which variant goes first.
          const order: Variant[] = r % 2 === 0 ? ['patch', 'rewrite'] : ['rewrite', 'patch'];
          for (const variant of order) {
            h.change(URI, c.text);
            h.sim.enqueue(replyFor(variant, c.replies[variant]));
            appliedAt = 0;
            const t0 = now();
            const result = (await h.client.sendRequest(ExecuteCommandRequest.type, {
              command: 'spark.edit',
              arguments: [{ uri: URI, range: c.range, instruction: 'double the scale in the accumulation', scope: 'selection' }],
            })) as { applied: boolean };
            const t1 = now();
            if (!result.applied || appliedAt === 0) throw new Error(`${variant} edit of ${lines} lines was not applied`);
            samples[variant].applyEdit.push(appliedAt - t0);
            samples[variant].command.push(t1 - t0);
            if (h.text(URI) === c.expected) samples[variant].correct++;
          }
        }
        for (const variant of ['patch', 'rewrite'] as Variant[]) {
          results.push({
            lines,
            variant,
            toApplyEditMs: summarize(samples[variant].applyEdit),
            commandMs: summarize(samples[variant].command),
            outputTokens: chunkText(c.replies[variant]).length,
            replyChars: c.replies[variant].length,
            correct: samples[variant].correct,
            runs: rounds,
          });
        }
      }
      const rows = sizes.map((lines) => {
        const p = results.find((r) => r.lines === lines && r.variant === 'patch')!;
        const w = results.find((r) => r.lines === lines && r.variant === 'rewrite')!;
        return { lines, p, w, speedup: round(w.toApplyEditMs.p50 / p.toApplyEditMs.p50, 1) };
      });
      const table = printTable(
        `${this.title}: time from spark.edit to workspace/applyEdit, p50 of ${rounds} runs each (ms)`,
        ['selection', 'patch', 'rewrite', 'patch sooner by', 'output tokens: patch', 'output tokens: rewrite', 'applied correctly (patch / rewrite)'],
        rows.map(({ lines, p, w, speedup }) => [
          `${lines} lines`,
          p.toApplyEditMs.p50,
          w.toApplyEditMs.p50,
          `${speedup}×`,
          p.outputTokens,
          w.outputTokens,
          `${p.correct}/${p.runs} / ${w.correct}/${w.runs}`,
        ]),
      );
      const notes: string[] = [];
      const target = rows.find((r) => r.lines === 300);
      if (target) {
        const met = target.p.toApplyEditMs.p50 < 800 && target.speedup >= 10;
        notes.push(
          `300 lines: patch ${target.p.toApplyEditMs.p50} ms vs rewrite ${target.w.toApplyEditMs.p50} ms (${target.speedup}×); target < 800 ms and ≥ 10×: ${met ? 'met' : 'not met'}`,
        );
      }
      for (const n of notes) process.stdout.write(`${n}\n`);
      const svg = barChart({
        title: 'Time to workspace/applyEdit, one-line change (ms, p50, log scale)',
        subtitle: `spark-sim at ${TOKENS_PER_SECOND} tokens/s; ${rounds} runs per bar`,
        unit: 'ms',
        log: true,
        groups: rows.map(({ lines, p, w }) => ({
          label: `${lines}-line selection`,
          bars: [
            { series: 'patch', value: p.toApplyEditMs.p50 },
            { series: 'rewrite', value: w.toApplyEditMs.p50 },
          ],
        })),
      });
      writeResults(
        {
          benchmark: 'patch-edit',
          title: this.title,
          quick,
          machine: machine(),
          parameters: { sizes, rounds, margin: MARGIN, sim: { tokensPerSecond: TOKENS_PER_SECOND }, settings, server: 'in-process', outputTokens: 'chunks streamed by spark-sim (its usage.output_tokens)' },
          results,
          tables: [{ title: 'patch vs rewrite', markdown: table }],
          notes,
        },
        svg,
      );
    } finally {
      await h.close();
    }
  },
};
