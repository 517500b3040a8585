// Instructed edits, shared by code action resolve and the spark.edit command: the model rewrites a range,
// the answer becomes minimal TextEdits against the snapshot it saw, and nothing is applied over newer text.
import type { CancellationToken, Range, WorkDoneProgressServerReporter, WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import { buildEditPrompt, type DiagnosticInfo } from '../context/prompt.js';
import { instructionOf } from '../context/instruction-comment.js';
import { parseEdit } from '../context/parse.js';
import { computeMinimalEdits } from '../edits/minimal.js';
import { buildWorkspaceEdit } from '../edits/workspace-edit.js';
import { Priority } from '../spark/api.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { RequestTimings } from '../spark/timings.js';
import type { ServerContext } from './context.js';
import { promptPath } from './uri.js';
import { ensureMayUse } from './workspace.js';

const PositionSchema = z.object({ line: z.int().min(0), character: z.int().min(0) });
export const RangeSchema = z.object({ start: PositionSchema, end: PositionSchema });
export const DiagnosticInfoSchema = z.object({
  message: z.string().max(2_000),
  line: z.int().min(0),
  severity: z.enum(['error', 'warning', 'info', 'hint']).optional(),
  source: z.string().max(200).optional(),
});

export type DiagnosticInput = z.infer<typeof DiagnosticInfoSchema>;

/** What an instructed edit needs; travels in code action `data` and command arguments. */
export const EditTargetSchema = z.object({
  uri: z.string().min(1),
  range: RangeSchema,
  instruction: z.string().trim().min(1).max(10_000),
  /** When present, the edit is refused unless the document is still at this version. */
  version: z.int().optional(),
  diagnostics: z.array(DiagnosticInfoSchema).max(20).optional(),
  /** A line holding this instruction as a `spark:` comment, just above the range; removed in the same edit. */
  instructionLine: z.int().min(0).optional(),
});
export type EditTarget = z.infer<typeof EditTargetSchema>;

export interface ComputedEdit {
  edit: WorkspaceEdit;
  /** The document version the edit was computed against. */
  version: number;
  /** Number of TextEdits (0: the model changed nothing). */
  count: number;
}

/** Milliseconds between two $/progress reports while an edit streams. */
const PROGRESS_INTERVAL_MS = 100;

export function computeEdit(ctx: ServerContext, target: EditTarget, token: CancellationToken): Promise<ComputedEdit> {
  return ctx.status.track('edit', target.uri, (timings) => computeEditTimed(ctx, target, token, timings));
}

async function computeEditTimed(ctx: ServerContext, target: EditTarget, token: CancellationToken, timings: RequestTimings): Promise<ComputedEdit> {
  const spark = ctx.spark;
  if (spark instanceof Error) throw spark;
  const doc = ctx.documents.get(target.uri);
  if (!doc) throw new SparkError(SparkErrorCode.BadArgument, `${target.uri} is not open in the editor`);
  ensureMayUse(ctx, target.uri);
  if (target.version !== undefined && target.version !== doc.version) {
    throw new SparkError(SparkErrorCode.Stale, `${promptPath(target.uri)} changed since the action was offered; run it again`);
  }
  const snapshot = TextDocument.create(doc.uri, doc.languageId, doc.version, doc.getText());
  const range = checkedRange(snapshot, target.range);
  if (target.instructionLine !== undefined) checkInstructionLine(snapshot, target.instructionLine, range, target.instruction);
  const text = snapshot.getText();
  const start = snapshot.offsetAt(range.start);
  const end = snapshot.offsetAt(range.end);
  const prompt = buildEditPrompt({
    path: promptPath(target.uri),
    languageId: snapshot.languageId,
    text,
    start,
    end,
    instruction: target.instruction,
    diagnostics: (target.diagnostics ?? []) as DiagnosticInfo[],
    budgetTokens: ctx.config.context.budgetTokens,
  });
  const controller = new AbortController();
  const cancel = token.onCancellationRequested(() => controller.abort('cancelled'));
  const progress = startProgress(ctx, target.instruction);
  try {
    const result = await spark.generate({
      instructions: prompt.instructions,
      input: prompt.input,
      maxOutputTokens: ctx.config.edit.maxOutputTokens,
      priority: Priority.Edit,
      deadline: Date.now() + ctx.config.edit.timeoutMs,
      affinity: target.uri,
      signal: controller.signal,
      onText: progress.onText,
      timings,
    });
    if (result.status === 'incomplete') {
      throw new SparkError(SparkErrorCode.Incomplete, 'the answer was cut short (max_output_tokens); nothing was applied');
    }
    const replacement = parseEdit(result.text, {
      original: text.slice(start, end),
      before: text.slice(0, start),
      after: text.slice(end),
    });
    if (replacement === undefined) throw new SparkError(SparkErrorCode.EmptyAnswer, 'the model returned no replacement');
    const edits = computeMinimalEdits(snapshot, range, replacement);
    if (target.instructionLine !== undefined) edits.unshift(lineDeletion(target.instructionLine));
    ensureCurrent(ctx, target.uri, snapshot.version);
    return {
      edit: buildWorkspaceEdit({ uri: target.uri, version: snapshot.version, edits, documentChanges: ctx.negotiated.documentChanges }),
      version: snapshot.version,
      count: edits.length,
    };
  } finally {
    cancel.dispose();
    progress.done();
  }
}

/** Refuses to go on when the document moved past the version an edit was computed against. */
export function ensureCurrent(ctx: ServerContext, uri: string, version: number): void {
  const now = ctx.documents.get(uri);
  if (now?.version !== version) {
    throw new SparkError(SparkErrorCode.Stale, `${promptPath(uri)} changed while Spark was working; nothing was applied`);
  }
}

function checkedRange(doc: TextDocument, range: Range): Range {
  const { start, end } = range;
  const outside = (p: Range['start']) => p.line > doc.lineCount || (p.line === doc.lineCount && p.character > 0);
  if (outside(start) || outside(end)) {
    throw new SparkError(SparkErrorCode.BadArgument, `range ${show(range)} is outside the document (${doc.lineCount} lines)`);
  }
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) {
    throw new SparkError(SparkErrorCode.BadArgument, `range ${show(range)} ends before it starts`);
  }
  // Normalise characters past the end of a line to the line's end (UTF-16, via the document).
  return { start: doc.positionAt(doc.offsetAt(start)), end: doc.positionAt(doc.offsetAt(end)) };
}

/** The instruction comment must sit just above the range and still say what the request says. */
function checkInstructionLine(doc: TextDocument, line: number, range: Range, instruction: string): void {
  const text = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
  if (line !== range.start.line - 1 || instructionOf(text) !== instruction) {
    throw new SparkError(SparkErrorCode.BadArgument, `line ${line} is not a "spark: ${instruction}" comment above the range`);
  }
}

const lineDeletion = (line: number) => ({ range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' });

const show = (r: Range) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

interface Progress {
  onText?: (textSoFar: string) => void;
  done(): void;
}

/** Progress is created without waiting for the client, so the model call starts at once. */
function startProgress(ctx: ServerContext, instruction: string): Progress {
  if (!ctx.negotiated.workDoneProgress) return { done() {} };
  let reporter: WorkDoneProgressServerReporter | undefined;
  let finished = false;
  let last = 0;
  ctx.connection.window.createWorkDoneProgress().then(
    (created) => {
      if (finished) return;
      reporter = created;
      created.begin('Spark', undefined, truncate(instruction, 60), false);
    },
    () => undefined,
  );
  return {
    onText(textSoFar) {
      const now = Date.now();
      if (!reporter || now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      reporter.report(`${textSoFar.length} characters received`);
    },
    done() {
      finished = true;
      reporter?.done();
    },
  };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
