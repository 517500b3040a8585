// Turns "replace this range with that text" into the smallest edits a reviewer would expect.
// Pure: depends only on the text-document types and the `diff` package; no LSP connection, no I/O.
// Invariants: edits are sorted, never overlap, and no edit boundary splits a surrogate pair or a CRLF.

import { diffLines, diffWordsWithSpace } from 'diff';
import type { Range, TextDocument, TextEdit } from 'vscode-languageserver-textdocument';

/** Changed line blocks up to this size (old + new characters) are refined at word and character level. */
const REFINE_MAX_CHARS = 4000;
/**
 * Beyond this many changed lines (removed + added) the line diff gives up and the trimmed middle
 * becomes one edit; it keeps the worst case on a 5,000-line range to tens of milliseconds.
 */
const MAX_LINE_EDIT_LENGTH = 1000;
/** Edits separated by at most this much punctuation or space on one line read as one change, so they merge. */
const MERGE_GAP = 3;

/** An edit in document offsets (UTF-16 code units). */
interface Span {
  start: number;
  end: number;
  newText: string;
}

export function computeMinimalEdits(document: TextDocument, range: Range, replacement: string): TextEdit[] {
  const text = document.getText();
  const a = document.offsetAt(range.start);
  const b = document.offsetAt(range.end);
  const [start, end] = a <= b ? [a, b] : [b, a];
  if (text.slice(start, end) === replacement) return [];

  const middle = trimCommon(text, { start, end, newText: replacement });
  const spans = middle.start === middle.end || middle.newText === '' ? [middle] : diffMiddle(text, middle);
  return merge(text, spans)
    .filter((s) => s.start !== s.end || s.newText !== '')
    .map((s) => ({
      range: { start: document.positionAt(s.start), end: document.positionAt(s.end) },
      newText: s.newText,
    }));
}

/** Shrinks a span by the text its old and new sides share at both ends (boundaries are made safe later). */
function trimCommon(text: string, span: Span): Span {
  const { start, end, newText } = span;
  const oldLen = end - start;
  const max = Math.min(oldLen, newText.length);
  let p = 0;
  while (p < max && text.charCodeAt(start + p) === newText.charCodeAt(p)) p++;
  let s = 0;
  while (s < max - p && text.charCodeAt(end - 1 - s) === newText.charCodeAt(newText.length - 1 - s)) s++;
  return { start: start + p, end: end - s, newText: newText.slice(p, newText.length - s) };
}

/**
 * Widens a span whose start or end falls inside a surrogate pair or between CR and LF.
 * The characters taken in are copied into newText, so the result of applying the span is unchanged.
 */
function safeBoundaries(text: string, span: Span): Span {
  let { start, end, newText } = span;
  while (start > 0 && splits(text, start)) {
    start--;
    newText = text.charAt(start) + newText;
  }
  if (end < start) end = start;
  while (end < text.length && splits(text, end)) {
    newText += text.charAt(end);
    end++;
  }
  return { start, end, newText };
}

function splits(text: string, offset: number): boolean {
  const prev = text.charCodeAt(offset - 1);
  const next = text.charCodeAt(offset);
  const surrogate = prev >= 0xd800 && prev <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
  return surrogate || (prev === 13 && next === 10);
}

/** Line diff first (cheap, bounded); small changed blocks are refined word by word. */
function diffMiddle(text: string, span: Span): Span[] {
  const oldText = text.slice(span.start, span.end);
  const changes = diffLines(oldText, span.newText, { maxEditLength: MAX_LINE_EDIT_LENGTH });
  if (changes === undefined) return [span];

  const out: Span[] = [];
  for (const hunk of hunks(changes, span.start)) {
    const oldLen = hunk.end - hunk.start;
    const refined = oldLen + hunk.newText.length <= REFINE_MAX_CHARS ? refineWords(text, hunk) : undefined;
    out.push(...(refined ?? [trimCommon(text, hunk)]));
  }
  return out;
}

function refineWords(text: string, hunk: Span): Span[] | undefined {
  const oldText = text.slice(hunk.start, hunk.end);
  if (oldText === '' || hunk.newText === '') return [hunk];
  const changes = diffWordsWithSpace(oldText, hunk.newText);
  const spans = hunks(changes, hunk.start);
  // The offsets are only right if the diff reproduces the old text exactly; otherwise keep the line hunk.
  const oldLength = changes.filter((c) => !c.added).reduce((n, c) => n + c.value.length, 0);
  if (oldLength !== oldText.length) return undefined;
  return spans.map((s) => trimCommon(text, s));
}

/** Groups runs of removed/added changes into spans, in document offsets starting at `base`. */
function hunks(changes: { value: string; added: boolean; removed: boolean }[], base: number): Span[] {
  const out: Span[] = [];
  let pos = base;
  let open: Span | undefined;
  for (const c of changes) {
    if (!c.added && !c.removed) {
      if (open) out.push(open);
      open = undefined;
      pos += c.value.length;
      continue;
    }
    open ??= { start: pos, end: pos, newText: '' };
    if (c.removed) {
      pos += c.value.length;
      open.end = pos;
    } else {
      open.newText += c.value;
    }
  }
  if (open) out.push(open);
  return out;
}

/**
 * Merges spans that touch, or that only a little punctuation or space on one line separates, then
 * widens boundaries that would split a pair. Spans whose widened boundaries would meet are merged
 * first, so the output never overlaps. Input spans are disjoint, being pieces of one diff.
 */
function merge(text: string, spans: Span[]): Span[] {
  const sorted = [...spans].sort((x, y) => x.start - y.start || x.end - y.end);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined) {
      const gap = text.slice(last.end, s.start);
      const near = gap.length <= MERGE_GAP && !/[\n\p{L}\p{N}_$]/u.test(gap);
      if (near || safeBoundaries(text, last).end >= safeBoundaries(text, s).start) {
        last.newText += gap + s.newText;
        last.end = s.end;
        continue;
      }
    }
    out.push({ ...s });
  }
  return out.map((s) => safeBoundaries(text, s));
}
