// 10. Reviews by the larger model (issue 9), with the built server over stdio against spark-sim:
//   a. completion latency while a slow review streams vs with none, interleaved block by block;
//   b. wall time from the applied edit (workspace/applyEdit at the client) to the first published finding, at a
//      simulated 40 ms round trip, for a review model as fast as the simulator's Spark and for a slower one;
//   c. tokens per review (input, cached, output) for a one-line edit in a 300-line file.
import {
  ApplyWorkspaceEditRequest,
  CompletionRequest,
  ExecuteCommandRequest,
  PublishDiagnosticsNotification,
  type ApplyWorkspaceEditParams,
  type CompletionList,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { estimateTokens } from '../../server/context/prompt.js';
import type { SimFinding, SimModel, SimRequest } from '../../server/sim/api.js';
import { applyAsEditor } from '../support/lsp-harness.js';
import { barChart, machine, now, printTable, round, stdioLsp, summarize, syntheticSource, writeResults, type Bench, type LspUnderTest, type Summary } from './support.js';

const REVIEW_MODEL = 'gpt-5.3-codex';
const URI = 'file:///work/src/handlers.ts';
const PATH = '/work/src/handlers.ts';
const COMPLETION_REPLY = 'compute(1);';
/** Limit on the latency ratio the issue asks for (with a review streaming / without). */
const MAX_RATIO = 1.1;

const isReview = (r: SimRequest) => r.jsonSchema !== undefined;

/** The client side of an editor: applies the server's edits to its copies and reports them with didChange. */
function editorSide(lsp: LspUnderTest, docs: Map<string, TextDocument>, onApplied: (params: ApplyWorkspaceEditParams) => void): void {
  lsp.client.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
    onApplied(params);
    return applyAsEditor(docs, params.edit, false, (uri) => lsp.change(uri, docs.get(uri)!.getText()));
  });
}

function open(lsp: LspUnderTest, docs: Map<string, TextDocument>, uri: string, text: string): void {
  docs.set(uri, TextDocument.create(uri, 'typescript', 1, text));
  lsp.open(uri, text);
}

const finding = (line: number): SimFinding => ({
  title: '[P1] Division by zero when values is empty',
  body: 'values.length is 0 for an empty input, and the average becomes NaN.',
  confidence_score: 0.8,
  priority: 1,
  code_location: { absolute_file_path: PATH, line_range: { start: line, end: line } },
});

// ------------------------------------------------------------------------------------------ a. latency

interface LatencyResult {
  mode: 'no review' | 'review streaming';
  completions: number;
  latency: Summary;
}

interface Session {
  p50Ratio: number;
  p99Ratio: number;
  /** 1-minute load average when the session ended. */
  load: number;
}

/**
 * Sessions of interleaved blocks, each with a fresh server; the samples of all sessions are pooled (a p99 over
 * 1,800 samples per mode is the 18th largest, not one stall of a shared machine), and each session's own
 * ratios are kept to show the spread.
 */
async function completionLatency(quick: boolean): Promise<{ results: LatencyResult[]; blocks: number; perBlock: number; sessions: Session[]; reviews: number; reviewMs: Summary }> {
  const sessions = quick ? 1 : 3;
  const blocks = quick ? 4 : 40;
  const perBlock = quick ? 10 : 30;
  const samples: Record<LatencyResult['mode'], number[]> = { 'no review': [], 'review streaming': [] };
  const reviewMs: number[] = [];
  const perSession: Session[] = [];
  for (let s = 0; s < sessions; s++) {
    const mine = await latencySession(blocks, perBlock, reviewMs);
    samples['no review'].push(...mine['no review']);
    samples['review streaming'].push(...mine['review streaming']);
    const none = summarize(mine['no review']);
    const streaming = summarize(mine['review streaming']);
    perSession.push({ p50Ratio: round(streaming.p50 / none.p50), p99Ratio: round(streaming.p99 / none.p99), load: round(machine().loadAvg[0] ?? NaN, 2) });
  }
  return {
    results: (['no review', 'review streaming'] as const).map((mode) => ({ mode, completions: samples[mode].length, latency: summarize(samples[mode]) })),
    blocks,
    perBlock,
    sessions: perSession,
    reviews: reviewMs.length,
    reviewMs: summarize(reviewMs),
  };
}

async function latencySession(blocks: number, perBlock: number, reviewMs: number[]): Promise<Record<LatencyResult['mode'], number[]>> {
  // A slow review: 40 tokens/s for a long answer, so one streams through a whole block of completions.
  const models: Record<string, SimModel> = { [REVIEW_MODEL]: { tokensPerSecond: 40 } };
  const lsp = await stdioLsp({ sim: { tokensPerSecond: 1000, latency: { ttftBaseMs: 5 }, models }, settings: {} });
  const docs = new Map<string, TextDocument>();
  try {
    lsp.sim.setReviewer(() => ({
      findings: [],
      overall_correctness: 'patch is correct',
      overall_explanation: 'The change keeps every caller working. '.repeat(8),
      overall_confidence_score: 0.7,
    }));
    lsp.sim.setResponder(() => COMPLETION_REPLY);
    const base = syntheticSource(120);
    open(lsp, docs, URI, `${base}const v0 = `);
    let measuring = false;
    let streaming: Promise<void> | undefined;
    const startReview = async (): Promise<void> => {
      const creates = lsp.sim.stats.creates.length;
      const t0 = now();
      const done = lsp.client.sendRequest(ExecuteCommandRequest.type, { command: 'spark.review', arguments: [{ uri: URI }] }).then(() => {
        if (measuring) reviewMs.push(now() - t0);
      });
      streaming = done.finally(() => (streaming = undefined));
      await lsp.sim.waitForCreates(creates + 1);
    };
    const ask = async (i: number): Promise<number> => {
      const text = `${base}const v${i} = `;
      lsp.change(URI, text);
      const position = { line: 120, character: `const v${i} = `.length };
      const t0 = now();
      (await lsp.client.sendRequest(CompletionRequest.type, { textDocument: { uri: URI }, position })) as CompletionList;
      return now() - t0;
    };
    const samples: Record<LatencyResult['mode'], number[]> = { 'no review': [], 'review streaming': [] };
    for (let i = 1; i <= 20; i++) await ask(i); // warm-up
    // One review before measuring: the first one loads the syntax parsers (once per process, ~250 ms).
    await startReview();
    await streaming;
    measuring = true;
    let n = 100;
    for (let b = 0; b < blocks; b++) {
      const mode: LatencyResult['mode'] = b % 2 === 0 ? 'no review' : 'review streaming';
      if (mode === 'no review') {
        await streaming; // the previous block's review has finished
      } else {
        await startReview();
      }
      for (let k = 0; k < perBlock; k++) {
        // Only samples taken wholly inside the mode count: a review in flight from start to end, or none.
        const during = streaming !== undefined;
        const ms = await ask(n++);
        if ((streaming !== undefined) === during && during === (mode === 'review streaming')) samples[mode].push(ms);
      }
    }
    await streaming;
    return samples;
  } finally {
    await lsp.close();
  }
}

// ------------------------------------------------------------------------------------ b. time to finding

interface FindingResult {
  reviewModel: string;
  rounds: number;
  /** From the workspace/applyEdit request reaching the client to the first publishDiagnostics with a finding. */
  editToFinding: Summary;
}

async function timeToFinding(quick: boolean, label: string, model: SimModel): Promise<FindingResult> {
  const rounds = quick ? 3 : 12;
  const lsp = await stdioLsp({ sim: { tokensPerSecond: 1000, latency: { rttMs: 40 }, models: { [REVIEW_MODEL]: model } }, settings: {} });
  const docs = new Map<string, TextDocument>();
  try {
    let appliedAt = 0;
    let found: ((t: number) => void) | undefined;
    editorSide(lsp, docs, () => (appliedAt = now()));
    lsp.client.onNotification(PublishDiagnosticsNotification.type, (p) => {
      if (p.uri === URI && p.diagnostics.length > 0) found?.(now());
    });
    const text = syntheticSource(60);
    open(lsp, docs, URI, text);
    lsp.sim.setReviewer(() => [finding(5)]);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      lsp.sim.setResponder((req) => (isReview(req) ? '' : `  let total = ${r + 1};\n`));
      const published = new Promise<number>((resolve) => (found = resolve));
      // Line 3 of the first function (0-based 2): `  let total = 0;` becomes `  let total = r + 1;`.
      await lsp.client.sendRequest(ExecuteCommandRequest.type, {
        command: 'spark.edit',
        arguments: [{ uri: URI, range: { start: { line: 2, character: 0 }, end: { line: 3, character: 0 } }, instruction: `start the total at ${r + 1}` }],
      });
      times.push((await published) - appliedAt);
      found = undefined;
    }
    return { reviewModel: label, rounds, editToFinding: summarize(times) };
  } finally {
    await lsp.close();
  }
}

// ---------------------------------------------------------------------------------------------- c. tokens

interface TokenResult {
  fileLines: number;
  /** The whole file's estimated tokens, for scale. */
  fileTokens: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  promptChars: number;
}

async function tokensPerReview(): Promise<TokenResult> {
  const lsp = await stdioLsp({ sim: { tokensPerSecond: 0 }, settings: {} });
  const docs = new Map<string, TextDocument>();
  try {
    const usage: RegExpExecArray[] = [];
    lsp.client.onNotification('window/logMessage', (p: { message: string }) => {
      const m = /^review #\d+: .*\((\d+) in, (\d+) cached, (\d+) out\)$/.exec(p.message);
      if (m) usage.push(m);
    });
    let logged: () => void = () => {};
    const published = new Promise<void>((resolve) => (logged = resolve));
    lsp.client.onNotification(PublishDiagnosticsNotification.type, (p) => {
      if (p.uri === URI && p.diagnostics.length > 0) logged();
    });
    editorSide(lsp, docs, () => {});
    const text = syntheticSource(300);
    open(lsp, docs, URI, text);
    lsp.sim.setReviewer(() => [finding(150)]);
    lsp.sim.setResponder(() => '  let total = 1;\n');
    // A one-line change in the middle of the file: line 150 (0-based 149) is `  let total = 0;` of a function.
    const line = text.split('\n').findIndex((l, i) => i >= 145 && l === '  let total = 0;');
    await lsp.client.sendRequest(ExecuteCommandRequest.type, {
      command: 'spark.edit',
      arguments: [{ uri: URI, range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, instruction: 'start the total at 1' }],
    });
    await published;
    // The log line follows the diagnostics in the same turn of the server's loop.
    while (usage.length === 0) await new Promise((r) => setTimeout(r, 10));
    const review = lsp.sim.stats.creates.find((c) => (c.body['text'] as { format?: { type?: string } })?.format?.type === 'json_schema')!;
    const [, input, cached, output] = usage[0]!.map(Number);
    return {
      fileLines: 300,
      fileTokens: estimateTokens(text),
      inputTokens: input!,
      cachedTokens: cached!,
      outputTokens: output!,
      promptChars: JSON.stringify(review.body['input']).length + String(review.body['instructions']).length,
    };
  } finally {
    await lsp.close();
  }
}

export const reviewBench: Bench = {
  name: 'review',
  title: 'Reviews by the larger model: completions meanwhile, time to the first finding, tokens',
  async run({ quick }) {
    const latency = await completionLatency(quick);
    const [none, streaming] = latency.results as [LatencyResult, LatencyResult];
    const p50Ratio = round(streaming.latency.p50 / none.latency.p50);
    const p99Ratio = round(streaming.latency.p99 / none.latency.p99);
    const latencyTable = printTable(
      `a. Completion latency with a slow review streaming vs none (${latency.sessions.length} sessions of ${latency.blocks} interleaved blocks of ${latency.perBlock}, pooled; ms)`,
      ['mode', 'completions', 'p50', 'p90', 'p99', 'mean'],
      [
        ...latency.results.map((r) => [r.mode, r.completions, r.latency.p50, r.latency.p90, r.latency.p99, r.latency.mean]),
        ['ratio (streaming / none)', '', p50Ratio, round(streaming.latency.p90 / none.latency.p90), p99Ratio, round(streaming.latency.mean / none.latency.mean)],
      ],
    );
    const fast = await timeToFinding(quick, 'as fast as Spark in the simulator (1000 tokens/s)', {});
    const slow = await timeToFinding(quick, 'slower: 100 tokens/s, first token after 1.5 s', { tokensPerSecond: 100, firstTokenMs: 1_500 });
    const findingTable = printTable(
      'b. Applied edit → first published finding, 40 ms simulated round trip (ms)',
      ['review model', 'rounds', 'p50', 'p90', 'max'],
      [fast, slow].map((r) => [r.reviewModel, r.rounds, r.editToFinding.p50, r.editToFinding.p90, r.editToFinding.max]),
    );
    const tokens = await tokensPerReview();
    const tokenTable = printTable(
      'c. Tokens per review: a one-line edit in a 300-line file',
      ['file', 'whole file (est. tokens)', 'review input', 'cached', 'output'],
      [[`${tokens.fileLines} lines`, tokens.fileTokens, tokens.inputTokens, tokens.cachedTokens, tokens.outputTokens]],
    );
    const notes = [
      `a. completion p50 ×${p50Ratio}, p99 ×${p99Ratio} while a review streams (limit ×${MAX_RATIO}: ${p50Ratio <= MAX_RATIO && p99Ratio <= MAX_RATIO ? 'met' : 'NOT met'}); ${latency.reviews} reviews streamed, each ${round(latency.reviewMs.p50 / 1000, 1)} s at the median; per session (p50, p99 ratio @ load): ${latency.sessions.map((x) => `×${x.p50Ratio}, ×${x.p99Ratio} @ ${x.load}`).join('; ')}`,
      `b. edit → finding p50 ${round(fast.editToFinding.p50)} ms with a review model as fast as the simulated Spark, ${round(slow.editToFinding.p50)} ms with the slower one`,
      `c. the review sends ${tokens.inputTokens} input tokens (the diff and the function, not the ${tokens.fileTokens}-token file), ${tokens.cachedTokens} cached (spark-sim counts cache hits only for chained requests; reviews are not chained), ${tokens.outputTokens} output tokens for one finding (spark-sim simulates no reasoning tokens)`,
    ];
    for (const n of notes) process.stdout.write(`${n}\n`);
    const svg = barChart({
      title: 'Completion latency while a review streams (ms)',
      subtitle: `built server over stdio; ${latency.sessions.length} sessions of ${latency.blocks} interleaved blocks`,
      unit: 'ms',
      groups: [
        { label: 'p50', bars: latency.results.map((r) => ({ series: r.mode, value: r.latency.p50 })) },
        { label: 'p99', bars: latency.results.map((r) => ({ series: r.mode, value: r.latency.p99 })) },
      ],
    });
    writeResults(
      {
        benchmark: 'review',
        title: this.title,
        quick,
        machine: machine(),
        parameters: {
          server: 'built server over stdio',
          latency: { sim: { tokensPerSecond: 1000, ttftBaseMs: 5 }, reviewModel: { tokensPerSecond: 40 }, sessions: latency.sessions.length, blocks: latency.blocks, perBlock: latency.perBlock },
          timeToFinding: { rttMs: 40, models: [fast.reviewModel, slow.reviewModel] },
          tokens: { fileLines: 300, edit: 'one line inside a function' },
        },
        results: { latency, p50Ratio, p99Ratio, timeToFinding: [fast, slow], tokens },
        tables: [
          { title: 'completion latency', markdown: latencyTable },
          { title: 'edit to finding', markdown: findingTable },
          { title: 'tokens per review', markdown: tokenTable },
        ],
        notes,
      },
      svg,
    );
  },
};
