// Shapes of the request params spark-lsp reads, checked before a handler runs: a malformed request gets
// InvalidParams naming what is wrong instead of an InternalError from deep inside a handler.
import { ErrorCodes, ResponseError } from 'vscode-languageserver';
import { z } from 'zod';
import { passesInPlace } from '../spark/schema-check.js';

const Position = z.object({ line: z.int().min(0), character: z.int().min(0) });
const Range = z.object({ start: Position, end: Position });
const TextDocument = z.object({ uri: z.string() });

export const TextPositionParams = z.looseObject({ textDocument: TextDocument, position: Position });
export const CodeActionParamsShape = z.looseObject({
  textDocument: TextDocument,
  range: Range,
  context: z.looseObject({ diagnostics: z.array(z.looseObject({ range: Range, message: z.unknown() })), only: z.array(z.string()).optional() }),
});
export const CodeActionShape = z.looseObject({ title: z.string() });
export const ExecuteCommandShape = z.looseObject({ command: z.string(), arguments: z.array(z.unknown()).optional() });

/** Throws InvalidParams naming the first problem when `params` does not have the shape a handler reads. */
export function check(method: string, schema: z.ZodType, params: unknown): void {
  if (passesInPlace(schema, params)) return;
  const result = schema.safeParse(params);
  if (result.success) return;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
  throw new ResponseError(ErrorCodes.InvalidParams, `${method}: ${where}: ${issue?.message ?? 'invalid'}`);
}
