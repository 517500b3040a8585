// Shared pieces of the benchmarks: the machine description, percentiles, table printing, JSON + SVG
// results, and an LSP client to the server (in-process over a stream pair, or the built server over stdio).
// Benchmarks are not tests: nothing here asserts on timings.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  ConfigurationRequest,
  createProtocolConnection,
  InitializeRequest,
  RegistrationRequest,
  StreamMessageReader,
  StreamMessageWriter,
  WorkDoneProgressCreateRequest,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { startSim } from '../../server/sim/index.js';
import type { RecordedCreate, SimOptions, SparkSim } from '../../server/sim/api.js';
import { FULL_CAPABILITIES, KEY, startHarness } from '../support/lsp-harness.js';

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** Quick runs (smoke checks) write here; this folder is not committed. */
export const QUICK_RESULTS_DIR = fileURLToPath(new URL('./results/quick/', import.meta.url));
export const BUILT_SERVER = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));

export interface BenchContext {
  quick: boolean;
}

export interface Bench {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<void>;
}

// ---------------------------------------------------------------------------------------------- machine

export function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuMHz: cpus[0]?.speed ?? 0,
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    freeMemMiB: Math.round(os.freemem() / 2 ** 20),
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

// ---------------------------------------------------------------------------------------------- stats

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    n: s.length,
    min: round(s[0] ?? NaN),
    p50: round(percentile(s, 50)),
    p90: round(percentile(s, 90)),
    p99: round(percentile(s, 99)),
    max: round(s[s.length - 1] ?? NaN),
    mean: round(mean),
  };
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A gc() function (exposed at run time through V8 flags), or undefined if unavailable. */
export function gcFunction(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose_gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

export function mib(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}

/** Resident set size of another process from /proc (Linux), in bytes; undefined elsewhere. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) another process has used, in ms, from /proc (Linux; 10 ms ticks); undefined elsewhere. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------- output

export function printTable(title: string, headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  const md = [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
  process.stdout.write(`\n${title}\n${md}\n`);
  return md;
}

export function fmt(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export interface ResultFile {
  benchmark: string;
  title: string;
  quick: boolean;
  machine: ReturnType<typeof machine>;
  parameters: Record<string, unknown>;
  results: unknown;
  /** The printed table(s), in markdown. */
  tables: { title: string; markdown: string }[];
  notes: string[];
}

/** Writes `<name>.json` (and `<name>.svg` when given); quick runs write into results/quick/ so full results stay. */
export function writeResults(file: ResultFile, svg?: string): void {
  const dir = file.quick ? QUICK_RESULTS_DIR : RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const base = `${dir}${file.benchmark}`;
  writeFileSync(`${base}.json`, `${JSON.stringify(file, null, 2)}\n`);
  if (svg !== undefined) writeFileSync(`${base}.svg`, svg);
  process.stdout.write(`results: ${base}.json${svg !== undefined ? ` and .svg` : ''}\n`);
}

// ---------------------------------------------------------------------------------------------- SVG

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PALETTE = ['#2563eb', '#f59e0b', '#16a34a', '#dc2626', '#7c3aed', '#0891b2'];

export interface BarGroup {
  label: string;
  bars: { series: string; value: number }[];
}

/**
 * A horizontal grouped bar chart: one group per label, one bar per series, values written at the bar ends.
 * `log` uses a log10 scale (for values spanning orders of magnitude).
 */
export function barChart(opts: { title: string; unit: string; groups: BarGroup[]; log?: boolean; subtitle?: string }): string {
  const series = [...new Set(opts.groups.flatMap((g) => g.bars.map((b) => b.series)))];
  const barH = 16;
  const gap = 10;
  const labelW = 200;
  const plotW = 440;
  const valueW = 90;
  const top = opts.subtitle ? 52 : 36;
  const legendH = series.length > 1 ? 22 : 0;
  const groupH = (g: BarGroup) => g.bars.length * barH + gap;
  const height = top + legendH + opts.groups.reduce((a, g) => a + groupH(g), 0) + 24;
  const width = labelW + plotW + valueW + 20;
  const values = opts.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => Number.isFinite(v) && v > 0);
  const max = Math.max(...values, 1e-9);
  const minPos = Math.min(...values, max);
  const scale = (v: number): number => {
    if (!Number.isFinite(v) || v <= 0) return 0;
    if (!opts.log) return (v / max) * plotW;
    const lo = Math.floor(Math.log10(minPos)) - 0.3;
    const hi = Math.log10(max);
    return Math.max(2, ((Math.log10(v) - lo) / (hi - lo || 1)) * plotW);
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(opts.title)}</text>`);
  if (opts.subtitle) out.push(`<text x="10" y="38" fill="#555">${esc(opts.subtitle)}</text>`);
  let y = top;
  if (legendH) {
    let x = labelW;
    series.forEach((s, i) => {
      out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`);
      out.push(`<text x="${x + 16}" y="${y + 10}">${esc(s)}</text>`);
      x += 24 + s.length * 7;
    });
    y += legendH;
  }
  for (const g of opts.groups) {
    out.push(`<text x="${labelW - 8}" y="${y + (g.bars.length * barH) / 2 + 4}" text-anchor="end">${esc(g.label)}</text>`);
    for (const b of g.bars) {
      const w = scale(b.value);
      const color = PALETTE[series.indexOf(b.series) % PALETTE.length];
      out.push(`<rect x="${labelW}" y="${y + 1}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${color}"/>`);
      out.push(`<text x="${labelW + w + 4}" y="${y + barH - 4}">${esc(`${fmt(b.value)} ${opts.unit}`)}</text>`);
      y += barH;
    }
    y += gap;
  }
  out.push(`<line x1="${labelW}" y1="${top + legendH - 2}" x2="${labelW}" y2="${y - gap + 2}" stroke="#333"/>`);
  out.push(`<text x="${labelW}" y="${height - 6}" fill="#555">${opts.log ? 'log scale; ' : ''}unit: ${esc(opts.unit)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A simple line chart of one or more series over a shared x axis. */
export function lineChart(opts: { title: string; xLabel: string; yLabel: string; series: { name: string; points: [number, number][] }[] }): string {
  const width = 720;
  const height = 300;
  const left = 60;
  const right = 20;
  const top = 44;
  const bottom = 40;
  const pts = opts.series.flatMap((s) => s.points);
  const xMax = Math.max(...pts.map((p) => p[0]), 1e-9);
  const yMax = Math.max(...pts.map((p) => p[1]), 1e-9) * 1.1;
  const sx = (x: number) => left + (x / xMax) * (width - left - right);
  const sy = (y: number) => height - bottom - (y / yMax) * (height - top - bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(opts.title)}</text>`);
  out.push(`<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    out.push(`<text x="${left - 4}" y="${sy(v) + 4}" text-anchor="end" fill="#555">${fmt(round(v, 1))}</text>`);
    out.push(`<line x1="${left}" y1="${sy(v)}" x2="${width - right}" y2="${sy(v)}" stroke="#eee"/>`);
    const xv = (xMax / 4) * i;
    out.push(`<text x="${sx(xv)}" y="${height - bottom + 14}" text-anchor="middle" fill="#555">${fmt(round(xv, 1))}</text>`);
  }
  out.push(`<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text x="12" y="${top - 8}">${esc(opts.yLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    out.push(`<rect x="${width - 200}" y="${top + i * 16 - 10}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${width - 184}" y="${top + i * 16}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------- LSP

/** Creates that ask for generation (warm-ups, `generate: false`, are not counted), from index `from` on. */
export function generatingCreates(sim: SparkSim, from = 0): RecordedCreate[] {
  return sim.stats.creates.slice(from).filter((c) => c.body['generate'] !== false);
}

/** A real LSP client talking to the server, and the simulator the server talks to. */
export interface LspUnderTest {
  kind: 'in-process' | 'stdio';
  client: ProtocolConnection;
  sim: SparkSim;
  /** The server's process id (the bench process itself when in-process). */
  pid: number;
  open(uri: string, text: string, languageId?: string): void;
  /** Full-content change; returns the new version. */
  change(uri: string, text: string): number;
  close(): Promise<void>;
}

export interface LspOptions {
  sim?: SimOptions;
  /** The `spark` section (initializationOptions and workspace/configuration). */
  settings?: Record<string, unknown>;
  /** The workspace folder's file: URI (default file:///work). */
  root?: string;
}

function docTracker(client: ProtocolConnection) {
  const versions = new Map<string, number>();
  return {
    open(uri: string, text: string, languageId = 'typescript') {
      versions.set(uri, 1);
      void client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    },
    change(uri: string, text: string): number {
      const version = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, version);
      void client.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return version;
    },
  };
}

/** The real server in this process, over a pair of streams (the test harness). */
export async function inProcessLsp(options: LspOptions = {}): Promise<LspUnderTest> {
  const h = await startHarness({
    sim: options.sim ?? {},
    settings: options.settings ?? {},
    initializationOptions: options.settings ?? {},
  });
  await h.configured;
  await h.sim.waitForUpgrades(Number(options.settings?.['poolSize'] ?? 2));
  const docs = docTracker(h.client);
  return { kind: 'in-process', client: h.client, sim: h.sim, pid: process.pid, ...docs, close: () => h.close() };
}

/** The built server (`dist/server/main.js --stdio`) in a child process; the simulator runs in this process. */
export async function stdioLsp(options: LspOptions = {}, nodeArgs: string[] = [], server = BUILT_SERVER): Promise<LspUnderTest> {
  if (!existsSync(server)) throw new Error(`${server} is missing: run npm run build`);
  const sim = await startSim({ tokensPerSecond: 0, ...options.sim });
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, server, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: sim.url },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-10_000));
  const exited = once(child, 'exit');
  const client = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  let markConfigured = () => {};
  const configured = new Promise<void>((r) => (markConfigured = r));
  client.onRequest(ConfigurationRequest.type, (p) => {
    setImmediate(markConfigured);
    return p.items.map(() => options.settings ?? null);
  });
  client.onRequest(WorkDoneProgressCreateRequest.type, () => {});
  client.onRequest(RegistrationRequest.type, () => {});
  for (const method of ['window/logMessage', 'window/showMessage', '$/progress', 'telemetry/event']) client.onNotification(method, () => {});
  client.listen();
  // A server that dies at start would leave the request unanswered: say why instead of waiting forever.
  const died = exited.then(([code]) => {
    throw new Error(`${server} exited (${String(code)}) before answering initialize: ${stderr.trim().slice(-2_000)}`);
  });
  await Promise.race([
    client.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: options.root ?? 'file:///work',
      capabilities: FULL_CAPABILITIES,
      initializationOptions: options.settings ?? {},
      workspaceFolders: [{ uri: options.root ?? 'file:///work', name: 'work' }],
    }),
    died,
  ]);
  died.catch(() => undefined);
  await client.sendNotification('initialized', {});
  await Promise.race([configured, sleep(2_000)]);
  await sim.waitForUpgrades(Number(options.settings?.['poolSize'] ?? 2));
  const docs = docTracker(client);
  return {
    kind: 'stdio',
    client,
    sim,
    pid: child.pid!,
    ...docs,
    async close() {
      try {
        await Promise.race([client.sendRequest('shutdown'), sleep(2_000)]);
        await client.sendNotification('exit');
      } catch {
        // the process may be gone already
      }
      await Promise.race([exited, sleep(3_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      client.dispose();
      await sim.close();
      if (stderr.trim()) process.stderr.write(`[server stderr] ${stderr.trim().slice(-2_000)}\n`);
    },
  };
}

/** A source file of `lines` lines of plausible TypeScript (deterministic). */
export function syntheticSource(lines: number, seed = 0): string {
  const out: string[] = [];
  let i = 0;
  while (out.length < lines) {
    const n = i + seed;
    out.push(`export function handler${n}(input: Record<string, number>, scale = ${n % 7}): number {`);
    out.push(`  const values = Object.values(input).filter((v) => v > ${n % 13});`);
    out.push(`  let total = 0;`);
    out.push(`  for (const v of values) total += v * scale; // accumulate ${n}`);
    out.push(`  return total / Math.max(1, values.length);`);
    out.push('}');
    out.push('');
    i++;
  }
  return `${out.slice(0, lines).join('\n')}\n`;
}
