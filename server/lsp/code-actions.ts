// textDocument/codeAction and codeAction/resolve. Listing is instant (no model call, no disk access): a
// quickfix per diagnostic, rewrites for a selection, actions for `spark:` instruction comments, and writing
// tests for the function at the cursor. The edit is computed on resolve from `data`; clients that cannot
// resolve edits get the spark.edit command instead. Actions that are not ours are returned unchanged.
import {
  CodeActionKind,
  DiagnosticSeverity,
  type CancellationToken,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type Range,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { enclosingFunction } from '../context/enclosing-function.js';
import { findInstructionComment, type CommentScope } from '../context/instruction-comment.js';
import { Command } from './commands.js';
import type { ServerContext } from './context.js';
import { suggestedTestFile } from './edit-context.js';
import { computeEdit } from './edit-flow.js';
import { EditTargetSchema, type DiagnosticInput, type EditTarget } from './edit-target.js';
import { explicitly } from './outcome.js';
import { check, CodeActionParamsShape, CodeActionShape } from './params.js';
import { reviewFileAction, reviewFix } from './review-actions.js';
import { mayUse } from './workspace.js';

/** Marks `data` as ours; resolve ignores anything without it. `sig` proves this process issued it. */
const DataSchema = EditTargetSchema.extend({ spark: z.literal(1), version: z.int(), sig: z.string() });

/** Per-process key for signing action data, so forged `data` cannot point an edit anywhere else. */
const SECRET = randomBytes(32);

function sign(target: EditTarget): string {
  return createHmac('sha256', SECRET).update(canonical(target)).digest('base64url');
}

function signedBy(target: EditTarget, sig: string): boolean {
  const expected = Buffer.from(sign(target));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** JSON with keys in sorted order, so equal values sign equally whatever order a client keeps keys in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const MAX_FIXES = 5;
/** How far below an instruction comment its block may reach when no selection bounds it. */
const MAX_BLOCK_LINES = 400;

export const REWRITES: readonly { title: string; instruction: string }[] = [
  { title: 'Spark: Improve selection', instruction: 'Improve this code: clearer and more idiomatic, same behaviour.' },
  { title: 'Spark: Document selection', instruction: 'Add concise documentation comments to this code; change nothing else.' },
];

/** Titles of the instruction-comment actions that reach past the block below the comment. */
export const APPLY_TO_FILE = 'Spark: Apply instruction to this file';
export const APPLY_TO_WORKSPACE = 'Spark: Apply instruction to the workspace';
export const WRITE_TESTS = 'Spark: Write tests for';

export function registerCodeActions(ctx: ServerContext): void {
  ctx.connection.onCodeAction((params) => listActions(ctx, params));
  ctx.connection.onCodeActionResolve((action, token) => resolveAction(ctx, action, token));
}

export function listActions(ctx: ServerContext, params: CodeActionParams): CodeAction[] {
  check('textDocument/codeAction', CodeActionParamsShape, params);
  const doc = ctx.documents.get(params.textDocument.uri);
  const { resolveEdit, applyEdit } = ctx.negotiated;
  if (!doc || ctx.spark instanceof Error || (!resolveEdit && !applyEdit) || !mayUse(ctx, doc.uri)) return [];
  const wants = (kind: string) => !params.context.only || params.context.only.some((k) => kind === k || kind.startsWith(`${k}.`));
  const uri = doc.uri;
  const offer = (title: string, kind: string, target: EditTarget, diagnostics?: Diagnostic[]): CodeAction => {
    const action: CodeAction = { title, kind, ...(diagnostics ? { diagnostics } : {}) };
    if (resolveEdit) {
      const versioned = { ...target, version: doc.version };
      action.data = { spark: 1, ...versioned, sig: sign(versioned) };
    }
    else action.command = { title, command: Command.Edit, arguments: [{ ...target, version: doc.version }] };
    return action;
  };
  const actions: CodeAction[] = [];
  if (wants(CodeActionKind.QuickFix)) {
    for (const d of params.context.diagnostics.slice(0, MAX_FIXES)) {
      const review = reviewFix(ctx, doc, d);
      if (review) {
        actions.push(offer(review.title, CodeActionKind.QuickFix, review.target, [d]));
        continue;
      }
      const full = messageText(d);
      const message = full.split('\n', 1)[0] ?? full;
      actions.push(
        offer(`Spark: Fix "${message.length > 60 ? `${message.slice(0, 59)}…` : message}"`, CodeActionKind.QuickFix, {
          uri,
          range: wholeLines(d.range, doc.lineCount),
          instruction: `Fix this problem: ${full}`,
          diagnostics: [toInfo(d)],
        }, [d]),
      );
    }
  }
  const selected = !(params.range.start.line === params.range.end.line && params.range.start.character === params.range.end.character);
  if (wants(CodeActionKind.RefactorRewrite)) {
    const comment = instructionAction(doc, params.range, selected);
    if (comment?.commentScope === 'block') {
      const { commentScope: _, ...block } = comment;
      actions.push(offer(`Spark: ${truncate(comment.instruction, 60)}`, CodeActionKind.RefactorRewrite, { uri, ...block }));
    }
    if (comment) {
      const scope = comment.commentScope === 'workspace' ? 'workspace' : 'file';
      actions.push(offer(scope === 'workspace' ? APPLY_TO_WORKSPACE : APPLY_TO_FILE, CodeActionKind.RefactorRewrite, {
        uri, instruction: comment.instruction, instructionLine: comment.instructionLine, scope,
      }));
    }
  }
  if (selected && wants(CodeActionKind.RefactorRewrite)) {
    const diagnostics = params.context.diagnostics.slice(0, MAX_FIXES).map(toInfo);
    for (const r of REWRITES) {
      actions.push(offer(r.title, CodeActionKind.RefactorRewrite, { uri, range: params.range, instruction: r.instruction, diagnostics }));
    }
  }
  if (wants(CodeActionKind.Source)) {
    const tests = testsAction(ctx, doc, params.range);
    if (tests) actions.push(offer(tests.title, CodeActionKind.Source, { uri, instruction: tests.instruction, scope: 'workspace' }));
    const review = reviewFileAction(ctx, uri);
    if (review) actions.push(review);
  }
  return actions;
}

export async function resolveAction(ctx: ServerContext, action: CodeAction, token: CancellationToken): Promise<CodeAction> {
  check('codeAction/resolve', CodeActionShape, action);
  const data = DataSchema.safeParse(action.data);
  if (!data.success || action.edit) return action;
  const { spark: _, sig, ...target } = data.data;
  return explicitly(ctx, action.title, async () => {
    if (!signedBy(target, sig)) {
      throw new SparkError(SparkErrorCode.BadArgument, 'this action was not offered by this spark-lsp process; ask for code actions again');
    }
    const computed = await computeEdit(ctx, target, token);
    await computed.verify();
    ctx.reviewer.expect(target.instruction, computed.changes);
    return { ...action, edit: computed.edit };
  });
}

/** "Write tests for <function or file>", naming the test file the project's conventions suggest; none in a test file. */
function testsAction(ctx: ServerContext, doc: TextDocument, range: Range): { title: string; instruction: string } | undefined {
  const testFile = suggestedTestFile(ctx, doc.uri);
  if (!testFile) return undefined;
  const lines = doc.getText({ start: { line: Math.max(0, range.start.line - MAX_BLOCK_LINES), character: 0 }, end: { line: range.start.line + 1, character: 0 } }).split(/\r?\n/);
  const fn = enclosingFunction(lines, Math.min(range.start.line, MAX_BLOCK_LINES));
  const file = testFile.source.slice(testFile.source.lastIndexOf('/') + 1);
  const subject = fn ? `the function ${fn} in ${file}` : `the exported behaviour of ${file}`;
  return {
    title: `${WRITE_TESTS} ${fn ?? file}`,
    instruction: [
      `Write unit tests for ${subject}.`,
      `Put them in ${testFile.path}: extend that file if it exists (it is shown then), otherwise create it.`,
      "Use the project's test framework and style, import what is tested from its module, and cover typical cases and edge cases.",
    ].join(' '),
  };
}

/** The `spark:` comment governing the cursor or selection, as an edit target that removes the comment. */
function instructionAction(doc: TextDocument, range: Range, selected: boolean): (Omit<EditTarget, 'uri'> & { commentScope: CommentScope; range: Range; instructionLine: number }) | undefined {
  const first = Math.max(0, range.start.line - 1);
  const lastLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line - 1 : range.end.line;
  const lines = doc.getText({ start: { line: first, character: 0 }, end: { line: lastLine + 1, character: 0 } }).split(/\r?\n/);
  // Without a selection the block below the comment matters too: read on to its end.
  const window = selected ? lines : doc.getText({ start: { line: first, character: 0 }, end: { line: first + MAX_BLOCK_LINES, character: 0 } }).split(/\r?\n/);
  const found = findInstructionComment(window, range.start.line - first, lastLine - first, selected);
  if (!found) return undefined;
  return {
    range: { start: { line: first + found.startLine, character: 0 }, end: { line: Math.min(first + found.endLine, doc.lineCount), character: 0 } },
    instruction: found.instruction,
    instructionLine: first + found.line,
    commentScope: found.scope,
  };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A diagnostic's target is its whole lines, so the model sees complete statements. */
function wholeLines(range: Range, lineCount: number): Range {
  const endLine = range.end.character === 0 && range.end.line > range.start.line ? range.end.line : range.end.line + 1;
  return { start: { line: range.start.line, character: 0 }, end: { line: Math.min(endLine, lineCount), character: 0 } };
}

const SEVERITY = {
  [DiagnosticSeverity.Error]: 'error',
  [DiagnosticSeverity.Warning]: 'warning',
  [DiagnosticSeverity.Information]: 'info',
  [DiagnosticSeverity.Hint]: 'hint',
} as const;

function toInfo(d: Diagnostic): DiagnosticInput {
  return {
    message: messageText(d).slice(0, 2_000),
    line: d.range.start.line,
    ...(d.severity ? { severity: SEVERITY[d.severity] } : {}),
    ...(typeof d.source === 'string' ? { source: d.source.slice(0, 200) } : {}),
  };
}

/** LSP 3.18 lets a diagnostic message be markup; the model gets its text. */
function messageText(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}
