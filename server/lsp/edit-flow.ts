// Instructed edits, shared by code action resolve and the spark.edit command. The model answers with a V4A
// patch (the apply_patch custom tool, or a patch in its message); the patch is applied to the snapshots the
// model saw, all or nothing, and becomes one WorkspaceEdit. A patch that does not apply is sent back once with
// what was not found; for a selection, an answer that is not a patch is taken as the selection's new text.
// Invariants: nothing is applied before the whole edit is known; the edit never lands over text newer than
// what the model saw (open documents by version, other files by content, checked by `verify` right before
// the edit leaves); no path outside the workspace, and no refused file's content, is ever read into a prompt.
import type { CancellationToken } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { extractPatch, parseEdit } from '../context/parse.js';
import { buildPatchPrompt, PATCH_FALLBACK_INSTRUCTIONS, patchFeedback, type DiagnosticInfo, type EditScope, type PatchPrompt } from '../context/prompt.js';
import { applyPatch, type FileChange } from '../edits/apply-patch.js';
import { changesWithin } from '../edits/changed-lines.js';
import { APPLY_PATCH_DESCRIPTION, APPLY_PATCH_GRAMMAR, parsePatch, patchPaths, PatchError } from '../edits/patch.js';
import { Priority, type CustomTool, type GenerateResult } from '../spark/api.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import type { RequestTimings } from '../spark/timings.js';
import type { ServerContext } from './context.js';
import { gatherContext, statesFor, type EditMaterial } from './edit-context.js';
import { startProgress } from './edit-progress.js';
import { finish, type Answer, type ComputedEdit } from './edit-send.js';
import { checkedRange, checkInstructionLine, lastLineOf, lineAt, scopeOf, shownOffsets, withoutLine, type EditTarget } from './edit-target.js';
import { promptPath } from './uri.js';
import { ensureMayUse } from './workspace.js';

export type { ComputedEdit } from './edit-send.js';

const APPLY_PATCH_TOOL: CustomTool = {
  name: 'apply_patch',
  description: APPLY_PATCH_DESCRIPTION,
  grammar: APPLY_PATCH_GRAMMAR,
  fallbackInstructions: PATCH_FALLBACK_INSTRUCTIONS,
};

export function computeEdit(ctx: ServerContext, target: EditTarget, token: CancellationToken): Promise<ComputedEdit> {
  return ctx.status.track('edit', target.uri, (timings) => computeEditTimed(ctx, target, token, timings));
}

async function computeEditTimed(ctx: ServerContext, target: EditTarget, token: CancellationToken, timings: RequestTimings): Promise<ComputedEdit> {
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
  const built = buildPatchPrompt({
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
  // The cross-file context completions use (declarations of imported names, relevant open files, recent edits
  // elsewhere), most stable first, before the edit's own prompt.
  const crossFile = await ctx.crossFile.forEdit(target.uri, selection?.start);
  const prompt = crossFile === '' ? built : { ...built, input: `${crossFile}\n${built.input}` };
  // Only files shown whole count as seen: an Add File may replace those, and only those.
  material.target.shown = prompt.shownWhole.includes(material.target.path);
  for (const f of material.related) f.shown = prompt.shownWhole.includes(f.path);

  const controller = new AbortController();
  const cancel = token.onCancellationRequested(() => controller.abort('cancelled'));
  const progress = startProgress(ctx, target.instruction);
  try {
    const answer = await askForPatch(ctx, { target, scope, prompt, material, original, shown, selection, signal: controller.signal, onText: progress.onText, timings });
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
  /** Filled as the request moves (the last attempt's phases when a patch is sent back once). */
  timings: RequestTimings;
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
      timings: a.timings,
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
  const changes = applyPatch(patch, (path) => states.get(path)!);
  if (a.scope === 'selection' && a.selection) {
    const change = changes.find((c) => c.uri === target.uri);
    const first = lineAt(a.shown, a.selection.start);
    const last = lastLineOf(a.shown, a.selection);
    if (change && (change.kind !== 'update' || !changesWithin(a.shown, change.newText, first, last))) {
      throw new PatchError([`Only the selected lines ${first + 1}-${last + 1} of ${target.path} may change; the patch changes lines outside them.`]);
    }
  }
  const final = withInstructionLineRemoved(a, changes);
  const known = [target, ...states.values()];
  const touched = known.filter((f, i) => known.findIndex((k) => k.uri === f.uri) === i && final.some((c) => c.uri === f.uri || (c.kind === 'move' && c.newUri === f.uri)));
  return { changes: final, touched };
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
