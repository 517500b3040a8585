// workspace/executeCommand: a registry of command ids to handlers, each validating its own arguments.
// spark.edit computes an instructed edit and applies it with one workspace/applyEdit (a server request with its
// own id), after checking that nothing it touches changed since the model saw it; spark.status answers the
// server's health, transport and latency breakdown (status.ts).
import type { CancellationToken } from 'vscode-languageserver';
import { MessageType } from 'vscode-languageserver';
import { z } from 'zod';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { ServerContext } from './context.js';
import { computeEdit } from './edit-flow.js';
import { EditTargetSchema, RangeSchema, type EditTarget } from './edit-target.js';
import { explicitly } from './outcome.js';
import { check, ExecuteCommandShape } from './params.js';

export const Command = { Edit: 'spark.edit', Review: 'spark.review', Status: 'spark.status' } as const;
export const COMMANDS: readonly string[] = Object.values(Command);

export interface EditResult {
  applied: boolean;
}

type Handler = (ctx: ServerContext, args: unknown[], token: CancellationToken) => Promise<unknown>;

/** A Map, not an object: a command id such as `__proto__` or `toString` must not find an inherited member. */
const handlers = new Map<string, Handler>([
  [Command.Edit, (ctx, args, token) => explicitly(ctx, 'edit', () => runEdit(ctx, parseArgs(Command.Edit, EditArgsSchema, args)[0], token))],
  [Command.Review, (ctx, args, token) => explicitly(ctx, 'review', () => ctx.reviewer.onDemand(parseArgs(Command.Review, ReviewArgsSchema, args)[0], token))],
  [
    Command.Status,
    (ctx, args) =>
      explicitly(ctx, 'status', () => {
        parseArgs(Command.Status, z.tuple([]), args);
        return Promise.resolve(ctx.status.report());
      }),
  ],
]);

const EditArgsSchema = z.tuple([EditTargetSchema]);
const ReviewArgsSchema = z.tuple([z.strictObject({ uri: z.string().min(1), range: RangeSchema.optional() })]);

export function registerCommands(ctx: ServerContext): void {
  ctx.connection.onExecuteCommand((params, token) => {
    check('workspace/executeCommand', ExecuteCommandShape, params);
    const handler = handlers.get(params.command);
    if (!handler) {
      return explicitly(ctx, params.command, () =>
        Promise.reject(new SparkError(SparkErrorCode.BadArgument, `unknown command ${JSON.stringify(params.command)}; known: ${COMMANDS.join(', ')}`)),
      );
    }
    return handler(ctx, params.arguments ?? [], token);
  });
}

function parseArgs<T>(command: string, schema: z.ZodType<T>, args: unknown[]): T {
  const parsed = schema.safeParse(args);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `arguments${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}` : 'arguments';
  throw new SparkError(SparkErrorCode.BadArgument, `${command}: ${where}: ${issue?.message ?? 'invalid'}`);
}

/** Computes the edit, re-checks the version, and asks the client to apply it. */
export async function runEdit(ctx: ServerContext, target: EditTarget, token: CancellationToken): Promise<EditResult> {
  if (!ctx.negotiated.applyEdit) {
    throw new SparkError(SparkErrorCode.EditRejected, 'this editor does not support workspace/applyEdit');
  }
  const computed = await computeEdit(ctx, target, token);
  if (computed.count === 0) return { applied: true };
  await computed.verify();
  const label = `Spark: ${target.instruction.length > 60 ? `${target.instruction.slice(0, 59)}…` : target.instruction}`;
  const result: { applied: boolean; failureReason?: string; failedChange?: number } = await ctx.connection.workspace
    .applyEdit({ label, edit: computed.edit })
    .catch((e: unknown) => ({ applied: false, failureReason: e instanceof Error ? e.message : String(e) }));
  if (result.applied) ctx.workspaceIndex.applyChanges(computed.fileEvents);
  if (result.applied) ctx.reviewer.afterEdit(target.instruction, computed.changes);
  if (!result.applied) {
    const partly = ctx.negotiated.failureHandling !== 'transactional' && ctx.negotiated.failureHandling !== 'undo' && (result.failedChange ?? 0) > 0
      ? ` (it may have applied the first ${result.failedChange} of the ${computed.edit.documentChanges?.length ?? 0} changes)`
      : '';
    const why = `${result.failureReason ? `: ${result.failureReason}` : ''}${partly}`;
    ctx.log.warn(`the editor did not apply the edit${why}`);
    ctx.showMessage(MessageType.Warning, `Spark: the editor did not apply the edit${why}`);
  }
  return { applied: result.applied };
}
