// 8. The workspace index on generated trees (10,000 and 50,000 files, plus ignored node_modules and binary
// assets): time to build, how long the main thread was busy and its longest stall while building, and the
// heap the index holds.
// The tree is written just before, so directory entries are in the OS cache (a warm-cache number). The index
// is the built one, as the server runs it.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { WorkspaceIndex } from '../../server/workspace/workspace-index.js';
import { barChart, gcFunction, machine, mib, now, printTable, round, summarize, writeResults, type Bench } from './support.js';

/**
 * The built index (`npm run bench` builds first), loaded when this benchmark runs: its listing thread then runs
 * compiled JavaScript, as in the server.
 */
async function builtIndex(): Promise<typeof WorkspaceIndex> {
  const built = new URL('../../dist/server/workspace/workspace-index.js', import.meta.url);
  return ((await import(built.href)) as { WorkspaceIndex: typeof WorkspaceIndex }).WorkspaceIndex;
}

async function generate(root: string, files: number): Promise<void> {
  const writes: [string, string][] = [['.gitignore', 'node_modules/\ndist/\n*.log\n']];
  for (let i = 0; i < files; i++) writes.push([`packages/p${i % 50}/src/m${i % 4}/file${i}.ts`, `export const v${i} = ${i};\n`]);
  for (let i = 0; i < files / 10; i++) writes.push([`node_modules/dep${i % 100}/index${i}.js`, 'module.exports = 1;\n']);
  for (let i = 0; i < 200; i++) writes.push([`assets/img${i}.png`, 'png\n']);
  const dirs = new Set(writes.map(([f]) => path.dirname(path.join(root, f))));
  for (const d of dirs) await fs.mkdir(d, { recursive: true });
  for (let i = 0; i < writes.length; i += 256) {
    await Promise.all(writes.slice(i, i + 256).map(([f, text]) => fs.writeFile(path.join(root, f), text)));
  }
}

interface Row {
  files: number;
  indexed: number;
  buildMs: ReturnType<typeof summarize>;
  maxStallMs: number;
  /** Time the main thread's event loop was busy during a build (p50 over the builds). */
  mainBusyMs: number;
  heapMiB: number;
}

async function measure(files: number, runs: number): Promise<Row> {
  const WorkspaceIndex = await builtIndex();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'spark-lsp-bench-ws-'));
  try {
    await generate(root, files);
    const policy = { folders: [pathToFileURL(root).href], exclude: [], maxFileBytes: 1_048_576 };
    const times: number[] = [];
    const busy: number[] = [];
    let maxStallMs = 0;
    let indexed = 0;
    for (let r = 0; r < runs; r++) {
      const index = new WorkspaceIndex({ policy: () => policy, limits: { maxFiles: 100_000, timeBudgetMs: 60_000 } });
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const t0 = now();
      const elu = performance.eventLoopUtilization();
      const snapshot = await index.ready();
      busy.push(performance.eventLoopUtilization(elu).active);
      times.push(now() - t0);
      delay.disable();
      maxStallMs = Math.max(maxStallMs, delay.max / 1e6);
      indexed = snapshot.folders[0]!.files.length;
      index.dispose();
    }
    const gc = gcFunction();
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const kept = new WorkspaceIndex({ policy: () => policy, limits: { maxFiles: 100_000, timeBudgetMs: 60_000 } });
    await kept.ready();
    gc?.();
    const heapMiB = mib(process.memoryUsage().heapUsed - before);
    kept.dispose();
    return { files, indexed, buildMs: summarize(times), maxStallMs: round(maxStallMs, 1), mainBusyMs: round(summarize(busy).p50, 1), heapMiB };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

export const workspaceIndexBench: Bench = {
  name: 'workspace-index',
  title: 'Workspace index: build time, event-loop stalls and heap for large trees',
  async run({ quick }) {
    const sizes = quick ? [10_000] : [10_000, 50_000];
    const runs = quick ? 2 : 5;
    const rows: Row[] = [];
    for (const files of sizes) rows.push(await measure(files, runs));
    const table = printTable(
      `${this.title} (${runs} builds each; warm OS cache)`,
      ['source files', 'indexed', 'build p50 ms', 'build max ms', 'main thread busy p50 ms', 'longest stall ms', 'heap held MiB'],
      rows.map((r) => [r.files, r.indexed, r.buildMs.p50, r.buildMs.max, r.mainBusyMs, r.maxStallMs, r.heapMiB]),
    );
    const notes = rows.map(
      (r) =>
        `${r.files.toLocaleString('en')} files (+${(r.files / 10).toLocaleString('en')} under an ignored node_modules/, 200 binary assets): built in ${round(r.buildMs.p50, 0)} ms at p50 with the main thread busy for ${r.mainBusyMs} ms of it, event loop never stalled over ${r.maxStallMs} ms, ${r.heapMiB} MiB of heap held`,
    );
    for (const n of notes) process.stdout.write(`${n}\n`);
    writeResults(
      {
        benchmark: 'workspace-index',
        title: this.title,
        quick,
        machine: machine(),
        parameters: { sizes, runs, maxFileBytes: 1_048_576 },
        results: rows,
        tables: [{ title: 'workspace index', markdown: table }],
        notes,
      },
      barChart({
        title: 'Workspace index build time (ms, p50)',
        unit: 'ms',
        groups: rows.map((r) => ({ label: `${r.files.toLocaleString('en')} files`, bars: [{ series: 'build p50', value: r.buildMs.p50 }] })),
      }),
    );
  },
};
