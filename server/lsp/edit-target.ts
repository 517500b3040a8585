// What an instructed edit names (the `spark.edit` arguments and code action `data`), validated, and how its
// range and instruction comment map onto the text the model is shown. Pure apart from the SparkErrors it
// throws for arguments that do not fit the document.
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import { instructionOf } from '../context/instruction-comment.js';
import type { EditScope } from '../context/prompt.js';
import { SparkError, SparkErrorCode } from '../spark/errors.js';
import { lineBreaks } from '../edits/changed-lines.js';

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

/** The scope an edit runs with: as named, else `selection` with a range and `file` without. */
export function scopeOf(target: EditTarget): EditScope {
  return target.scope ?? (target.range ? 'selection' : 'file');
}

export function checkedRange(doc: TextDocument, range: Range): Range {
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
export function checkInstructionLine(doc: TextDocument, line: number, range: Range | undefined, instruction: string): void {
  const text = lineTextOf(doc, line);
  if ((range !== undefined && line !== range.start.line - 1) || line >= doc.lineCount || instructionOf(text) !== instruction) {
    throw new SparkError(SparkErrorCode.BadArgument, `line ${line} is not a "spark: ${instruction}" comment${range ? ' above the range' : ''}`);
  }
}

function lineTextOf(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

/** The document's text without line `line` (and its line break). */
export function withoutLine(doc: TextDocument, line: number | undefined): string {
  const text = doc.getText();
  if (line === undefined) return text;
  return text.slice(0, doc.offsetAt({ line, character: 0 })) + text.slice(doc.offsetAt({ line: line + 1, character: 0 }));
}

/** The offsets of `range` in the text without the instruction line (which lies above it). */
export function shownOffsets(doc: TextDocument, range: Range, instructionLine: number | undefined): { start: number; end: number } {
  const removed = instructionLine === undefined || instructionLine >= range.start.line
    ? 0
    : doc.offsetAt({ line: instructionLine + 1, character: 0 }) - doc.offsetAt({ line: instructionLine, character: 0 });
  return { start: doc.offsetAt(range.start) - removed, end: doc.offsetAt(range.end) - removed };
}

export function lineAt(text: string, offset: number): number {
  return lineBreaks(text, 0, offset);
}

/** The last line a selection covers: a selection ending at the start of a line does not cover that line. */
export function lastLineOf(text: string, s: { start: number; end: number }): number {
  const last = lineAt(text, s.end);
  return s.end > s.start && text[s.end - 1] === '\n' ? Math.max(lineAt(text, s.start), last - 1) : last;
}

const show = (r: Range) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
