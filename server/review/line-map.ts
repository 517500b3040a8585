// Maps line ranges through the changes a user makes to a document, and says when a change touched them.
// Pure: content changes (or two texts) in, line edits and mapped ranges out; no LSP connection, no I/O.
// Lines are 0-based. A LineEdit replaces the old lines [from, to) with `count` new lines; edits of one
// change apply in order, each in the coordinates left by the previous one.
import { diffArrays } from 'diff';
import { lineBreaks } from '../edits/changed-lines.js';

export interface LineEdit {
  from: number;
  /** Exclusive; equal to `from` for a pure insertion of lines. */
  to: number;
  count: number;
}

/** Inclusive 0-based lines. */
export interface Lines {
  start: number;
  end: number;
}

interface Position {
  line: number;
  character: number;
}

export type ContentChange = { range: { start: Position; end: Position }; text: string } | { text: string; range?: undefined };

/**
 * The line edit of one ranged content change. A change that starts and ends at column 0 and inserts whole
 * lines (or deletes them) leaves its neighbours untouched; any other change touches the lines it spans.
 */
export function lineEditOf(range: { start: Position; end: Position }, text: string): LineEdit {
  const newlines = lineBreaks(text);
  const aligned = range.start.character === 0 && range.end.character === 0 && (text === '' || text.endsWith('\n'));
  if (aligned) return { from: range.start.line, to: range.end.line, count: newlines };
  return { from: range.start.line, to: range.end.line + 1, count: newlines + 1 };
}

/** The line edits turning `before` into `after`, bottom-up so that each stays valid after the ones before it. */
export function lineEditsBetween(before: string, after: string): LineEdit[] {
  if (before === after) return [];
  const edits: LineEdit[] = [];
  let line = 0;
  let pending: LineEdit | undefined;
  for (const part of diffArrays(before.split('\n'), after.split('\n'))) {
    const n = part.value.length;
    if (!part.added && !part.removed) {
      if (pending) edits.push(pending);
      pending = undefined;
      line += n;
      continue;
    }
    pending ??= { from: line, to: line, count: 0 };
    if (part.removed) {
      pending.to += n;
      line += n;
    } else {
      pending.count += n;
    }
  }
  if (pending) edits.push(pending);
  return edits.reverse();
}

/** The line edits of one didChange notification; whole-text changes are diffed against the text before them. */
export function lineEditsOfChanges(changes: readonly ContentChange[], textBefore: string, textAfter: string): LineEdit[] {
  if (changes.some((c) => c.range === undefined)) return lineEditsBetween(textBefore, textAfter);
  return changes.map((c) => lineEditOf(c.range!, c.text));
}

/**
 * Where `lines` are after `edits`, or undefined when an edit touched them: replaced or deleted any of them,
 * or inserted lines strictly inside the range.
 */
export function mapLines(lines: Lines, edits: readonly LineEdit[]): Lines | undefined {
  let { start, end } = lines;
  for (const e of edits) {
    const touched = e.from === e.to ? e.from > start && e.from <= end : e.from <= end && e.to > start;
    if (touched) return undefined;
    if (e.to <= start) {
      const delta = e.count - (e.to - e.from);
      start += delta;
      end += delta;
    }
  }
  return { start, end };
}

