// Instructed edits, shared by code action resolve and the spark.edit command. The model answers with a V4A
// patch (the apply_patch custom tool, or a patch in its message); the patch is applied to the snapshots the
// model saw, all or nothing, and becomes one WorkspaceEdit. A patch that does not apply is sent back once with
// what was not found; for a selection, an answer that is not a patch is taken as the selection's new text.
// Invariants: nothing is applied before the whole edit is known; the edit never lands over text newer than
// what the model saw (open documents by version, other files by content, checked by `verify` right before
// the edit leaves); no path outside the workspace, and no refused file's content, is ever read into a prompt.
import type { CancellationToken, Range, WorkDoneProgressServerReporter, WorkspaceEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import { instructionOf } from '../context/instruction-comment.js';
import { extractPatch, parseEdit } from '../context/parse.js';
import { buildPatchPrompt, PATCH_FALLBACK_INSTRUCTIONS, patchFeedback, type DiagnosticInfo, type EditScope, type PatchPrompt } from '../context/prompt.js';
import { changesWithin } from '../edits/changed-lines.js';
import { applyPatch, type FileChange } from '../edits/apply-patch.js';
import { APPLY_PATCH_DESCRIPTION, APPLY_PATCH_GRAMMAR, parsePatch, patchPaths, PatchError } from '../edits/patch.js';
import { buildPatchEdit, requiredEditCapabilities } from '../edits/patch-edit.js';
import { Priority, type CustomTool, type GenerateResult } from '../spark/api.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { confineUri } from '../workspace/confine.js';
import { ensureUnchanged } from '../workspace/read.js';
import { unsupportedBy } from './capabilities.js';
import type { ServerContext } from './context.js';
import { gatherContext, statesFor, type EditMaterial, type SeenFile } from './edit-context.js';
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
export const EditScopeSchema = z.enum(['selection', 'file', 'workspace']);

export type DiagnosticInput = z.infer<typeof DiagnosticInfoSchema>;

/** What an instructed edit needs; travels in code action `data` and command arguments. */
export const EditTargetSchema = z.object({
  uri: z.string().min(1),
  /** The selection; required for the selection scope, a focus for the wider ones. */
  range: RangeSchema.optional(),
  instruction: z.string().trim().min(1).max(10_000),
  /** Default: `selection` with a range, `file` without. */
  scope: EditScopeSchema.optional(),
  /** When present, the edit is refused unless the document is still at this version. */
  version: z.int().optional(),
  diagnostics: z.array(DiagnosticInfoSchema).max(20).optional(),
  /** A line holding this instruction as a `spark:` comment (just above the range for a selection); removed in the same edit. */
  instructionLine: z.int().min(0).optional(),
});
export type EditTarget = z.infer<typeof EditTargetSchema>;

export interface ComputedEdit {
  edit: WorkspaceEdit;
  /** TextEdits plus file operations (0: the model changed nothing). */
  count: number;
  /** Throws SPARK_ERR_STALE when a file the edit touches changed since the model saw it; call right before the edit leaves. */
  verify(): Promise<void>;
  /** What the edit does to files once applied, as file events (1 created, 2 changed, 3 deleted), for the workspace index. */
  fileEvents: { uri: string; type: 1 | 2 | 3 }[];
}

/** Milliseconds between two $/progress reports while an edit streams. */
const PROGRESS_INTERVAL_MS = 100;

const APPLY_PATCH_TOOL: CustomTool = {
  name: 'apply_patch',
  description: APPLY_PATCH_DESCRIPTION,
  grammar: APPLY_PATCH_GRAMMAR,
  fallbackInstructions: PATCH_FALLBACK_INSTRUCTIONS,
};

export function scopeOf(target: EditTarget): EditScope {
  return target.scope ?? (target.range ? 'selection' : 'file');
}

export async function computeEdit(ctx: ServerContext, target: EditTarget, token: CancellationToken): Promise<ComputedEdit> {
  const spark = ctx.spark;
  if (spark instanceof Error) throw spark;
  const scope = scopeOf(target);
  const doc = ctx.documents.get(target.uri);
  if (!doc) throw new SparkError(SparkErrorCode.BadArgument, `${target.uri} is not open in the editor`);
  ensureMayUse(ctx, target.uri);
  if (target.version !== undefined && target.version !== doc.version) {
    throw new SparkError(SparkErrorCode.Stale, `${promptPath(target.uri)} changed since the action was offered; run it again`);
  }
  if (scope === 'selection' && !target.range) throw new SparkError(SparkErrorCode.BadArgument, 'the selection scope needs a range');
  const original = TextDocument.create(doc.uri, doc.languageId, doc.version, doc.getText());
  const range = target.range && checkedRange(original, target.range);
  if (target.instructionLine !== undefined) checkInstructionLine(original, target.instructionLine, scope === 'selection' ? range : undefined, target.instruction);
  // The model sees the document without the instruction comment; the edit removes it.
  const shown = withoutLine(original, target.instructionLine);
  const selection = range && shownOffsets(original, range, target.instructionLine);

  const material = await gatherContext(ctx, { uri: target.uri, text: shown, version: original.version, languageId: original.languageId, scope });
  const prompt = buildPatchPrompt({
    scope,
    path: material.target.path,
    languageId: original.languageId,
    text: shown,
    ...(selection ? { selection } : {}),
    instruction: target.instruction,
    diagnostics: (target.diagnostics ?? []) as DiagnosticInfo[],
    related: material.related.map((f) => ({ path: f.path, text: f.text, role: f.role })),
    listing: material.listing,
    budgetTokens: ctx.config.context.budgetTokens,
  });
  // Only files shown whole count as seen: an Add File may replace those, and only those.
  material.target.shown = prompt.shownWhole.includes(material.target.path);
  for (const f of material.related) f.shown = prompt.shownWhole.includes(f.path);

  const controller = new AbortController();
  const cancel = token.onCancellationRequested(() => controller.abort('cancelled'));
  const progress = startProgress(ctx, target.instruction);
  try {
    const answer = await askForPatch(ctx, { target, scope, prompt, material, original, shown, selection, signal: controller.signal, onText: progress.onText });
    return finish(ctx, material, answer);
  } finally {
    cancel.dispose();
    progress.done();
  }
}

interface Asked {
  target: EditTarget;
  scope: EditScope;
  prompt: PatchPrompt;
  material: EditMaterial;
  original: TextDocument;
  shown: string;
  selection: { start: number; end: number } | undefined;
  signal: AbortSignal;
  onText: ((textSoFar: string) => void) | undefined;
}

interface Answer {
  changes: FileChange[];
  /** Every file the changes touch, as it was when the model saw it (or when the patch was applied). */
  touched: SeenFile[];
}

/** Asks for a patch; a patch that does not apply is sent back once, on the same lane, with what went wrong. */
async function askForPatch(ctx: ServerContext, a: Asked): Promise<Answer> {
  const spark = ctx.spark as Exclude<ServerContext['spark'], Error>;
  let previous: GenerateResult | undefined;
  let feedback = '';
  for (let attempt = 1; ; attempt++) {
    const result = await spark.generate({
      instructions: a.prompt.instructions,
      input: previous ? patchFeedback(feedback) : a.prompt.input,
      maxOutputTokens: ctx.config.edit.maxOutputTokens,
      priority: Priority.Edit,
      deadline: Date.now() + ctx.config.edit.timeoutMs,
      affinity: a.target.uri,
      signal: a.signal,
      ...(a.onText ? { onText: a.onText } : {}),
      customTool: APPLY_PATCH_TOOL,
      ...(previous ? { continueFrom: { previous, previousInput: a.prompt.input } } : {}),
    });
    if (result.status === 'incomplete') {
      throw new SparkError(SparkErrorCode.Incomplete, 'the answer was cut short (max_output_tokens); nothing was applied');
    }
    try {
      return await interpret(ctx, a, result);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      if (attempt === 2) throw new SparkError(SparkErrorCode.Patch, `the patch did not apply after one retry; nothing was applied: ${e.message}`);
      ctx.log.info(`edit: the patch did not apply, asking once more: ${e.message}`);
      previous = result;
      feedback = e.message;
    }
  }
}

/** The file changes an answer makes; PatchError for anything the model may put right on a second try. */
async function interpret(ctx: ServerContext, a: Asked, result: GenerateResult): Promise<Answer> {
  const patchText = result.toolInput ?? extractPatch(result.text);
  const target = a.material.target;
  if (patchText === undefined) {
    if (a.scope === 'selection' && a.selection) return rewrite(a, result.text);
    if (result.text.trim() === '') throw new SparkError(SparkErrorCode.EmptyAnswer, 'the model returned no patch');
    throw new PatchError(['The answer held no patch: answer with one patch, from *** Begin Patch to *** End Patch.']);
  }
  const patch = parsePatch(patchText);
  const paths = patchPaths(patch);
  const states = await statesFor(ctx, a.material, paths);
  if (a.scope !== 'workspace') {
    const others = paths.filter((p) => states.get(p)!.uri !== target.uri);
    if (others.length > 0) throw new PatchError([`Only ${target.path} may change in this edit; the patch also names ${others.join(', ')}.`]);
  }
  const changes = applyPatch(patch, (path) => states.get(path)!);
  if (a.scope === 'selection' && a.selection) {
    const change = changes.find((c) => c.uri === target.uri);
    const first = lineAt(a.shown, a.selection.start);
    const last = lastLineOf(a.shown, a.selection);
    if (change && (change.kind !== 'update' || !changesWithin(a.shown, change.newText, first, last))) {
      throw new PatchError([`Only the selected lines ${first + 1}-${last + 1} of ${target.path} may change; the patch changes lines outside them.`]);
    }
  }
  const touched = [...states.values()].filter((s) => changes.some((c) => c.uri === s.uri || (c.kind === 'move' && c.newUri === s.uri)));
  return { changes: withInstructionLineRemoved(a, changes), touched };
}

/** A selection answered with its new text instead of a patch: today's rewrite of the range. */
function rewrite(a: Asked, text: string): Answer {
  const { start, end } = a.selection!;
  const replacement = parseEdit(text, { original: a.shown.slice(start, end), before: a.shown.slice(0, start), after: a.shown.slice(end) });
  if (replacement === undefined) throw new SparkError(SparkErrorCode.EmptyAnswer, 'the model returned no replacement');
  const t = a.material.target;
  const newText = a.shown.slice(0, start) + replacement + a.shown.slice(end);
  return { changes: withInstructionLineRemoved(a, [{ kind: 'update', path: t.path, uri: t.uri, version: t.version, oldText: a.shown, newText }]), touched: [t] };
}

/** The target's change is computed against the document as it is, so that it also removes the instruction comment. */
function withInstructionLineRemoved(a: Asked, changes: FileChange[]): FileChange[] {
  if (a.target.instructionLine === undefined) return changes;
  const t = a.material.target;
  const base = a.original.getText();
  const own = changes.find((c) => c.uri === t.uri);
  if (!own) return [{ kind: 'update', path: t.path, uri: t.uri, version: t.version, oldText: base, newText: a.shown }, ...changes];
  return changes.map((c) => (c === own && (c.kind === 'update' || c.kind === 'move' || c.kind === 'delete') ? { ...c, oldText: base } : c));
}

/** One WorkspaceEdit for the changes, in the form the client takes, with the checks to run before it leaves. */
function finish(ctx: ServerContext, material: EditMaterial, answer: Answer): ComputedEdit {
  const documentEdit = buildPatchEdit(answer.changes, { changeAnnotations: ctx.negotiated.changeAnnotations });
  const needs = requiredEditCapabilities(documentEdit);
  const paths = (kind: 'add' | 'move' | 'delete') => answer.changes.filter((c) => c.kind === kind).map((c) => (c.kind === 'move' ? `${c.path} (to ${c.newPath})` : c.path));
  const creates = paths('add');
  const renames = paths('move');
  const deletes = paths('delete');
  const resourceOps = creates.length + renames.length + deletes.length;
  // A client without documentChanges takes plain `changes` for text edits; the versions are then checked here, before sending.
  const plain = resourceOps === 0 && !ctx.negotiated.documentChanges;
  const problem = unsupportedBy(ctx.negotiated, { documentChanges: needs.documentChanges && !plain, create: creates, rename: renames, delete: deletes });
  if (problem) throw new SparkError(SparkErrorCode.Unsupported, `${problem}; nothing was applied`);
  const edit = plain ? asChanges(documentEdit) : documentEdit;
  const count = countOf(edit);
  const fileEvents = answer.changes.flatMap((c): ComputedEdit['fileEvents'] => {
    if (c.kind === 'add') return [{ uri: c.uri, type: 1 }];
    if (c.kind === 'delete') return [{ uri: c.uri, type: 3 }];
    if (c.kind === 'move') return [{ uri: c.uri, type: 3 }, { uri: c.newUri, type: 1 }];
    return [{ uri: c.uri, type: 2 }];
  });
  return { edit, count, verify: () => verify(ctx, material, answer), fileEvents };
}

/** Re-checks every file the edit touches against what the model saw. */
async function verify(ctx: ServerContext, material: EditMaterial, answer: Answer): Promise<void> {
  for (const file of answer.touched) {
    const open = ctx.documents.get(file.uri);
    if (file.version !== null) {
      if (open?.version !== file.version) throw stale(file.path, 'changed while Spark was working');
      continue;
    }
    if (file.disk) {
      await ensureUnchanged(material.policy, file.disk).catch((e: unknown) => {
        throw e instanceof SparkError && e.code === SparkErrorCode.Stale ? stale(file.path, 'changed on disk while Spark was working') : e;
      });
      if (open && open.getText() !== file.text) throw stale(file.path, 'was opened and changed in the editor while Spark was working');
      continue;
    }
    // A file the patch creates must still be absent.
    const now = await confineUri(material.policy, file.uri);
    if (now.exists || open) throw stale(file.path, 'was created while Spark was working');
  }
}

const stale = (path: string, what: string) => new SparkError(SparkErrorCode.Stale, `${path} ${what}; nothing was applied`);

function asChanges(edit: WorkspaceEdit): WorkspaceEdit {
  const changes: NonNullable<WorkspaceEdit['changes']> = {};
  for (const dc of edit.documentChanges ?? []) {
    if (!('edits' in dc)) continue;
    for (const e of dc.edits) if ('newText' in e) (changes[dc.textDocument.uri] ??= []).push({ range: e.range, newText: e.newText });
  }
  return { changes };
}

function countOf(edit: WorkspaceEdit): number {
  let n = 0;
  for (const dc of edit.documentChanges ?? []) n += 'edits' in dc ? dc.edits.length : 1;
  for (const edits of Object.values(edit.changes ?? {})) n += edits.length;
  return n;
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

/** The instruction comment must still say what the request says (and sit just above a selection). */
function checkInstructionLine(doc: TextDocument, line: number, range: Range | undefined, instruction: string): void {
  const text = lineTextOf(doc, line);
  if ((range !== undefined && line !== range.start.line - 1) || line >= doc.lineCount || instructionOf(text) !== instruction) {
    throw new SparkError(SparkErrorCode.BadArgument, `line ${line} is not a "spark: ${instruction}" comment${range ? ' above the range' : ''}`);
  }
}

function lineTextOf(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

/** The document's text without line `line` (and its line break). */
function withoutLine(doc: TextDocument, line: number | undefined): string {
  const text = doc.getText();
  if (line === undefined) return text;
  return text.slice(0, doc.offsetAt({ line, character: 0 })) + text.slice(doc.offsetAt({ line: line + 1, character: 0 }));
}

/** The offsets of `range` in the text without the instruction line (which lies above it). */
function shownOffsets(doc: TextDocument, range: Range, instructionLine: number | undefined): { start: number; end: number } {
  const removed = instructionLine === undefined || instructionLine >= range.start.line
    ? 0
    : doc.offsetAt({ line: instructionLine + 1, character: 0 }) - doc.offsetAt({ line: instructionLine, character: 0 });
  return { start: doc.offsetAt(range.start) - removed, end: doc.offsetAt(range.end) - removed };
}

function lineAt(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The last line a selection covers: a selection ending at the start of a line does not cover that line. */
function lastLineOf(text: string, s: { start: number; end: number }): number {
  const last = lineAt(text, s.end);
  return s.end > s.start && text[s.end - 1] === '\n' ? Math.max(lineAt(text, s.start), last - 1) : last;
}

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
