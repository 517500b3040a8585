// Where reply text comes from: the enqueue() queue, then the responder, then the deterministic
// synthetic default. Also extracts the request's input text (for SimRequest and token counts).

import type { SimReply, SimRequest } from './api.js';
import type { SimCore } from './core.js';
import type { Json } from './events.js';

export interface ResolvedReply {
  text: string;
  incomplete: boolean;
  tokensPerSecond: number | undefined;
  firstTokenMs: number | undefined;
}

/** The plainly synthetic default reply; depends only on the create's index. */
export function defaultReply(index: number): string {
  return `spark-sim reply #${index}: synthetic text from the local simulator.`;
}

/** All input text: the string input, or every text part of every input item, joined by newlines. */
export function extractInputText(body: Json): string {
  const input = body['input'];
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  const parts: string[] = [];
  for (const item of input) {
    if (item === null || typeof item !== 'object') continue;
    const record = item as Json;
    const content = record['content'];
    if (typeof content === 'string') {
      parts.push(content);
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (part !== null && typeof part === 'object') {
          const text = (part as Json)['text'];
          if (typeof text === 'string') parts.push(text);
        }
      }
    } else if (typeof record['output'] === 'string') {
      parts.push(record['output']);
    } else if (typeof record['arguments'] === 'string') {
      parts.push(record['arguments']);
    }
  }
  return parts.join('\n');
}

export function makeRequest(
  body: Json,
  streamId: string | undefined,
  transport: 'websocket' | 'http',
  index: number,
): SimRequest {
  const instructions = body['instructions'];
  return {
    body,
    streamId,
    inputText: extractInputText(body),
    instructions: typeof instructions === 'string' ? instructions : undefined,
    transport,
    index,
  };
}

export function resolveReply(core: SimCore, request: SimRequest): ResolvedReply {
  let reply: SimReply | undefined = core.takeQueuedReply();
  if (reply === undefined && core.responder) {
    try {
      reply = core.responder(request);
    } catch (error) {
      core.log(`responder threw: ${error instanceof Error ? error.message : String(error)}`);
      reply = undefined;
    }
  }
  if (reply === undefined) reply = defaultReply(request.index);
  if (typeof reply === 'string') {
    return { text: reply, incomplete: false, tokensPerSecond: undefined, firstTokenMs: undefined };
  }
  return {
    text: reply.text,
    incomplete: reply.incomplete ?? false,
    tokensPerSecond: reply.tokensPerSecond,
    firstTokenMs: reply.firstTokenMs,
  };
}
