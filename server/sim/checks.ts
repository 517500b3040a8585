// What a `response.create` must pass before spark-sim answers it, on both transports: the model (refused
// per model, as the service refuses unknown or forbidden models), custom tools (their shape, `tool_choice`,
// refused per model), `text.format` `json_schema`, and `custom_tool_call_output` items, which must answer a
// call made earlier in the conversation. Pure: no sockets, timers or shared state.

import type { SimModel } from './api.js';
import type { ErrorSpec, Json } from './events.js';

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function invalid(param: string, message: string, code = 'invalid_value'): ErrorSpec {
  return { status: 400, type: 'invalid_request_error', code, message, param };
}

/** Names of the `custom` tools a request declares. */
export function customToolNames(body: Json): string[] {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return [];
  const names: string[] = [];
  for (const tool of tools) if (isObject(tool) && tool['type'] === 'custom' && typeof tool['name'] === 'string') names.push(tool['name']);
  return names;
}

/** The custom tool `tool_choice` forces, if any. */
export function forcedCustomTool(body: Json): string | undefined {
  const choice = body['tool_choice'];
  return isObject(choice) && choice['type'] === 'custom' && typeof choice['name'] === 'string' ? choice['name'] : undefined;
}

/** `text.format` when it asks for a JSON schema. */
export function jsonSchemaOf(body: Json): { name: string; schema: Json } | undefined {
  const text = body['text'];
  const format = isObject(text) ? text['format'] : undefined;
  if (!isObject(format) || format['type'] !== 'json_schema') return undefined;
  const name = format['name'];
  const schema = format['schema'];
  return typeof name === 'string' && isObject(schema) ? { name, schema } : undefined;
}

/** `call_id`s of the tool calls (custom or function) among input or output items. */
export function callIdsOf(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  const ids: string[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    if ((item['type'] === 'custom_tool_call' || item['type'] === 'function_call') && typeof item['call_id'] === 'string') ids.push(item['call_id']);
  }
  return ids;
}

/**
 * The error the service would answer `body` with, or undefined when it is acceptable.
 * `knownCallIds`: the calls made earlier in the conversation (the chained parent's lineage).
 */
export function checkCreate(body: Json, model: string, knobs: SimModel | undefined, knownCallIds: ReadonlySet<string>): ErrorSpec | undefined {
  if (knobs?.refuse === 'not-found') {
    return { status: 400, type: 'invalid_request_error', code: 'model_not_found', message: `The requested model '${model}' does not exist.`, param: 'model' };
  }
  if (knobs?.refuse === 'no-access') {
    return { status: 403, type: 'invalid_request_error', code: 'model_not_found', message: `Project \`proj_spark_sim\` does not have access to model \`${model}\``, param: null };
  }
  return checkTools(body, model, knobs) ?? checkFormat(body) ?? checkToolOutputs(body, knownCallIds);
}

function checkTools(body: Json, model: string, knobs: SimModel | undefined): ErrorSpec | undefined {
  const tools = body['tools'];
  if (tools !== undefined && !Array.isArray(tools)) return invalid('tools', "Invalid type for 'tools': expected an array.", 'invalid_type');
  const names = customToolNames(body);
  let i = -1;
  for (const tool of Array.isArray(tools) ? tools : []) {
    i++;
    if (!isObject(tool) || tool['type'] !== 'custom') continue;
    if (typeof tool['name'] !== 'string' || tool['name'] === '') return invalid(`tools[${i}].name`, `Missing required parameter: 'tools[${i}].name'.`, 'missing_required_parameter');
    const format = tool['format'];
    if (format === undefined || (isObject(format) && format['type'] === 'text')) continue;
    const grammar = isObject(format) && format['type'] === 'grammar';
    if (!grammar || (format['syntax'] !== 'lark' && format['syntax'] !== 'regex') || typeof format['definition'] !== 'string') {
      return invalid(`tools[${i}].format`, `Invalid 'tools[${i}].format': expected {"type": "text"} or {"type": "grammar", "syntax": "lark" | "regex", "definition": string}.`);
    }
  }
  if (names.length > 0 && knobs?.refuseCustomTools === true) {
    return invalid('tools', `Custom tools are not supported with model '${model}'.`, 'unsupported_value');
  }
  const forced = forcedCustomTool(body);
  if (forced !== undefined && !names.includes(forced)) {
    return invalid('tool_choice', `Tool choice '${forced}' not found in 'tools' parameter.`);
  }
  return undefined;
}

function checkFormat(body: Json): ErrorSpec | undefined {
  const text = body['text'];
  const format = isObject(text) ? text['format'] : undefined;
  if (!isObject(format) || format['type'] !== 'json_schema') return undefined;
  if (typeof format['name'] !== 'string' || format['name'] === '') {
    return invalid('text.format.name', "Missing required parameter: 'text.format.name'.", 'missing_required_parameter');
  }
  if (!isObject(format['schema'])) return invalid('text.format.schema', "Invalid 'text.format.schema': expected a JSON Schema object.");
  return undefined;
}

function checkToolOutputs(body: Json, knownCallIds: ReadonlySet<string>): ErrorSpec | undefined {
  const input = body['input'];
  if (!Array.isArray(input)) return undefined;
  const known = new Set([...knownCallIds, ...callIdsOf(input)]);
  for (const item of input) {
    if (!isObject(item) || (item['type'] !== 'custom_tool_call_output' && item['type'] !== 'function_call_output')) continue;
    const kind = item['type'] === 'custom_tool_call_output' ? 'custom tool call' : 'function call';
    const id = item['call_id'];
    if (typeof id !== 'string' || !known.has(id)) {
      return invalid('input', `No tool call found for ${kind} output with call_id ${String(id)}.`);
    }
  }
  return undefined;
}
