// 5. Typing along: after a suggestion is shown, the user types characters that match its start, and the
// server should answer the next completion from what it already has (no upstream request). Measured
// through the LSP (in-process server); a hit is an answer with a suggestion and no new upstream create.
import { CompletionRequest, InlineCompletionRequest, type CompletionList, type InlineCompletionList } from 'vscode-languageserver-protocol/node';
import { barChart, generatingCreates, inProcessLsp, machine, now, printTable, round, summarize, writeResults, type Bench } from './support.js';

const URI = 'file:///work/src/along.ts';
const REPLY = 'values.reduce((sum, v) => sum + v * scale, 0);';
const TYPED_CHARS = 12;

export const typingAlongBench: Bench = {
  name: 'typing-along',
  title: 'Typing along a shown suggestion',
  async run({ quick }) {
    const rounds = quick ? 6 : 100;
    const lsp = await inProcessLsp({ sim: { tokensPerSecond: 1000, latency: { ttftBaseMs: 5 } }, settings: { poolSize: 1 } });
    try {
      lsp.sim.setResponder(() => REPLY);
      const prefix = 'export function total(values: number[], scale: number): number {\n  return ';
      lsp.open(URI, `${prefix}\n}\n`);
      type Kind = 'completion' | 'inline';
      const per: Record<Kind, { first: number[]; hits: number[]; misses: number[]; attempts: number; hitCount: number; consistent: number }> = {
        completion: { first: [], hits: [], misses: [], attempts: 0, hitCount: 0, consistent: 0 },
        inline: { first: [], hits: [], misses: [], attempts: 0, hitCount: 0, consistent: 0 },
      };
      const ask = async (kind: Kind, character: number): Promise<{ ms: number; text: string | undefined }> => {
        const position = { line: 1, character };
        const t0 = now();
        if (kind === 'completion') {
          const list = (await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
          const item = list.items[0];
          const edit = item?.textEdit;
          return { ms: now() - t0, text: edit ? edit.newText : undefined };
        }
        const list = (await lsp.client.sendRequest(InlineCompletionRequest.type, {
          textDocument: { uri: URI },
          position,
          context: { triggerKind: 1 },
        })) as InlineCompletionList;
        const item = list.items[0];
        return { ms: now() - t0, text: item ? (typeof item.insertText === 'string' ? item.insertText : item.insertText.value) : undefined };
      };
      for (let r = 0; r < rounds; r++) {
        const kind: Kind = r % 2 === 0 ? 'completion' : 'inline';
        const stats = per[kind];
        // A fresh line each round so that nothing is left from the previous one.
        const lead = `  return `;
        lsp.change(URI, `${prefix.replace(/  return $/, '')}${lead}\n}\n// round ${r}\n`);
        const first = await ask(kind, lead.length);
        stats.first.push(first.ms);
        for (let c = 1; c <= TYPED_CHARS; c++) {
          const typed = REPLY.slice(0, c);
          lsp.change(URI, `${prefix.replace(/  return $/, '')}${lead}${typed}\n}\n// round ${r}\n`);
          const before = lsp.sim.stats.creates.length;
          const answer = await ask(kind, lead.length + c);
          const upstream = generatingCreates(lsp.sim, before).length;
          stats.attempts++;
          if (answer.text !== undefined && upstream === 0) {
            stats.hitCount++;
            stats.hits.push(answer.ms);
            // completion's newText re-inserts the typed word; both must end with the rest of the suggestion
            if (answer.text.endsWith(REPLY.slice(c))) stats.consistent++;
          } else {
            stats.misses.push(answer.ms);
          }
        }
      }
      const results = (['completion', 'inline'] as Kind[]).map((kind) => {
        const s = per[kind];
        return {
          kind,
          attempts: s.attempts,
          hits: s.hitCount,
          hitRate: round(s.hitCount / (s.attempts || 1), 4),
          hitsConsistentWithSuggestion: s.consistent,
          firstRequest: summarize(s.first),
          hitLatency: summarize(s.hits),
          missLatency: summarize(s.misses),
        };
      });
      const table = printTable(
        `${this.title}: ${rounds} rounds, ${TYPED_CHARS} matching characters typed after each suggestion (ms)`,
        ['request', 'typed-along requests', 'hit rate', 'hit p50', 'hit p99', 'miss p50', 'first request p50'],
        results.map((r) => [r.kind, r.attempts, `${round(r.hitRate * 100, 1)}%`, r.hitLatency.p50, r.hitLatency.p99, r.missLatency.p50, r.firstRequest.p50]),
      );
      const notes = results.map(
        (r) => `${r.kind}: ${r.hits}/${r.attempts} answered without an upstream request (${round(r.hitRate * 100, 1)}%), ${r.hitsConsistentWithSuggestion} of them continue the shown suggestion`,
      );
      if (results.every((r) => r.hits === 0)) notes.push('no hits: every typed-along request went upstream (the typing-along cache is not in this build)');
      for (const n of notes) process.stdout.write(`${n}\n`);
      const svg = barChart({
        title: 'Typing along a suggestion: latency p50 (ms)',
        subtitle: `hit = answered with no upstream request; ${rounds} rounds × ${TYPED_CHARS} characters`,
        unit: 'ms',
        groups: results.map((r) => ({
          label: `${r.kind} (hits ${round(r.hitRate * 100, 0)}%)`,
          bars: [
            { series: 'hit', value: r.hitLatency.p50 },
            { series: 'miss (upstream)', value: r.missLatency.p50 },
            { series: 'first request', value: r.firstRequest.p50 },
          ],
        })),
      });
      writeResults(
        {
          benchmark: 'typing-along',
          title: this.title,
          quick,
          machine: machine(),
          parameters: { rounds, typedChars: TYPED_CHARS, reply: REPLY, sim: { tokensPerSecond: 1000, latency: { ttftBaseMs: 5 } }, server: 'in-process' },
          results,
          tables: [{ title: 'typing along', markdown: table }],
          notes,
        },
        svg,
      );
    } finally {
      await lsp.close();
    }
  },
};
