// The whole functions (or blocks) around changed lines: from a syntax outline (server/context/cross-file) when
// the language has one, else by indentation, which works for brace languages formatted as usual and for
// indentation languages without a parser. Pure; lines are 0-based, inclusive.
import type { SymbolSpan } from '../context/cross-file/index.js';
import type { Lines } from './line-map.js';
import { lineBreaks } from '../edits/changed-lines.js';

/** A block longer than this is not shown whole; the innermost block that fits is shown instead. */
export const MAX_BLOCK_LINES = 200;
/** Lines shown around a change that no block encloses (top-level statements). */
const LOOSE_CONTEXT = 3;

/**
 * For each changed range of `lines` (already split), the largest enclosing block of at most `maxLines`
 * lines: a header line with less indentation than the change, through the end of its indented body and
 * a closing bracket line at the header's indentation. Overlapping results are merged; sorted.
 */
export function enclosingBlocks(lines: readonly string[], changed: readonly Lines[], maxLines = MAX_BLOCK_LINES): Lines[] {
  const blocks = changed.map((c) => enclosingBlock(lines, c, maxLines));
  return mergeLines(blocks);
}

/**
 * Like enclosingBlocks, with the functions, methods and classes of a syntax outline of the same text: the
 * outermost symbol of at most `maxLines` lines that holds a changed range, else the innermost that holds it;
 * a range no symbol holds falls back to indentation.
 */
export function symbolBlocks(text: string, outline: readonly SymbolSpan[], changed: readonly Lines[], maxLines = MAX_BLOCK_LINES): Lines[] {
  const lines = text.split('\n');
  const spans = outline.map((s) => ({ start: s.line, end: lineAt(text, s.start, s.line, Math.max(s.start, s.end - 1)) }));
  const blocks = changed.map((c) => {
    const holding = spans.filter((s) => s.start <= c.start && s.end >= c.end).sort((a, b) => b.end - b.start - (a.end - a.start));
    return holding.find((s) => s.end - s.start + 1 <= maxLines) ?? holding.at(-1) ?? enclosingBlock(lines, c, maxLines);
  });
  return mergeLines(blocks);
}

/** The 0-based line of `offset`, counting on from `fromLine` at `fromOffset`. */
function lineAt(text: string, fromOffset: number, fromLine: number, offset: number): number {
  return fromLine + lineBreaks(text, fromOffset, offset);
}

function enclosingBlock(lines: readonly string[], changed: Lines, maxLines: number): Lines {
  const last = lines.length - 1;
  const start = clamp(changed.start, 0, last);
  const end = clamp(Math.max(changed.end, start), 0, last);
  const candidates: Lines[] = [];
  // A changed line that opens a block (its next non-blank line is deeper) is a header of its own.
  const ownHeader = opensBlock(lines, start);
  if (ownHeader) candidates.push({ start, end: Math.max(end, blockEnd(lines, start)) });
  let threshold = Math.min(...rangeIndents(lines, start, end));
  for (let i = start - 1; i >= 0 && threshold > 0; i--) {
    const indent = indentOf(lines[i]!);
    if (indent === undefined || indent >= threshold) continue;
    if (isClosing(lines[i]!)) continue;
    candidates.push({ start: i, end: Math.max(end, blockEnd(lines, i)) });
    threshold = indent;
  }
  const fitting = candidates.filter((b) => b.end - b.start + 1 <= maxLines);
  const best = fitting.at(-1) ?? candidates[0];
  if (best) return best;
  return { start: Math.max(0, start - LOOSE_CONTEXT), end: Math.min(last, end + LOOSE_CONTEXT) };
}

/** The last line of the block opened by the header at `header`. */
function blockEnd(lines: readonly string[], header: number): number {
  const base = indentOf(lines[header]!) ?? 0;
  let end = header;
  for (let i = header + 1; i < lines.length; i++) {
    const indent = indentOf(lines[i]!);
    if (indent === undefined) continue;
    if (indent > base) {
      end = i;
      continue;
    }
    if (indent === base && isClosing(lines[i]!)) end = i;
    break;
  }
  return end;
}

function opensBlock(lines: readonly string[], line: number): boolean {
  const own = indentOf(lines[line]!);
  if (own === undefined) return false;
  for (let i = line + 1; i < lines.length; i++) {
    const indent = indentOf(lines[i]!);
    if (indent !== undefined) return indent > own;
  }
  return false;
}

/** Indentations of the non-blank lines in [start, end]; the next non-blank line's when all are blank. */
function rangeIndents(lines: readonly string[], start: number, end: number): number[] {
  const found: number[] = [];
  for (let i = start; i <= end; i++) {
    const indent = indentOf(lines[i]!);
    if (indent !== undefined) found.push(indent);
  }
  if (found.length > 0) return found;
  for (let i = end + 1; i < lines.length; i++) {
    const indent = indentOf(lines[i]!);
    if (indent !== undefined) return [indent];
  }
  return [0];
}

/** Leading whitespace width (a tab counts as one level of four), or undefined for a blank line. */
function indentOf(line: string): number | undefined {
  const m = /^[ \t]*/.exec(line)!;
  if (m[0].length === line.trimEnd().length) return undefined;
  let width = 0;
  for (const ch of m[0]) width += ch === '\t' ? 4 : 1;
  return width;
}

/** A line that closes a block rather than opening one: `}`, `)`, `]`, `end`, `fi`, `done`, … */
function isClosing(line: string): boolean {
  return /^\s*([}\])]|end\b|fi\b|done\b|esac\b|endif\b|endfunction\b)/.test(line);
}

export function mergeLines(ranges: readonly Lines[]): Lines[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Lines[] = [];
  for (const r of sorted) {
    const prev = out.at(-1);
    if (prev && r.start <= prev.end + 1) prev.end = Math.max(prev.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
