// Runs the benchmarks: node --import tsx test/bench/run.ts [--quick] [--only name[,name]]
// Each benchmark prints a table and writes JSON + SVG into test/bench/results/. Timings never fail the run;
// the exit status is non-zero only when a benchmark crashed.
import { contextBench } from './context.js';
import { crossFileBench } from './cross-file.js';
import { eventsBench } from './events.js';
import { hotPathBench } from './hot-path.js';
import { latencyBench } from './latency.js';
import { memoryBench } from './memory.js';
import { patchEditBench } from './patch-edit.js';
import { reviewBench } from './review.js';
import { stallsBench } from './stalls.js';
import { stormBench } from './storm.js';
import { machine, type Bench } from './support.js';
import { transportBench } from './transport.js';
import { typingAlongBench } from './typing-along.js';
import { warmBench } from './warm.js';
import { workspaceIndexBench } from './workspace-index.js';

const ALL: Bench[] = [hotPathBench, latencyBench, transportBench, warmBench, stormBench, typingAlongBench, eventsBench, memoryBench, workspaceIndexBench, contextBench, patchEditBench, crossFileBench, reviewBench, stallsBench];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;
const unknown = only ? [...only].filter((n) => !ALL.some((b) => b.name === n)) : [];
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${ALL.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}

const m = machine();
process.stdout.write(`spark-lsp benchmarks${quick ? ' (quick)' : ''}: ${m.cpus} × ${m.cpuModel}, ${m.totalMemMiB} MiB, Node ${m.node}, ${m.date}\n`);
let failed = 0;
for (const bench of ALL) {
  if (only && !only.has(bench.name)) continue;
  process.stdout.write(`\n=== ${bench.name}: ${bench.title}\n`);
  const t0 = Date.now();
  try {
    await bench.run({ quick });
  } catch (e) {
    failed++;
    process.stderr.write(`benchmark ${bench.name} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.stdout.write(`(${bench.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}
process.exit(failed > 0 ? 1 : 0);
