// 15. Stalls: a document's own analysis (its syntax tree, imports, outline and declarations, and the warm-up's
// token count) runs on the event loop, once when the document opens and again when its edits settle; a
// completion that arrives meanwhile waits for it. Measured through the built server over stdio against a
// zero-delay simulator, on generated TypeScript files of three sizes, in a server already serving another
// document: a completion sent right after a file is opened, one sent just after the settle (SETTLE_MS after an
// edit), and one at rest (2 s after an edit), each as the LSP round trip and the part of it before the
// simulator had the request. And the same file as an imported one: on disk, not open, while a small file that
// imports five of its names opens; completions sent one after another for 400 ms, the longest kept.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import { SETTLE_MS } from '../../server/lsp/warmth.js';
import { generatingCreates, machine, now, printTable, round, sleep, stdioLsp, summarize, syntheticSource, writeResults, type Bench, type LspUnderTest } from './support.js';

/** Completions go one after another for this long after an importing file opens (ms). */
const IMPORTER_WINDOW_MS = 400;
/** How long after the settle timer fires the completion is sent (ms). */
const AFTER_SETTLE_MS = 10;
const AT_REST_MS = 2_000;

interface Sample {
  roundTripMs: number;
  /** From the request sent to the simulator receiving its response.create. */
  beforeUpstreamMs: number;
}

interface SizeResult {
  build: string;
  lines: number;
  chars: number;
  atRest: Sample[];
  afterOpen: Sample[];
  afterSettle: Sample[];
  /** Per sample, the longest completion round trip (ms) in the IMPORTER_WINDOW_MS after a file importing it opened. */
  afterImporterOpen: number[];
}

const docText = (base: string, k: number) => `${base}\nconst v${k} = `;

/** One completion; `upstream`: it must have gone to the model (its part before the simulator had it is measured). */
async function complete(lsp: LspUnderTest, uri: string, text: string, upstream = true): Promise<Sample> {
  const creates = lsp.sim.stats.creates.length;
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  const start = now();
  await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: text.split('\n').length - 1, character: lastLine.length } });
  const roundTripMs = now() - start;
  if (!upstream) return { roundTripMs, beforeUpstreamMs: NaN };
  const create = generatingCreates(lsp.sim, creates).at(-1);
  if (create?.receivedAt === undefined) throw new Error('the completion did not go upstream');
  return { roundTripMs, beforeUpstreamMs: create.receivedAt - start };
}

async function measureSize(build: { name: string; server: string | undefined }, lines: number, samples: number): Promise<SizeResult> {
  const base = syntheticSource(lines);
  const result: SizeResult = { build: build.name, lines, chars: base.length, atRest: [], afterOpen: [], afterSettle: [], afterImporterOpen: [] };
  // A workspace on disk: one copy of the file per sample (each extracted afresh), listed when the server starts.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spark-stalls-'));
  mkdirSync(path.join(dir, 'src'));
  for (let i = 0; i < samples; i++) writeFileSync(path.join(dir, 'src', `lib${i}.ts`), `${base}export const lib${i} = ${i};\n`);
  const root = pathToFileURL(dir).href;
  const uriOf = (name: string) => `${root}/src/${name}.ts`;
  const WARM_URI = uriOf('small');
  const names = [...base.matchAll(/^export function (\w+)/gm)].slice(0, 5).map((m) => m[1]!);
  const lsp = await stdioLsp({ sim: { tokensPerSecond: 0 }, settings: { poolSize: 1 }, root }, [], build.server);
  try {
    lsp.sim.setResponder(() => 'compute(1);');
    // The server is serving a small document first, so that what follows is not the first run of anything.
    lsp.open(WARM_URI, docText('export const values = [1, 2, 3];', 0));
    await sleep(AT_REST_MS);
    for (let k = 1; k <= 20; k++) {
      const text = docText('export const values = [1, 2, 3];', k);
      lsp.change(WARM_URI, text);
      await complete(lsp, WARM_URI, text);
    }
    for (let i = 0; i < samples; i++) {
      // A file opened and completed in at once, as when the user types right after opening it.
      const uri = uriOf(`big${i}`);
      let text = docText(base, 0);
      lsp.open(uri, text);
      result.afterOpen.push(await complete(lsp, uri, text));
      await sleep(AT_REST_MS);
      text = docText(base, 1);
      lsp.change(uri, text);
      await sleep(SETTLE_MS + AFTER_SETTLE_MS);
      result.afterSettle.push(await complete(lsp, uri, text));
      text = docText(base, 2);
      lsp.change(uri, text);
      await sleep(AT_REST_MS);
      result.atRest.push(await complete(lsp, uri, text));
      void lsp.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
      // A small file importing from the copy on disk: its declarations are extracted after it opens.
      const importer = uriOf(`app${i}`);
      const importerText = `import { ${names.join(', ')} } from './lib${i}';\n\nexport function run() {\n  return ${names[0]}({});\n}\nconst v = `;
      lsp.open(importer, importerText);
      // The same request again and again (an edit would stop the computation of the file's context): whatever
      // the server does with a repeat, its round trip includes any wait behind that computation.
      let longest = 0;
      for (const until = now() + IMPORTER_WINDOW_MS; now() < until; ) longest = Math.max(longest, (await complete(lsp, importer, importerText, false)).roundTripMs);
      result.afterImporterOpen.push(longest);
      void lsp.client.sendNotification('textDocument/didClose', { textDocument: { uri: importer } });
      await sleep(AT_REST_MS);
    }
  } finally {
    await lsp.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

export const stallsBench: Bench = {
  name: 'stalls',
  title: 'Completions that arrive while a document is analysed (right after didOpen, right after the settle, while a file importing it opens)',
  async run({ quick }) {
    const sizes = quick ? [200, 2_000] : [200, 2_000, 5_000];
    const samples = quick ? 1 : 5;
    // SPARK_BENCH_BASELINE=/path/to/other/dist/server/main.js measures another build too, size by size, the two
    // taking turns.
    const baseline = process.env.SPARK_BENCH_BASELINE;
    const builds = [{ name: 'this build', server: undefined }, ...(baseline ? [{ name: 'baseline', server: baseline }] : [])];
    const results: SizeResult[] = [];
    for (const [i, lines] of sizes.entries()) {
      for (const build of i % 2 === 0 ? builds : [...builds].reverse()) results.push(await measureSize(build, lines, samples));
    }
    results.sort((a, b) => a.lines - b.lines || builds.findIndex((x) => x.name === a.build) - builds.findIndex((x) => x.name === b.build));
    const median = (xs: Sample[], key: keyof Sample) => summarize(xs.map((x) => x[key])).p50;
    const cell = (xs: Sample[]) => `${round(median(xs, 'roundTripMs'), 1)} (${round(median(xs, 'beforeUpstreamMs'), 1)})`;
    const table = printTable(
      `${this.title}: LSP round trip of one completion, median of ${samples} (in brackets: the part before the simulator had the request), ms`,
      ['build', 'lines', 'KiB', 'at rest', 'right after didOpen', '×', `${AFTER_SETTLE_MS} ms after the settle`, '×', `imported: longest in ${IMPORTER_WINDOW_MS} ms`, '×'],
      results.map((r) => {
        const rest = median(r.atRest, 'roundTripMs');
        return [
          r.build,
          r.lines,
          round(r.chars / 1024, 1),
          cell(r.atRest),
          cell(r.afterOpen),
          round(median(r.afterOpen, 'roundTripMs') / rest, 1),
          cell(r.afterSettle),
          round(median(r.afterSettle, 'roundTripMs') / rest, 1),
          round(summarize(r.afterImporterOpen).p50, 1),
          round(summarize(r.afterImporterOpen).p50 / rest, 1),
        ];
      }),
    );
    writeResults({
      benchmark: 'stalls',
      title: this.title,
      quick,
      machine: machine(),
      parameters: { baseline: baseline ?? null, sizes, samples, settleMs: SETTLE_MS, afterSettleMs: AFTER_SETTLE_MS, atRestMs: AT_REST_MS, importerWindowMs: IMPORTER_WINDOW_MS, sim: { tokensPerSecond: 0 }, poolSize: 1 },
      results,
      tables: [{ title: 'ms', markdown: table }],
      notes: [],
    });
  },
};
