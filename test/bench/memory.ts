// 7. Memory with 50 open documents of 5,000 lines: the built server over stdio (resident size of its own
// process, from /proc), and the in-process server (heap used by this process, after a forced GC).
import { CompletionRequest } from 'vscode-languageserver-protocol/node';
import {
  barChart,
  gcFunction,
  inProcessLsp,
  machine,
  mib,
  printTable,
  rssOf,
  sleep,
  stdioLsp,
  syntheticSource,
  writeResults,
  type Bench,
  type LspUnderTest,
} from './support.js';

const DOCS = 50;
const LINES = 5000;

async function openAll(lsp: LspUnderTest): Promise<number> {
  let bytes = 0;
  for (let d = 0; d < DOCS; d++) {
    const text = syntheticSource(LINES, d * 1000);
    bytes += Buffer.byteLength(text);
    lsp.open(`file:///work/src/mem${d}.ts`, text);
  }
  // A request after the notifications: the server has handled every didOpen when it answers.
  await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: `file:///work/src/mem${DOCS - 1}.ts` }, position: { line: 0, character: 0 } });
  return bytes;
}

export const memoryBench: Bench = {
  name: 'memory',
  title: `Memory with ${DOCS} open documents of ${LINES.toLocaleString('en')} lines`,
  async run({ quick }) {
    const settle = quick ? 300 : 1500;
    // Built server in its own process: RSS only (its heap is not visible from here).
    const stdio = await stdioLsp({ sim: { tokensPerSecond: 0 }, settings: { poolSize: 2 } });
    let stdioRes: { baselineRssMiB: number; openRssMiB: number; textMiB: number } | undefined;
    try {
      stdio.sim.setResponder(() => '');
      await sleep(settle);
      const before = rssOf(stdio.pid);
      const bytes = await openAll(stdio);
      await sleep(settle);
      const after = rssOf(stdio.pid);
      if (before !== undefined && after !== undefined) stdioRes = { baselineRssMiB: mib(before), openRssMiB: mib(after), textMiB: mib(bytes) };
    } finally {
      await stdio.close();
    }
    // In-process: heap used and RSS of this process (which also holds the client and simulator).
    const gc = gcFunction();
    const inproc = await inProcessLsp({ sim: { tokensPerSecond: 0 }, settings: { poolSize: 2 } });
    let inRes: { baselineHeapMiB: number; openHeapMiB: number; baselineRssMiB: number; openRssMiB: number; textMiB: number };
    try {
      inproc.sim.setResponder(() => '');
      await sleep(settle);
      gc?.();
      const before = process.memoryUsage();
      const bytes = await openAll(inproc);
      await sleep(settle);
      gc?.();
      const after = process.memoryUsage();
      inRes = { baselineHeapMiB: mib(before.heapUsed), openHeapMiB: mib(after.heapUsed), baselineRssMiB: mib(before.rss), openRssMiB: mib(after.rss), textMiB: mib(bytes) };
    } finally {
      await inproc.close();
    }
    const rows: (string | number)[][] = [];
    if (stdioRes) rows.push(['built server (stdio), RSS of its process', stdioRes.baselineRssMiB, stdioRes.openRssMiB, Math.round((stdioRes.openRssMiB - stdioRes.baselineRssMiB) * 10) / 10]);
    rows.push(['in-process, heap used (after GC)', inRes.baselineHeapMiB, inRes.openHeapMiB, Math.round((inRes.openHeapMiB - inRes.baselineHeapMiB) * 10) / 10]);
    rows.push(['in-process, RSS of the bench process', inRes.baselineRssMiB, inRes.openRssMiB, Math.round((inRes.openRssMiB - inRes.baselineRssMiB) * 10) / 10]);
    const table = printTable(`${this.title} (${inRes.textMiB} MiB of text; MiB)`, ['measure', 'after initialize', `${DOCS} docs open`, 'growth'], rows);
    const notes = [
      stdioRes ? `built server: ${stdioRes.baselineRssMiB} → ${stdioRes.openRssMiB} MiB RSS for ${stdioRes.textMiB} MiB of document text` : 'RSS of the child process could not be read (/proc unavailable)',
      `heap growth ${Math.round((inRes.openHeapMiB - inRes.baselineHeapMiB) * 10) / 10} MiB for ${inRes.textMiB} MiB of text (JavaScript strings of ASCII text take one byte per character)`,
    ];
    for (const n of notes) process.stdout.write(`${n}\n`);
    const svg = barChart({
      title: `Memory: ${DOCS} documents × ${LINES} lines (MiB)`,
      subtitle: `${inRes.textMiB} MiB of document text in total`,
      unit: 'MiB',
      groups: [
        ...(stdioRes ? [{ label: 'stdio server RSS', bars: [{ series: 'after initialize', value: stdioRes.baselineRssMiB }, { series: `${DOCS} docs open`, value: stdioRes.openRssMiB }] }] : []),
        { label: 'in-process heap used', bars: [{ series: 'after initialize', value: inRes.baselineHeapMiB }, { series: `${DOCS} docs open`, value: inRes.openHeapMiB }] },
      ],
    });
    writeResults(
      {
        benchmark: 'memory',
        title: this.title,
        quick,
        machine: machine(),
        parameters: { documents: DOCS, linesPerDocument: LINES, settleMs: settle, gcForInProcess: gc !== undefined },
        results: { stdio: stdioRes, inProcess: inRes },
        tables: [{ title: 'MiB', markdown: table }],
        notes,
      },
      svg,
    );
  },
};
