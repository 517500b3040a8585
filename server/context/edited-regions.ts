// The regions of documents the user changed last: line ranges kept current as later changes shift them, merged
// when they touch, newest first, at most `max` across all documents. Feeds the "recent edits in other files"
// part of cross-file context. Pure: it is told each change (the text before it and the LSP content changes).
//
// Invariants: regions of one document never overlap nor touch within `MERGE_GAP` lines (such regions merge);
// `list()` is newest first; a region's lines are in the document's current text (0-based, end exclusive).

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

export interface LineSpan {
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

/**
 * The lines a whole-text replacement changed: what lies between the common leading and trailing lines. Found
 * from the common prefix and suffix in characters (compared in chunks) and the line breaks counted once,
 * without splitting either text into lines: a keystroke of an editor that sends whole texts is not a split of
 * the whole document twice.
 */
export function wholeSpan(before: string, after: string): LineSpan | undefined {
  if (before === after) return undefined;
  const min = Math.min(before.length, after.length);
  const p = commonPrefix(before, after, min);
  const q = commonSuffix(before, after, min);
  const suffixA = before.length - q;
  const suffixB = after.length - q;
  const inPrefix = lineBreaks(before, 0, p);
  const inSuffix = lineBreaks(before, suffixA, before.length);
  // The lines of each text: the breaks of the prefix, of the suffix, and of what lies between (the prefix and
  // the suffix may overlap when the change repeats text).
  const linesA = (p <= suffixA ? inPrefix + lineBreaks(before, p, suffixA) : lineBreaks(before, 0, suffixA)) + inSuffix + 1;
  const linesB = (p <= suffixB ? inPrefix + lineBreaks(after, p, suffixB) : lineBreaks(after, 0, suffixB)) + inSuffix + 1;
  // Equal leading lines: those ended within the prefix, and the line at its end when one text ends there
  // and the other breaks the line there.
  let head = inPrefix;
  if ((p === before.length && after.charCodeAt(p) === NEWLINE) || (p === after.length && before.charCodeAt(p) === NEWLINE)) head++;
  // Equal trailing lines: those begun within the suffix, and the line at its start when that starts a line in both.
  let tail = inSuffix;
  if ((suffixA === 0 && (suffixB === 0 || after.charCodeAt(suffixB - 1) === NEWLINE)) || (suffixB === 0 && before.charCodeAt(suffixA - 1) === NEWLINE)) tail++;
  tail = Math.min(tail, Math.min(linesA, linesB) - head);
  return { start: head, oldEnd: linesA - tail, newEnd: linesB - tail };
}

const NEWLINE = 10;
/** Characters compared at once (as substrings) before comparing one by one. */
const CHUNK = 256;

function commonPrefix(a: string, b: string, min: number): number {
  let n = 0;
  while (n + CHUNK <= min && a.slice(n, n + CHUNK) === b.slice(n, n + CHUNK)) n += CHUNK;
  while (n < min && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

function commonSuffix(a: string, b: string, min: number): number {
  let n = 0;
  while (n + CHUNK <= min && a.slice(a.length - n - CHUNK, a.length - n) === b.slice(b.length - n - CHUNK, b.length - n)) n += CHUNK;
  while (n < min && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

/** Line breaks (`\n`) in text[from, to). */
function lineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function countLines(text: string): number {
  return lineBreaks(text, 0, text.length) + 1;
}
