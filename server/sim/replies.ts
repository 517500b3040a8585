// Where reply text comes from: for `json_schema` requests the reviewer first; then the enqueue() queue,
// the responder, and the deterministic synthetic default (a minimal JSON document for `json_schema`).
// Decides whether a tool reply streams as a `custom_tool_call` (the request declares the tool) or as
// text. Also extracts the request's input text (for SimRequest and token counts).

import type { SimReply, SimRequest } from './api.js';
import type { SimCore } from './core.js';
import { DEFAULT_MODEL, type Json } from './events.js';
import { customToolNames, forcedCustomTool, jsonSchemaOf } from './checks.js';
import { minimalJson, reviewOf } from './review.js';

export interface ResolvedReply {
  /** The message text, or the tool call's input when `tool` is set. */
  text: string;
  /** Set when the reply streams as a `custom_tool_call` of this tool. */
  tool: { name: string } | undefined;
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
    } else if (typeof record['input'] === 'string') {
      parts.push(record['input']);
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
  const model = body['model'];
  return {
    body,
    streamId,
    inputText: extractInputText(body),
    instructions: typeof instructions === 'string' ? instructions : undefined,
    transport,
    index,
    model: typeof model === 'string' ? model : DEFAULT_MODEL,
    customTools: customToolNames(body),
    jsonSchema: jsonSchemaOf(body),
  };
}

function ask<T>(core: SimCore, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    core.log(`${what} threw: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

export function resolveReply(core: SimCore, request: SimRequest): ResolvedReply {
  let reply: SimReply | undefined;
  const reviewer = core.reviewer;
  if (request.jsonSchema !== undefined && reviewer !== undefined) {
    const review = ask(core, 'reviewer', () => reviewer(request));
    if (review !== undefined) reply = { json: reviewOf(review) };
  }
  reply ??= core.takeQueuedReply();
  const responder = core.responder;
  if (reply === undefined && responder !== undefined) reply = ask(core, 'responder', () => responder(request));
  if (reply === undefined) reply = request.jsonSchema !== undefined ? { json: minimalJson(request.jsonSchema.schema) } : defaultReply(request.index);
  const model = core.modelKnobs(request.model);
  const base = { tokensPerSecond: model?.tokensPerSecond, firstTokenMs: model?.firstTokenMs };
  if (typeof reply === 'string') return { text: reply, tool: undefined, incomplete: false, ...base };
  let text: string;
  let tool: ResolvedReply['tool'];
  if (reply.toolInput !== undefined) {
    text = reply.toolInput;
    const name = reply.toolName ?? forcedCustomTool(request.body) ?? request.customTools[0];
    if (name !== undefined && request.customTools.includes(name)) tool = { name };
  } else if (reply.json !== undefined) {
    text = JSON.stringify(reply.json);
  } else {
    text = reply.text ?? '';
  }
  return {
    text,
    tool,
    incomplete: reply.incomplete ?? false,
    tokensPerSecond: reply.tokensPerSecond ?? base.tokensPerSecond,
    firstTokenMs: reply.firstTokenMs ?? base.firstTokenMs,
  };
}
