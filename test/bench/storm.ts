// 4. Typing storm: 20 keystrokes per second on one document through the LSP, each a didChange and a
// completion, the client cancelling the previous completion with $/cancelRequest as Neovim does.
// In-process server (so heap can be read); the simulator paces replies at 1000 tok/s after a 5 ms TTFT.
import {
  CancellationTokenSource,
  CompletionRequest,
  LSPErrorCodes,
  ResponseError,
  type CompletionList,
} from 'vscode-languageserver-protocol/node';
import {
  gcFunction,
  generatingCreates,
  inProcessLsp,
  lineChart,
  machine,
  mib,
  now,
  printTable,
  round,
  sleep,
  summarize,
  syntheticSource,
  writeResults,
  type Bench,
} from './support.js';

const URI = 'file:///work/src/storm.ts';
const RATE = 20;
const TYPED = 'const result = compute(values, scale) + offset * factor;';
const REPLY = ' // adjusted for the current scale and offset values';

type Outcome = 'suggestion' | 'empty' | 'cancelled' | 'error';

export const stormBench: Bench = {
  name: 'storm',
  title: 'Typing storm: 20 keystrokes/s on one document',
  async run({ quick }) {
    const seconds = quick ? 5 : 60;
    const keystrokes = seconds * RATE;
    const gc = gcFunction();
    const lsp = await inProcessLsp({ sim: { tokensPerSecond: 1000, latency: { ttftBaseMs: 5 } }, settings: { poolSize: 2 } });
    try {
      lsp.sim.setResponder(() => REPLY);
      const base = syntheticSource(200);
      lsp.open(URI, base);
      gc?.();
      const memStart = process.memoryUsage();
      const createsStart = lsp.sim.stats.creates.length;
      const outcomes: (Outcome | undefined)[] = new Array(keystrokes).fill(undefined);
      const latencies: number[] = [];
      const memSeries: [number, number][] = [[0, mib(memStart.rss)]];
      const pending: Promise<void>[] = [];
      let previous: CancellationTokenSource | undefined;
      let typedLine = '';
      let doneLines = '';
      const t0 = now();
      for (let k = 0; k < keystrokes; k++) {
        const due = t0 + (k * 1000) / RATE;
        const wait = due - now();
        if (wait > 0) await sleep(wait);
        if (k % RATE === 0 && k > 0) memSeries.push([round((now() - t0) / 1000, 1), mib(process.memoryUsage().rss)]);
        // Type one character; a finished line starts a new one.
        if (typedLine.length === TYPED.length) {
          doneLines += `${typedLine}\n`;
          typedLine = '';
        }
        typedLine += TYPED[typedLine.length]!;
        const text = base + doneLines + typedLine;
        lsp.change(URI, text);
        previous?.cancel();
        const source = new CancellationTokenSource();
        previous = source;
        const position = { line: base.split('\n').length - 1 + doneLines.split('\n').length - 1, character: typedLine.length };
        const sent = now();
        const index = k;
        pending.push(
          lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position }, source.token).then(
            (list) => {
              const items = (list as CompletionList).items;
              outcomes[index] = items.length > 0 ? 'suggestion' : 'empty';
              if (items.length > 0) latencies.push(now() - sent);
            },
            (e: unknown) => {
              outcomes[index] = e instanceof ResponseError && e.code === LSPErrorCodes.RequestCancelled ? 'cancelled' : 'error';
            },
          ),
        );
      }
      const typingMs = now() - t0;
      await Promise.race([Promise.all(pending), sleep(10_000)]);
      await sleep(200); // let abandoned upstream responses drain
      gc?.();
      const memEnd = process.memoryUsage();
      memSeries.push([round((now() - t0) / 1000, 1), mib(memEnd.rss)]);
      const count = (o: Outcome | undefined) => outcomes.filter((x) => x === o).length;
      const answered = keystrokes - count(undefined);
      const upstream = generatingCreates(lsp.sim, createsStart).length;
      const warmUps = lsp.sim.stats.creates.length - createsStart - upstream;
      const lat = summarize(latencies);
      const results = {
        keystrokes,
        typingSeconds: round(typingMs / 1000, 2),
        answered,
        answeredShare: round(answered / keystrokes, 4),
        suggestion: count('suggestion'),
        empty: count('empty'),
        cancelled: count('cancelled'),
        errors: count('error'),
        unanswered: count(undefined),
        upstreamResponsesStarted: upstream,
        warmUpsSent: warmUps,
        latencyWithSuggestion: lat,
        memory: {
          start: { rssMiB: mib(memStart.rss), heapUsedMiB: mib(memStart.heapUsed) },
          end: { rssMiB: mib(memEnd.rss), heapUsedMiB: mib(memEnd.heapUsed) },
          gcBeforeReading: gc !== undefined,
        },
      };
      const table = printTable(
        `${this.title} for ${seconds} s (${keystrokes} keystrokes; in-process server)`,
        ['measure', 'value'],
        [
          ['requests answered', `${answered} / ${keystrokes} (${round(results.answeredShare * 100, 2)}%)`],
          ['… with a suggestion / empty / RequestCancelled / error', `${results.suggestion} / ${results.empty} / ${results.cancelled} / ${results.errors}`],
          ['upstream responses started (completions; warm-ups apart)', `${upstream} (+${warmUps} warm-ups)`],
          ['latency with a suggestion p50 / p99 (ms)', `${lat.p50} / ${lat.p99}`],
          ['RSS start → end (MiB)', `${results.memory.start.rssMiB} → ${results.memory.end.rssMiB}`],
          ['heap used start → end (MiB)', `${results.memory.start.heapUsedMiB} → ${results.memory.end.heapUsedMiB}`],
        ],
      );
      const notes = [
        `answered ${round(results.answeredShare * 100, 2)}% (must be 100%: ${answered === keystrokes ? 'met' : 'NOT met'})`,
        'memory is of the whole bench process (server, LSP client and simulator share it), after a forced GC',
      ];
      for (const n of notes) process.stdout.write(`${n}\n`);
      const svg = lineChart({
        title: `Typing storm (${RATE} keys/s): resident size of the bench process`,
        xLabel: 'seconds',
        yLabel: 'RSS (MiB)',
        series: [{ name: 'RSS MiB', points: memSeries }],
      });
      writeResults(
        {
          benchmark: 'storm',
          title: this.title,
          quick,
          machine: machine(),
          parameters: { seconds, keystrokesPerSecond: RATE, sim: { tokensPerSecond: 1000, latency: { ttftBaseMs: 5 } }, reply: REPLY, documentLines: 200, server: 'in-process', cancellation: '$/cancelRequest of the previous completion before each new one' },
          results: { ...results, memorySeries: memSeries },
          tables: [{ title: 'storm', markdown: table }],
          notes,
        },
        svg,
      );
    } finally {
      await lsp.close();
    }
  },
};
