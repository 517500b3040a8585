// The regions of documents the user changed last: line ranges kept current as later changes shift them, merged
// when they touch, newest first, at most `max` across all documents. Feeds the "recent edits in other files"
// part of cross-file context. Pure: it is told each change (the text before it and the LSP content changes).
//
// Invariants: regions of one document never overlap nor touch within `MERGE_GAP` lines (such regions merge);
// `list()` is newest first; a region's lines are in the document's current text (0-based, end exclusive).

import { changedLines, lineBreaks } from '../edits/changed-lines.js';

/** An LSP content change: a range in the text before it, or (no range) the whole new text. */
export interface TextChange {
  range?: { start: { line: number; character: number }; end: { line: number; character: number } } | undefined;
  text: string;
}

export interface EditedRegion {
  uri: string;
  /** First changed line, 0-based. */
  start: number;
  /** One past the last changed line. */
  end: number;
}

/** Regions closer than this many lines merge into one. */
const MERGE_GAP = 3;

export class EditedRegions {
  /** Newest first. */
  private regions: EditedRegion[] = [];

  constructor(private readonly max = 8) {}

  /** Folds in one didChange of `uri`: `before` is its text before the change, `changes` apply in order. */
  record(uri: string, before: string, changes: readonly TextChange[]): void {
    let text = before;
    for (const change of changes) {
      const span = change.range ? rangeSpan(change.range, change.text) : wholeSpan(text, change.text);
      text = change.range ? text : change.text;
      if (span === undefined) continue;
      this.apply(uri, span);
    }
  }

  /** The document was closed (or removed): its regions go. */
  forget(uri: string): void {
    this.regions = this.regions.filter((r) => r.uri !== uri);
  }

  /** Newest first, at most `limit`, leaving out `except`. */
  list(except?: string, limit = this.max): EditedRegion[] {
    const out: EditedRegion[] = [];
    for (const r of this.regions) {
      if (r.uri === except) continue;
      out.push({ ...r });
      if (out.length === limit) break;
    }
    return out;
  }

  private apply(uri: string, span: LineSpan): void {
    // Old lines [start, oldEnd) became [start, newEnd): later regions of the document move by the difference.
    const shift = span.newEnd - span.oldEnd;
    let merged: EditedRegion = { uri, start: span.start, end: Math.max(span.newEnd, span.start + 1) };
    const rest: EditedRegion[] = [];
    for (const r of this.regions) {
      if (r.uri !== uri) {
        rest.push(r);
        continue;
      }
      const moved = r.start >= span.oldEnd ? { uri, start: r.start + shift, end: r.end + shift } : r.end > span.start ? { uri, start: r.start, end: Math.max(r.start + 1, r.end + shift) } : r;
      if (moved.start <= merged.end + MERGE_GAP && merged.start <= moved.end + MERGE_GAP) {
        merged = { uri, start: Math.min(merged.start, moved.start), end: Math.max(merged.end, moved.end) };
      } else {
        rest.push(moved);
      }
    }
    this.regions = [merged, ...rest].slice(0, this.max);
  }
}

interface LineSpan {
  start: number;
  /** One past the last old line touched. */
  oldEnd: number;
  /** One past the last new line. */
  newEnd: number;
}

function rangeSpan(range: NonNullable<TextChange['range']>, text: string): LineSpan {
  const start = range.start.line;
  return { start, oldEnd: range.end.line + 1, newEnd: start + countLines(text) };
}

/** The lines a whole-text replacement changed: what lies between the common leading and trailing lines. */
function wholeSpan(before: string, after: string): LineSpan | undefined {
  const span = changedLines(before, after);
  return span && { start: span.first, oldEnd: span.end, newEnd: span.newEnd };
}

function countLines(text: string): number {
  return lineBreaks(text) + 1;
}
