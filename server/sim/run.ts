// One response being generated: the spec 3.1 event sequence with sequence numbers, pacing of
// deltas at tokens-per-second (batched per timer tick), max_output_tokens, and in-stream faults.
// Transport-neutral: events go to a RunSink (a WebSocket lane or an SSE/JSON HTTP response).
// Timeline: [firstTokenMs] created, in_progress, [prefill of the latency model, latency.ts] output
// items and deltas at tokensPerSecond, terminal event. A warm-up: created, [prefill], completed.
// The output item is a message, or a `custom_tool_call` whose input streams as
// `response.custom_tool_call_input.delta`s (spec 12.2) when the reply is a call of a declared tool.

import type { SimCore, ResponseFault } from './core.js';
import { chunkText, countTokens, makeResponse, makeUsage, newId, obfuscationFor, type Json } from './events.js';
import type { ResolvedReply } from './replies.js';
import { prefillMs } from './latency.js';

export interface RunSink {
  /** Send one event object (the sink may add `stream_id`). */
  send(event: Json): void;
  /** Send a frame that is not valid JSON (malformed fault). */
  sendRaw(text: string, type: string): void;
  /** Cut the transport (close fault). */
  drop(code: 1000 | 1006 | 1011): void;
}

export type RunOutcome = 'completed' | 'incomplete' | 'failed';

export interface RunResult {
  outcome: RunOutcome;
  response: Json;
  /** input + output tokens: what a continuation of this response reads from the cache. */
  totalTokens: number;
  /** The output items (also when a sparse terminal event omitted them). */
  output: Json[];
}

export interface RunPlan {
  id: string;
  body: Json;
  /** Undefined for a `generate:false` warm-up. */
  reply: ResolvedReply | undefined;
  fault: Exclude<ResponseFault, { kind: 'error' }> | undefined;
  inputTokens: number;
  cachedTokens: number;
}

const MIN_TICK_MS = 4;
const REASONING_SUMMARY = 'Planning a short synthetic answer.';

export class ResponseRun {
  private seq = 0;
  private ended = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private response: Json = {};
  private readonly output: Json[] = [];
  private chunks: string[] = [];
  private emitted = 0;
  private startedAt = 0;
  private reasoningTokens = 0;
  private msgId = '';
  private msgIndex = 0;
  /** The tool call being streamed instead of a message, if any. */
  private call: { callId: string; name: string } | undefined;
  private cutReason: string | undefined;
  private pendingFault: RunPlan['fault'];
  private readonly sparse: boolean;
  private readonly tokensPerSecond: number;
  private readonly firstTokenMs: number;
  /** Latency model: time from response.in_progress to the first output (ms). */
  private readonly prefillMs: number;

  constructor(
    private readonly core: SimCore,
    private readonly plan: RunPlan,
    private readonly sink: RunSink,
    private readonly onEnd: (result: RunResult) => void,
  ) {
    this.sparse = plan.fault?.kind === 'sparse';
    this.pendingFault = plan.fault?.kind === 'sparse' ? undefined : plan.fault;
    this.tokensPerSecond = plan.reply?.tokensPerSecond ?? core.knobs.tokensPerSecond;
    this.firstTokenMs = plan.reply?.firstTokenMs ?? core.knobs.firstTokenMs;
    this.prefillMs = prefillMs(core.knobs, plan.inputTokens, plan.cachedTokens);
  }

  get id(): string {
    return this.plan.id;
  }

  /** Begin; may finish synchronously (warm-ups, or tokensPerSecond 0 without a first-token delay). */
  start(): void {
    this.core.stats.inFlight++;
    if (!this.plan.reply) {
      this.warmup();
      return;
    }
    if (this.firstTokenMs > 0) {
      this.timer = this.core.timers.after(this.firstTokenMs, () => this.begin());
    } else {
      this.begin();
    }
  }

  /** Stop without a terminal event or callback (the transport is gone). */
  cancel(): void {
    this.stopped = true;
    this.core.timers.cancel(this.timer);
    this.timer = undefined;
    this.finishAccounting();
  }

  private finishAccounting(): void {
    if (this.ended) return;
    this.ended = true;
    this.core.stats.inFlight--;
  }

  private emit(type: string, fields: Json): void {
    if (this.stopped) return;
    this.sink.send({ type, sequence_number: this.seq++, ...fields });
  }

  private snapshot(): Json {
    return { ...this.response, output: [] };
  }

  private warmup(): void {
    const createdAt = Math.floor(Date.now() / 1000);
    this.response = makeResponse(this.plan.id, this.plan.body, createdAt);
    this.emit('response.created', { response: this.snapshot() });
    if (this.prefillMs > 0) {
      this.timer = this.core.timers.after(this.prefillMs, () => this.warmupDone(createdAt));
    } else {
      this.warmupDone(createdAt);
    }
  }

  private warmupDone(createdAt: number): void {
    this.timer = undefined;
    if (this.stopped) return;
    const usage = makeUsage(this.plan.inputTokens, this.plan.cachedTokens, 0, 0);
    const final = { ...this.response, status: 'completed', completed_at: createdAt, output: [], usage };
    this.emit('response.completed', { response: final });
    this.end({ outcome: 'completed', response: final, totalTokens: usage.total_tokens, output: [...this.output] });
  }

  private begin(): void {
    this.timer = undefined;
    const reply = this.plan.reply;
    if (!reply || this.stopped) return;
    this.response = makeResponse(this.plan.id, this.plan.body, Math.floor(Date.now() / 1000));
    this.emit('response.created', { response: this.snapshot() });
    this.emit('response.in_progress', { response: this.snapshot() });
    if (this.sparse) this.emit('codex.rate_limits', { rate_limits: { primary: { used_percent: 1.0, window_minutes: 300 } } });
    if (this.prefillMs > 0) {
      this.timer = this.core.timers.after(this.prefillMs, () => this.emitOutput());
    } else {
      this.emitOutput();
    }
  }

  /** Output items and deltas, once the prompt is "read". */
  private emitOutput(): void {
    this.timer = undefined;
    const reply = this.plan.reply;
    if (!reply || this.stopped) return;
    if (this.core.knobs.reasoning) this.emitReasoning();

    this.msgIndex = this.output.length;
    if (reply.tool !== undefined) {
      this.msgId = newId('ctc');
      this.call = { callId: newId('call'), name: reply.tool.name };
      if (!this.sparse) {
        this.emit('response.output_item.added', {
          output_index: this.msgIndex,
          item: { id: this.msgId, type: 'custom_tool_call', status: 'in_progress', call_id: this.call.callId, name: this.call.name, input: '' },
        });
      }
    } else {
      this.msgId = newId('msg');
    }
    if (this.call === undefined && !this.sparse) {
      this.emit('response.output_item.added', {
        output_index: this.msgIndex,
        item: { id: this.msgId, type: 'message', status: 'in_progress', role: 'assistant', phase: 'final_answer', content: [] },
      });
      this.emit('response.content_part.added', {
        item_id: this.msgId,
        output_index: this.msgIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      });
    }

    this.chunks = chunkText(reply.text);
    const max = this.plan.body['max_output_tokens'];
    if (typeof max === 'number' && Number.isFinite(max)) {
      const budget = Math.max(0, Math.floor(max) - this.reasoningTokens);
      if (this.chunks.length > budget) {
        this.chunks = this.chunks.slice(0, budget);
        this.cutReason = 'max_output_tokens';
      }
    }
    if (reply.incomplete) this.cutReason = 'max_output_tokens';
    this.startedAt = Date.now();
    this.advance();
  }

  private emitReasoning(): void {
    const id = newId('rs');
    const outputIndex = this.output.length;
    const summary = REASONING_SUMMARY;
    this.reasoningTokens = countTokens(summary);
    this.emit('response.output_item.added', {
      output_index: outputIndex,
      item: { id, type: 'reasoning', summary: [] },
    });
    this.emit('response.reasoning_summary_part.added', {
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: 'summary_text', text: '' },
    });
    for (const piece of chunkText(summary)) {
      const delta: Json = { item_id: id, output_index: outputIndex, summary_index: 0, delta: piece };
      if (this.core.knobs.obfuscation) delta['obfuscation'] = obfuscationFor(this.seq);
      this.emit('response.reasoning_summary_text.delta', delta);
    }
    this.emit('response.reasoning_summary_text.done', {
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      text: summary,
    });
    this.emit('response.reasoning_summary_part.done', {
      item_id: id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: 'summary_text', text: summary },
    });
    const item = { id, type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] };
    this.emit('response.output_item.done', { output_index: outputIndex, item });
    this.output.push(item);
  }

  /** Emit every delta that is due, applying faults at their delta counts; then finish or wait. */
  private advance(): void {
    this.timer = undefined;
    const tps = this.tokensPerSecond;
    while (!this.stopped) {
      const fault = this.pendingFault;
      if (fault && fault.kind !== 'sparse' && this.emitted >= Math.min(fault.afterDeltas ?? 0, this.chunks.length)) {
        this.pendingFault = undefined;
        if (this.applyFault(fault)) return;
        continue;
      }
      if (this.emitted >= this.chunks.length) {
        this.finish(this.cutReason);
        return;
      }
      if (tps > 0) {
        const elapsed = Date.now() - this.startedAt;
        const due = Math.floor((elapsed * tps) / 1000) + 1;
        if (this.emitted >= due) {
          const nextDueAt = this.startedAt + (this.emitted * 1000) / tps;
          this.timer = this.core.timers.after(Math.max(MIN_TICK_MS, Math.ceil(nextDueAt - Date.now())), () => this.advance());
          return;
        }
      }
      this.emitDelta(this.chunks[this.emitted] ?? '');
      this.emitted++;
    }
  }

  private emitDelta(piece: string): void {
    const fields: Json =
      this.call === undefined
        ? { item_id: this.msgId, output_index: this.msgIndex, content_index: 0, delta: piece, logprobs: [] }
        : { item_id: this.msgId, output_index: this.msgIndex, delta: piece };
    if (this.core.knobs.obfuscation) fields['obfuscation'] = obfuscationFor(this.seq);
    this.emit(this.call === undefined ? 'response.output_text.delta' : 'response.custom_tool_call_input.delta', fields);
  }

  /** Returns true when the run stops here. */
  private applyFault(fault: NonNullable<RunPlan['fault']>): boolean {
    switch (fault.kind) {
      case 'close':
        this.core.log(`fault: close ${fault.code} on ${this.plan.id} after ${this.emitted} deltas`);
        this.stopped = true;
        this.finishAccounting();
        this.sink.drop(fault.code);
        return true;
      case 'failed':
        this.fail(fault.code, fault.message ?? 'The server had an error while processing your request. Sorry about that!');
        return true;
      case 'incomplete':
        this.finish('max_output_tokens');
        return true;
      case 'stall':
        // Stays in flight, silent, until the transport goes away.
        this.core.log(`fault: stall on ${this.plan.id} after ${this.emitted} deltas`);
        this.stopped = true;
        return true;
      case 'malformed': {
        const seq = this.seq++;
        this.sink.sendRaw(
          `{"type":"response.output_text.delta","sequence_number":${seq},"item_id":"${this.msgId}","delta":"unterminated`,
          'response.output_text.delta',
        );
        return false;
      }
      case 'bad-shape':
        this.emit('response.output_text.delta', {
          item_id: this.msgId,
          output_index: this.msgIndex,
          content_index: 0,
          delta: 42,
          logprobs: 'not-a-list',
        });
        return false;
      case 'sparse':
        return false;
    }
  }

  private partText(): string {
    return this.chunks.slice(0, this.emitted).join('');
  }

  private finish(reason: string | undefined): void {
    if (this.call !== undefined) {
      this.finishCall(this.call, reason);
      return;
    }
    const text = this.partText();
    const part = { type: 'output_text', text, annotations: [], logprobs: [] };
    if (!this.sparse) {
      this.emit('response.output_text.done', {
        item_id: this.msgId,
        output_index: this.msgIndex,
        content_index: 0,
        text,
        logprobs: [],
      });
      this.emit('response.content_part.done', {
        item_id: this.msgId,
        output_index: this.msgIndex,
        content_index: 0,
        part,
      });
    }
    const item = {
      id: this.msgId,
      type: 'message',
      status: reason ? 'incomplete' : 'completed',
      role: 'assistant',
      phase: 'final_answer',
      content: [part],
    };
    this.endItem(item, reason);
  }

  private finishCall(call: { callId: string; name: string }, reason: string | undefined): void {
    const input = this.partText();
    if (!this.sparse) this.emit('response.custom_tool_call_input.done', { item_id: this.msgId, output_index: this.msgIndex, input });
    const item = { id: this.msgId, type: 'custom_tool_call', status: reason ? 'incomplete' : 'completed', call_id: call.callId, name: call.name, input };
    this.endItem(item, reason);
  }

  /** `output_item.done` for the finished item, then the terminal event. */
  private endItem(item: Json, reason: string | undefined): void {
    this.emit('response.output_item.done', { output_index: this.msgIndex, item });
    this.output.push(item);
    if (this.sparse) this.emit('responsesapi.websocket_timing', { timing: { total_ms: Date.now() - this.startedAt } });

    const usage = this.usage();
    const final: Json = {
      ...this.response,
      status: reason ? 'incomplete' : 'completed',
      completed_at: reason ? null : Math.floor(Date.now() / 1000),
      incomplete_details: reason ? { reason } : null,
      output: [...this.output],
      usage,
    };
    if (this.sparse) delete final['output'];
    this.emit(reason ? 'response.incomplete' : 'response.completed', { response: final });
    this.end({ outcome: reason ? 'incomplete' : 'completed', response: final, totalTokens: usage.total_tokens, output: [...this.output] });
  }

  private fail(code: string, message: string): void {
    const usage = this.usage();
    const final: Json = {
      ...this.response,
      status: 'failed',
      error: { code, message },
      output: [...this.output],
      usage,
    };
    this.emit('response.failed', { response: final });
    this.end({ outcome: 'failed', response: final, totalTokens: usage.total_tokens, output: [...this.output] });
  }

  private usage() {
    return makeUsage(this.plan.inputTokens, this.plan.cachedTokens, this.emitted + this.reasoningTokens, this.reasoningTokens);
  }

  private end(result: RunResult): void {
    if (this.ended) return;
    this.stopped = true;
    this.finishAccounting();
    this.onEnd(result);
  }
}
