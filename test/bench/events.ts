// 6. Event throughput: frames validated per second by parseServerEvent (JSON.parse + zod schema), on one
// core. The frames are real: recorded from spark-sim streaming 60-token replies on a named lane, so the mix
// is what a completion brings (mostly response.output_text.delta, plus the scaffolding and terminal events).
import { startSim } from '../../server/sim/index.js';
import { parseServerEvent } from '../../server/spark/events.js';
import { WarmSocket } from './raw.js';
import { replyOfTokens } from './transport.js';
import { barChart, machine, now, printTable, round, summarize, writeResults, type Bench } from './support.js';
import WebSocket from 'ws';

const TARGET = 100_000;

async function recordFrames(): Promise<string[]> {
  const sim = await startSim({ tokensPerSecond: 0, obfuscation: true, responder: () => replyOfTokens(60) });
  try {
    const frames: string[] = [];
    const raw = await WarmSocket.open(sim);
    // Listen alongside WarmSocket's own handler.
    ((raw as unknown as { ws: WebSocket }).ws).on('message', (d: WebSocket.RawData) => frames.push(d.toString()));
    await raw.request(
      JSON.stringify({
        type: 'response.create',
        model: 'gpt-5.3-codex-spark',
        store: false,
        stream_id: 'l0',
        instructions: 'Reply with only the text to insert at the cursor.',
        input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'const x = <|cursor|>' }] }],
        max_output_tokens: 256,
      }),
    );
    raw.close();
    return frames;
  } finally {
    await sim.close();
  }
}

export const eventsBench: Bench = {
  name: 'events',
  title: 'Event throughput of parseServerEvent (one core)',
  async run({ quick }) {
    const frames = await recordFrames();
    const mix: Record<string, number> = {};
    for (const f of frames) {
      const t = (JSON.parse(f) as { type: string }).type;
      mix[t] = (mix[t] ?? 0) + 1;
    }
    const trials = quick ? 3 : 10;
    const trialMs = quick ? 300 : 1500;
    // Warm-up (JIT), and a check that every frame validates.
    let bad = 0;
    for (let i = 0; i < 2000; i++) for (const f of frames) if (parseServerEvent(f).kind !== 'event') bad++;
    const rates: number[] = [];
    const deltaRates: number[] = [];
    const deltas = frames.filter((f) => f.includes('"response.output_text.delta"'));
    const measure = (set: string[]) => {
      let n = 0;
      const t0 = now();
      let elapsed = 0;
      while (elapsed < trialMs) {
        for (let r = 0; r < 50; r++) for (const f of set) if (parseServerEvent(f).kind === 'event') n++;
        elapsed = now() - t0;
      }
      return (n / elapsed) * 1000;
    };
    for (let t = 0; t < trials; t++) {
      rates.push(measure(frames));
      deltaRates.push(measure(deltas));
    }
    const mixed = summarize(rates);
    const onlyDeltas = summarize(deltaRates);
    const meanBytes = round(frames.reduce((a, f) => a + f.length, 0) / frames.length, 1);
    const table = printTable(
      `${this.title}: ${trials} trials of ${trialMs} ms (events/s)`,
      ['frames', 'median', 'min', 'max', 'vs target 100,000/s'],
      [
        [`recorded completion mix (${frames.length} frames, ${meanBytes} bytes avg)`, Math.round(mixed.p50), Math.round(mixed.min), Math.round(mixed.max), `${round(mixed.p50 / TARGET, 2)}×`],
        [`output_text.delta only (${deltas.length} frames)`, Math.round(onlyDeltas.p50), Math.round(onlyDeltas.min), Math.round(onlyDeltas.max), `${round(onlyDeltas.p50 / TARGET, 2)}×`],
      ],
    );
    const notes = [
      `mixed frames: ${Math.round(mixed.p50)} events/s median (target ≥ ${TARGET}: ${mixed.p50 >= TARGET ? 'met' : 'NOT met'}); ${bad} frames failed validation in the warm-up`,
      `mix: ${Object.entries(mix).map(([k, v]) => `${k} ×${v}`).join(', ')}`,
    ];
    for (const n of notes) process.stdout.write(`${n}\n`);
    const svg = barChart({
      title: 'parseServerEvent throughput (events/s, median)',
      subtitle: `one core; frames recorded from spark-sim (with obfuscation padding); target ${TARGET.toLocaleString('en')}/s`,
      unit: 'ev/s',
      groups: [
        { label: 'completion mix', bars: [{ series: 'events/s', value: Math.round(mixed.p50) }] },
        { label: 'deltas only', bars: [{ series: 'events/s', value: Math.round(onlyDeltas.p50) }] },
        { label: 'target', bars: [{ series: 'events/s', value: TARGET }] },
      ],
    });
    writeResults(
      {
        benchmark: 'events',
        title: this.title,
        quick,
        machine: machine(),
        parameters: { trials, trialMs, frames: frames.length, meanFrameBytes: meanBytes, mix, obfuscation: true, target: TARGET },
        results: { mixed, deltasOnly: onlyDeltas, failedValidation: bad },
        tables: [{ title: 'events/s', markdown: table }],
        notes,
      },
      svg,
    );
  },
};
