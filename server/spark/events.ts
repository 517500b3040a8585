// Zod schemas for the Responses API server events the Spark client reads, and the one parser
// every transport uses. Pure: no sockets, timers or logging. Unknown event types pass; unknown fields
// stay on the parsed object (nothing reads them).
//
// Hot path: one JSON.parse, a Map lookup by `type`, and the schema's in-place check compiled from it
// (schema-check.ts: accepts exactly what the schema accepts, without copying). zod itself runs only on a
// frame the check refuses, to say what is wrong with it.

import { z } from 'zod';
import { compileCheck, type InPlaceCheck } from './schema-check.js';

/** Fields every server event may carry. `stream_id` names the lane (absent on the default lane). */
const common = {
  stream_id: z.string().nullish(),
  sequence_number: z.number().nullish(),
};

const HeadersSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const ContentPartSchema = z.object({
  type: z.string(),
  text: z.string().optional(),
});
export type ContentPart = z.infer<typeof ContentPartSchema>;

/** A message item (`content`), or a `custom_tool_call` item (`call_id`, `name`, `input`); other types pass. */
export const OutputItemSchema = z.object({
  type: z.string(),
  id: z.string().optional(),
  status: z.string().nullish(),
  role: z.string().optional(),
  content: z.array(ContentPartSchema).nullish(),
  call_id: z.string().optional(),
  name: z.string().optional(),
  input: z.string().optional(),
});
export type OutputItem = z.infer<typeof OutputItemSchema>;

export const UsageSchema = z.object({
  input_tokens: z.number(),
  input_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
  output_tokens: z.number(),
});
export type WireUsage = z.infer<typeof UsageSchema>;

export const ResponseErrorSchema = z.object({
  code: z.string().nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
  type: z.string().nullish(),
});

export const ResponseObjectSchema = z.object({
  id: z.string(),
  status: z.string(),
  output: z.array(OutputItemSchema).nullish(),
  usage: UsageSchema.nullish(),
  incomplete_details: z.object({ reason: z.string().nullish() }).nullish(),
  error: ResponseErrorSchema.nullish(),
});
export type ResponseObject = z.infer<typeof ResponseObjectSchema>;

const responseEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), ...common, response: ResponseObjectSchema });

export const ResponseCreatedSchema = responseEvent('response.created');
export const ResponseInProgressSchema = responseEvent('response.in_progress');
export const ResponseQueuedSchema = responseEvent('response.queued');
export const ResponseCompletedSchema = responseEvent('response.completed');
export const ResponseIncompleteSchema = responseEvent('response.incomplete');
export const ResponseFailedSchema = responseEvent('response.failed');

const itemEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), ...common, output_index: z.number(), item: OutputItemSchema });

export const OutputItemAddedSchema = itemEvent('response.output_item.added');
export const OutputItemDoneSchema = itemEvent('response.output_item.done');

const partEvent = <T extends string>(type: T) =>
  z.object({
    type: z.literal(type),
    ...common,
    item_id: z.string(),
    output_index: z.number(),
    content_index: z.number(),
    part: ContentPartSchema,
  });

export const ContentPartAddedSchema = partEvent('response.content_part.added');
export const ContentPartDoneSchema = partEvent('response.content_part.done');

export const OutputTextDeltaSchema = z.object({
  type: z.literal('response.output_text.delta'),
  ...common,
  item_id: z.string().optional(),
  output_index: z.number().optional(),
  content_index: z.number().optional(),
  delta: z.string(),
});

export const OutputTextDoneSchema = z.object({
  type: z.literal('response.output_text.done'),
  ...common,
  item_id: z.string().optional(),
  output_index: z.number().optional(),
  content_index: z.number().optional(),
  text: z.string(),
});

/** Input of a freeform custom tool call (spec 12.2), streamed like text. */
export const CustomToolCallInputDeltaSchema = z.object({
  type: z.literal('response.custom_tool_call_input.delta'),
  ...common,
  item_id: z.string().optional(),
  output_index: z.number().optional(),
  delta: z.string(),
});

export const CustomToolCallInputDoneSchema = z.object({
  type: z.literal('response.custom_tool_call_input.done'),
  ...common,
  item_id: z.string().optional(),
  output_index: z.number().optional(),
  input: z.string(),
});

/**
 * Both error shapes of spec §5: request-scoped `{status, error:{type,code,message,param,headers?}}`
 * and the flat mid-stream `{code, message, param}`. `headers` may sit inside `error` or at top level.
 */
export const ErrorEventSchema = z.object({
  type: z.literal('error'),
  ...common,
  status: z.number().nullish(),
  status_code: z.number().nullish(),
  error: z
    .looseObject({
      type: z.string().nullish(),
      code: z.string().nullish(),
      message: z.string().nullish(),
      param: z.string().nullish(),
      headers: HeadersSchema.nullish(),
    })
    .nullish(),
  code: z.string().nullish(),
  message: z.string().nullish(),
  param: z.string().nullish(),
  headers: HeadersSchema.nullish(),
});

export const KeepaliveSchema = z.object({ type: z.literal('keepalive'), ...common });

export type ResponseCreatedEvent = z.infer<typeof ResponseCreatedSchema>;
export type ResponseInProgressEvent = z.infer<typeof ResponseInProgressSchema>;
export type ResponseQueuedEvent = z.infer<typeof ResponseQueuedSchema>;
export type ResponseCompletedEvent = z.infer<typeof ResponseCompletedSchema>;
export type ResponseIncompleteEvent = z.infer<typeof ResponseIncompleteSchema>;
export type ResponseFailedEvent = z.infer<typeof ResponseFailedSchema>;
export type OutputItemAddedEvent = z.infer<typeof OutputItemAddedSchema>;
export type OutputItemDoneEvent = z.infer<typeof OutputItemDoneSchema>;
export type ContentPartAddedEvent = z.infer<typeof ContentPartAddedSchema>;
export type ContentPartDoneEvent = z.infer<typeof ContentPartDoneSchema>;
export type OutputTextDeltaEvent = z.infer<typeof OutputTextDeltaSchema>;
export type OutputTextDoneEvent = z.infer<typeof OutputTextDoneSchema>;
export type CustomToolCallInputDeltaEvent = z.infer<typeof CustomToolCallInputDeltaSchema>;
export type CustomToolCallInputDoneEvent = z.infer<typeof CustomToolCallInputDoneSchema>;
export type ErrorEvent = z.infer<typeof ErrorEventSchema>;
export type KeepaliveEvent = z.infer<typeof KeepaliveSchema>;

export type ServerEvent =
  | ResponseCreatedEvent
  | ResponseInProgressEvent
  | ResponseQueuedEvent
  | ResponseCompletedEvent
  | ResponseIncompleteEvent
  | ResponseFailedEvent
  | OutputItemAddedEvent
  | OutputItemDoneEvent
  | ContentPartAddedEvent
  | ContentPartDoneEvent
  | OutputTextDeltaEvent
  | OutputTextDoneEvent
  | CustomToolCallInputDeltaEvent
  | CustomToolCallInputDoneEvent
  | ErrorEvent
  | KeepaliveEvent;

export type ServerEventType = ServerEvent['type'];

/** Terminal events: the lane is free once one of these (or a request-scoped error) arrives. */
export type TerminalEvent = ResponseCompletedEvent | ResponseIncompleteEvent | ResponseFailedEvent;

const schemas = new Map<string, z.ZodType<ServerEvent>>([
  ['response.output_text.delta', OutputTextDeltaSchema],
  ['response.created', ResponseCreatedSchema],
  ['response.in_progress', ResponseInProgressSchema],
  ['response.queued', ResponseQueuedSchema],
  ['response.completed', ResponseCompletedSchema],
  ['response.incomplete', ResponseIncompleteSchema],
  ['response.failed', ResponseFailedSchema],
  ['response.output_item.added', OutputItemAddedSchema],
  ['response.output_item.done', OutputItemDoneSchema],
  ['response.content_part.added', ContentPartAddedSchema],
  ['response.content_part.done', ContentPartDoneSchema],
  ['response.output_text.done', OutputTextDoneSchema],
  ['response.custom_tool_call_input.delta', CustomToolCallInputDeltaSchema],
  ['response.custom_tool_call_input.done', CustomToolCallInputDoneSchema],
  ['error', ErrorEventSchema],
  ['keepalive', KeepaliveSchema],
]);

/** Event types this module validates; anything else parses as `unknown`. */
export const knownEventTypes: ReadonlySet<string> = new Set(schemas.keys());

/** Each schema with its in-place check (every one compiles; one that did not would always be parsed by zod). */
const parsers = new Map<string, { schema: z.ZodType<ServerEvent>; check: InPlaceCheck | undefined }>(
  [...schemas].map(([type, schema]) => [type, { schema, check: compileCheck(schema) }]),
);

export type ParsedServerEvent =
  | { kind: 'event'; event: ServerEvent }
  | { kind: 'unknown'; type: string; streamId: string | undefined }
  | { kind: 'malformed'; streamId: string | undefined; reason: string };

const STREAM_ID_IN_TEXT = /"stream_id"\s*:\s*"([A-Za-z0-9_.-]{1,256})"/;

function streamIdOf(value: Record<string, unknown>): string | undefined {
  const id = value['stream_id'];
  return typeof id === 'string' ? id : undefined;
}

/**
 * Parses one server frame (a WebSocket text frame or an SSE `data:` payload).
 * A malformed frame keeps its `stream_id` when one can be found, so only that lane's request fails.
 */
export function parseServerEvent(raw: string): ParsedServerEvent {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    const m = STREAM_ID_IN_TEXT.exec(raw);
    return { kind: 'malformed', streamId: m?.[1], reason: `invalid JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'malformed', streamId: undefined, reason: 'frame is not a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  const type = obj['type'];
  if (typeof type !== 'string') {
    return { kind: 'malformed', streamId: streamIdOf(obj), reason: 'frame has no string `type`' };
  }
  const parser = parsers.get(type);
  if (parser === undefined) return { kind: 'unknown', type, streamId: streamIdOf(obj) };
  if (parser.check?.(obj) === true) return { kind: 'event', event: obj as ServerEvent };
  const result = parser.schema.safeParse(obj);
  if (result.success) return { kind: 'event', event: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  return { kind: 'malformed', streamId: streamIdOf(obj), reason: `bad ${type} event${where}` };
}
