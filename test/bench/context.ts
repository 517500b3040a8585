// 9. Cross-file context engine: what parsing and extraction cost per file, on real code (the TypeScript sources
// that the `openai` package ships, the JavaScript of vscode-languageserver and ws, Python's standard library and
// the Go files Debian's git package ships, where installed), so that it can be placed off the request path; the
// warm-up path end to end (imports -> declarations -> block counted with o200k); and the per-keystroke lookup.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  analyzeSource,
  buildCrossFileContext,
  cachingTokenCounter,
  collectImportedDeclarations,
  enclosingSymbols,
  estimateTokenCount,
  extractDeclarations,
  languageOfPath,
  loadParsers,
  loadTokenCounter,
  outlineSymbols,
  renderEnclosing,
  resolveImports,
  workspaceViewOf,
  type FileDeclarations,
  type Parsers,
  type SourceFile,
  type SourceLanguage,
  type SymbolSpan,
  type WorkspaceView,
} from '../../server/context/cross-file/index.js';
import { withTree } from '../../server/context/cross-file/syntax.js';
import { barChart, machine, mib, now, printTable, round, summarize, writeResults, type Bench, type Summary } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Corpus {
  name: string;
  /** Where the files come from. */
  source: string;
  root: string;
  files: string[];
}

/** Files under `dir` whose language is `language`, relative to `dir`, sorted; [] when `dir` is missing. */
function listFiles(dir: string, language: SourceLanguage[], exclude: RegExp = /$^/): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(path.join(dir, d));
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = d === '' ? e : `${d}/${e}`;
      const st = statSync(path.join(dir, rel), { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(rel);
      else if (st?.isFile() && !exclude.test(rel) && language.includes(languageOfPath(rel) ?? ('' as SourceLanguage))) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

function packageDir(name: string): string {
  return path.join(ROOT, 'node_modules', name);
}

function corpora(quick: boolean): Corpus[] {
  const pythonLib = ['/usr/lib/python3.11', '/usr/lib/python3.12', '/usr/lib/python3.13'].find((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());
  const list: Corpus[] = [
    { name: 'typescript', source: 'openai/src (npm)', root: path.join(packageDir('openai'), 'src'), files: [] },
    { name: 'javascript', source: 'vscode-languageserver/lib and ws/lib (npm)', root: path.join(ROOT, 'node_modules'), files: [] },
    { name: 'python', source: `${pythonLib ?? 'python3 standard library (not installed)'} (top level, json/, email/)`, root: pythonLib ?? '/nonexistent', files: [] },
    { name: 'go', source: '/usr/share/doc/git/contrib (Debian git)', root: '/usr/share/doc/git/contrib', files: [] },
  ];
  list[0]!.files = listFiles(list[0]!.root, ['typescript'], /\.d\.ts$/);
  list[1]!.files = ['vscode-languageserver/lib', 'ws/lib'].flatMap((d) => listFiles(path.join(list[1]!.root, d), ['javascript']).map((f) => `${d}/${f}`));
  list[2]!.files = listFiles(list[2]!.root, ['python']).filter((f) => !f.includes('/') || f.startsWith('json/') || f.startsWith('email/'));
  list[3]!.files = listFiles(list[3]!.root, ['go']);
  if (quick) for (const c of list) c.files = c.files.slice(0, 25);
  return list;
}

interface PerFile {
  bytes: number;
  parse: number;
  declarations: number;
  outline: number;
  imports: number;
}

function timeIt(fn: () => void): number {
  const t0 = now();
  fn();
  return now() - t0;
}

function measureCorpus(parsers: Parsers, corpus: Corpus, texts: Map<string, string>, view: WorkspaceView): PerFile[] {
  const out: PerFile[] = [];
  for (const file of corpus.files) {
    const text = texts.get(file)!;
    const language = languageOfPath(file)!;
    const f = { path: file, text, language };
    out.push({
      bytes: Buffer.byteLength(text),
      parse: timeIt(() => withTree(parsers, language, text, () => undefined)),
      declarations: timeIt(() => extractDeclarations(parsers, f)),
      outline: timeIt(() => outlineSymbols(parsers, f)),
      imports: timeIt(() => resolveImports(parsers, f, view)),
    });
  }
  return out;
}

export const contextBench: Bench = {
  name: 'context',
  title: 'Cross-file context engine: parse and extraction cost per file',
  async run({ quick }) {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage();
    let t0 = now();
    const parsers = await loadParsers();
    const parsersMs = now() - t0;
    const afterParsers = process.memoryUsage();
    t0 = now();
    const count = await loadTokenCounter();
    count('warm the encoder');
    const tokenizerMs = now() - t0;
    const afterTokenizer = process.memoryUsage();

    const rows: (string | number)[][] = [];
    const results: Record<string, unknown> = {};
    const groups: { label: string; bars: { series: string; value: number }[] }[] = [];
    const notes: string[] = [];
    let tsCorpus: { corpus: Corpus; texts: Map<string, string>; view: WorkspaceView } | undefined;
    for (const corpus of corpora(quick)) {
      if (corpus.files.length === 0) {
        notes.push(`${corpus.name}: no files found at ${corpus.root}; not measured`);
        continue;
      }
      const texts = new Map(corpus.files.map((f) => [f, readFileSync(path.join(corpus.root, f), 'utf8')]));
      const view = workspaceViewOf(corpus.files, texts);
      if (corpus.name === 'typescript') tsCorpus = { corpus, texts, view };
      measureCorpus(parsers, corpus, texts, view); // warm-up (JIT, WebAssembly tiers)
      const per = measureCorpus(parsers, corpus, texts, view);
      const kb = per.reduce((a, p) => a + p.bytes, 0) / 1024;
      const stat = (k: keyof PerFile): Summary => summarize(per.map((p) => p[k]));
      const perKb = (k: keyof PerFile): number => round((per.reduce((a, p) => a + p[k], 0) * 1000) / kb, 1);
      const sizes = summarize(per.map((p) => p.bytes / 1024));
      results[corpus.name] = { source: corpus.source, files: per.length, totalKiB: round(kb, 1), fileKiB: sizes, parse: stat('parse'), declarations: stat('declarations'), outline: stat('outline'), imports: stat('imports') };
      for (const k of ['parse', 'declarations', 'outline', 'imports'] as const) {
        const s = stat(k);
        rows.push([rows.length % 4 === 0 ? `${corpus.name} (${per.length} files, ${round(kb, 0)} KiB, p50 ${round(sizes.p50, 1)} KiB)` : '', k === 'parse' ? 'parse only' : `${k} (parse included)`, s.p50, s.p90, s.max, perKb(k)]);
      }
      groups.push({ label: corpus.name, bars: (['parse', 'declarations', 'outline', 'imports'] as const).map((k) => ({ series: k, value: stat(k).p50 })) });
    }
    const table = printTable(
      `${this.title} (ms per file; each operation parses the file itself)`,
      ['corpus', 'operation', 'p50', 'p90', 'max', 'µs per KiB'],
      rows,
    );

    // The warm-up path, end to end on the TypeScript corpus: imports -> declarations of the targets -> the block.
    const tables = [{ title: 'per file', markdown: table }];
    if (tsCorpus !== undefined) {
      const { corpus, texts, view } = tsCorpus;
      const sample = corpus.files.filter((_, i) => i % (quick ? 2 : 3) === 0);
      const coldMs: number[] = [];
      const warmMs: number[] = [];
      const blockTokens: number[] = [];
      const declCounts: number[] = [];
      const outlines: { text: string; outline: SymbolSpan[] }[] = [];
      /** What the server keeps between warm-ups: each target's declarations, per file version. */
      const memo = new Map<string, FileDeclarations>();
      const memoised = (f: Required<SourceFile>): FileDeclarations => {
        let d = memo.get(f.path);
        if (d === undefined) memo.set(f.path, (d = extractDeclarations(parsers, f)));
        return d;
      };
      const cachedCount = cachingTokenCounter(count);
      const warmUp = (file: string, declarationsOf: ((f: Required<SourceFile>) => FileDeclarations) | undefined) => {
        const text = texts.get(file)!;
        const t = now();
        const analysis = analyzeSource(parsers, { path: file, text }, view)!;
        const collected = collectImportedDeclarations(parsers, { path: file, text }, view, { imports: analysis.imports, ...(declarationsOf ? { declarationsOf } : {}) });
        const ctx = buildCrossFileContext({
          path: file,
          declarations: collected.blocks,
          enclosing: enclosingSymbols(analysis.outline, Math.floor(text.length / 2)),
          recentEdits: [],
          openFiles: [],
          budgetTokens: 24_000,
          countTokens: declarationsOf === undefined ? count : cachedCount,
        });
        return { ms: now() - t, ctx, text, outline: analysis.outline };
      };
      for (const file of sample) warmUp(file, undefined); // JIT warm-up
      for (const file of sample) coldMs.push(warmUp(file, undefined).ms);
      for (const file of sample) warmUp(file, memoised); // fills the memo
      for (const file of sample) {
        const r = warmUp(file, memoised);
        warmMs.push(r.ms);
        blockTokens.push(r.ctx.tokens.stable + r.ctx.tokens.volatile);
        declCounts.push(r.ctx.included.declarations);
        outlines.push({ text: r.text, outline: r.outline });
      }
      // The per-keystroke path: which symbols enclose the cursor, from the outline computed at warm-up time.
      const keyUs: number[] = [];
      for (const { text, outline } of outlines) {
        for (let k = 1; k <= 20; k++) {
          const offset = Math.floor((text.length * k) / 21);
          const t = now();
          const spans = enclosingSymbols(outline, offset);
          estimateTokenCount(renderEnclosing('src/file.ts', spans));
          keyUs.push((now() - t) * 1000);
        }
      }
      const cold = summarize(coldMs);
      const warm = summarize(warmMs);
      const tokens = summarize(blockTokens);
      const decls = summarize(declCounts);
      const key = summarize(keyUs);
      results.warmPath = { files: sample.length, coldMs: cold, memoisedMs: warm, blockTokens: tokens, declarations: decls, budgetTokens: 24_000 };
      results.keystroke = { lookups: keyUs.length, us: key };
      const warmTable = printTable(
        'Warm-up path and keystroke path (TypeScript corpus)',
        ['path', 'what', 'n', 'p50', 'p90', 'max'],
        [
          ['warm-up (per file)', 'analyse the file + extract every target + block, o200k-counted (ms)', cold.n, cold.p50, cold.p90, cold.max],
          ['', 'the same with the targets\' declarations and token counts memoised (ms)', warm.n, warm.p50, warm.p90, warm.max],
          ['', 'block size (o200k tokens)', tokens.n, tokens.p50, tokens.p90, tokens.max],
          ['', 'declarations included', decls.n, decls.p50, decls.p90, decls.max],
          ['keystroke (per request)', 'enclosing symbols from the outline + render + estimate (µs)', key.n, key.p50, key.p90, key.max],
        ],
      );
      tables.push({ title: 'warm-up and keystroke paths', markdown: warmTable });
    }

    const load = {
      parsersMs: round(parsersMs, 1),
      parsersHeapMiB: mib(afterParsers.heapUsed - before.heapUsed),
      parsersRssMiB: mib(afterParsers.rss - before.rss),
      tokenizerMs: round(tokenizerMs, 1),
      tokenizerHeapMiB: mib(afterTokenizer.heapUsed - afterParsers.heapUsed),
      tokenizerRssMiB: mib(afterTokenizer.rss - afterParsers.rss),
    };
    results.load = load;
    const loadTable = printTable('One-time loading (in this process, before anything else of the engine ran)', ['what', 'ms', 'heap MiB', 'RSS MiB'], [
      ['loadParsers() (runtime + 5 grammars)', load.parsersMs, load.parsersHeapMiB, load.parsersRssMiB],
      ['loadTokenCounter() (o200k) + first count', load.tokenizerMs, load.tokenizerHeapMiB, load.tokenizerRssMiB],
    ]);
    tables.push({ title: 'loading', markdown: loadTable });
    notes.push('each operation is timed on its own, so each includes its own parse; the second of two passes is reported (the first warms up the JIT)');
    notes.push('loading happens once at start-up; memory deltas are of this process and only indicative (other benchmarks may have run before)');
    for (const n of notes) process.stdout.write(`${n}\n`);
    const svg = barChart({ title: 'Cross-file context: ms per file, p50', unit: 'ms', groups });
    writeResults({ benchmark: 'context', title: this.title, quick, machine: machine(), parameters: { budgetTokens: 24_000 }, results, tables, notes }, svg);
  },
};
