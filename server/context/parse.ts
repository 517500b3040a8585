// Lenient parsing of what the model returned: fences, echoed markers and echoed context are removed;
// a patch is taken out of a message as it stands (server/edits/patch.ts parses it).
// Pure: no I/O, timers, globals or logging; depends only on the marker constants of prompt.ts.
//
// Echo rules. A small model often repeats text around the cursor. An overlap between the reply and
// the document is stripped only when it is clearly a repeat, never because of a coincidence:
//  - at the start of a completion, the reply repeats the end of `before` and that overlap
//    (a) starts at a line start (the whole current line up to the cursor, maybe earlier lines too)
//        and contains a word character, or is exactly the current line's indentation followed by code;
//    (b) starts at a word boundary, is at least MIN_TOKEN_ECHO characters and contains a word character
//        (the model retyped the identifier at the cursor, `comp` -> `computeTotal`);
//    (c) is at least MIN_ECHO characters and contains a word character.
//  - at the end of a completion, the same three rules mirrored against the start of `after`; an overlap
//    without word characters (closing brackets, quotes, `;`) is stripped only when doing so makes the
//    brackets and quotes of before + reply + after balance better (`x)` before an existing `)` loses
//    its `)`, but `baz()` keeps its own), or leaves them as balanced and is the rest of the line (`;`).
//  So a reply that merely starts with `(` when `before` ends with `(` is kept as it is.
//  - edits strip whole lines only (rule (a) in both directions, the overlap also lying on line
//    boundaries of the reply), and never text that the original range itself starts or ends with.

import { CURSOR_MARKER, TARGET_BEGIN, TARGET_END } from './prompt.js';

/** Overlaps shorter than this are only stripped when line-aligned or token-aligned. */
export const MIN_ECHO = 8;
/** A token-aligned overlap (the identifier at the cursor retyped) needs at least this many characters. */
export const MIN_TOKEN_ECHO = 3;
/** How far back (and forward) echoes are looked for, in characters. */
const MAX_ECHO_SCAN = 4000;

/**
 * Turns a completion reply into the text to insert at the cursor; `''` when nothing is left.
 * A reply wrapped entirely in one closed fenced block is unwrapped; a fence with prose around it,
 * or an unclosed one, is kept as text (it may be real Markdown being completed).
 */
export function parseCompletion(raw: string, ctx: { before: string; after: string }): string {
  const eol = detectEol(ctx.before, ctx.after);
  let s = normalizeEol(removeMarkers(unwrapWholeFence(raw)), eol);
  if (s.trim() === '') return '';

  const lead = leadingEcho(s, ctx.before, 'completion');
  s = s.slice(lead);
  const trail = trailingEcho(s, ctx, 'completion');
  s = s.slice(0, s.length - trail);

  // Trailing blank lines are noise; a final line break is kept only when code follows on the cursor's line.
  const endedWithBreak = /\n[ \t]*$/.test(s);
  s = s.replace(/(?:\r?\n[ \t]*)+$/, '');
  if (s.trim() === '') return '';
  if (endedWithBreak && restOfLine(ctx.after).trim() !== '') s += eol;
  return s;
}

/**
 * Turns an edit reply into the replacement for the target range, or `undefined` when it is empty
 * (an empty answer is never read as "delete the range").
 * Fences: with one or more fenced blocks, the first block whose content differs from `original` is
 * taken (a model that quotes the old code before the new one is common), else the first block;
 * prose around blocks is dropped. An unclosed fence runs to the end of the reply. Without a fence
 * the whole reply is the replacement.
 * Line breaks follow the document (CRLF or LF), and the original's convention for a final line
 * break is kept: added when the original ended with one, dropped when it did not. For an empty
 * original (an insertion) a final break is kept only when code follows on the same line.
 */
export function parseEdit(
  raw: string,
  ctx: { original: string; before: string; after: string },
): string | undefined {
  const eol = detectEol(ctx.original, ctx.before, ctx.after);
  let s = normalizeEol(removeMarkers(pickFence(raw, normalizeEol(ctx.original, '\n'))), eol);
  if (s.trim() === '') return undefined;

  s = s.slice(leadingEcho(s, ctx.before, 'edit', ctx.original));
  s = s.slice(0, s.length - trailingEcho(s, ctx, 'edit', ctx.original));

  // An empty original (an insertion) has no convention: a final break is kept only if code follows.
  const wantsBreak = ctx.original === '' ? restOfLine(ctx.after).trim() !== '' : ctx.original.endsWith('\n');
  if (wantsBreak && !s.endsWith('\n') && ctx.original !== '') s += eol;
  else if (!wantsBreak && s.endsWith('\n')) s = s.replace(/\r?\n$/, '');
  return s.trim() === '' ? undefined : s;
}

/**
 * Takes a V4A patch out of a model message: from the first `*** Begin Patch` line to the next
 * `*** End Patch` line, whether the patch stands bare among prose or sits in a fenced block (any info
 * string). Without an end marker the patch runs to the closing fence of its block, or to the end of the
 * message, so that the parser can say what is missing. `undefined` when the message holds no patch.
 */
export function extractPatch(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const begin = lines.findIndex((l) => l.trim() === '*** Begin Patch');
  if (begin === -1) return undefined;
  let end = lines.findIndex((l, i) => i > begin && l.trim() === '*** End Patch');
  if (end === -1) {
    const block = fencedBlocks(text).blocks.find((b) => b.openLine < begin && begin < b.closeLine);
    end = (block?.closeLine ?? lines.length) - 1;
  }
  return `${lines.slice(begin, end + 1).join('\n')}\n`;
}

interface Block {
  content: string;
  /** Lines of the reply before the opening fence / after the closing fence. */
  openLine: number;
  closeLine: number;
}

function fencedBlocks(raw: string): { lines: string[]; blocks: Block[] } {
  const lines = raw.split('\n').map((l) => l.replace(/\r$/, ''));
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^[ \t]{0,3}(`{3,}|~{3,})[^`]*$/.exec(lines[i] ?? '');
    if (!open || open[1] === undefined) continue;
    const marker = open[1];
    let close = i + 1;
    while (close < lines.length && !isClosingFence(lines[close] ?? '', marker)) close++;
    blocks.push({ content: lines.slice(i + 1, close).join('\n'), openLine: i, closeLine: close });
    i = close;
  }
  return { lines, blocks };
}

function isClosingFence(line: string, open: string): boolean {
  const m = /^[ \t]{0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return m?.[1] !== undefined && m[1][0] === open[0] && m[1].length >= open.length;
}

function unwrapWholeFence(raw: string): string {
  const { lines, blocks } = fencedBlocks(raw);
  const [only] = blocks;
  // An unclosed fence may be Markdown the model is starting, so only a closed block is unwrapped.
  if (blocks.length !== 1 || only === undefined || only.closeLine >= lines.length) return raw;
  const outside = [...lines.slice(0, only.openLine), ...lines.slice(only.closeLine + 1)];
  return outside.every((l) => l.trim() === '') ? only.content : raw;
}

function pickFence(raw: string, original: string): string {
  const { blocks } = fencedBlocks(raw);
  if (blocks.length === 0) return raw;
  const differs = blocks.find((b) => b.content.replace(/\n$/, '') !== original.replace(/\n$/, ''));
  return (differs ?? blocks[0])?.content ?? raw;
}

const MARKER_RE = new RegExp([CURSOR_MARKER, TARGET_BEGIN, TARGET_END].map(lenientMarker).join('|'), 'g');
const MARKER_LINE_RE = new RegExp(`^[ \\t]*(?:${MARKER_RE.source})[ \\t]*\\r?\\n`, 'gm');

/** `<|cursor|>` also matches `<| cursor |>`: small models are loose with spacing. */
function lenientMarker(marker: string): string {
  const name = marker.slice(2, -2);
  const slash = name.startsWith('/') ? '\\/\\s*' : '';
  return `<\\|\\s*${slash}${name.replace(/^\//, '')}\\s*\\|>`;
}

function removeMarkers(s: string): string {
  return s.replace(MARKER_LINE_RE, '').replace(MARKER_RE, '');
}

function detectEol(...texts: string[]): string {
  for (const t of texts) {
    const nl = t.indexOf('\n');
    if (nl !== -1) return t[nl - 1] === '\r' ? '\r\n' : '\n';
  }
  return '\n';
}

function normalizeEol(s: string, eol: string): string {
  return s.replace(/\r?\n/g, eol);
}

function restOfLine(after: string): string {
  const nl = after.indexOf('\n');
  return nl === -1 ? after : after.slice(0, nl);
}

const WORD = /[\p{L}\p{N}_$]/u;
const isWord = (ch: string | undefined): boolean => ch !== undefined && WORD.test(ch);
const hasWord = (s: string): boolean => WORD.test(s);

/** Length of the prefix of `reply` that echoes the end of `before` (0 when none). */
function leadingEcho(reply: string, before: string, mode: 'completion' | 'edit', original = ''): number {
  const max = Math.min(reply.length, before.length, MAX_ECHO_SCAN);
  const lineStart = before.lastIndexOf('\n') + 1;
  const indentation = before.slice(lineStart);
  for (let k = max; k > 0; k--) {
    const ov = before.slice(before.length - k);
    if (!reply.startsWith(ov)) continue;
    const atLineStart = k === before.length || before[before.length - k - 1] === '\n';
    const isIndentation = atLineStart && ov === indentation && /^[ \t]+$/.test(ov) && /\S/.test(reply[k] ?? '');
    if (mode === 'edit') {
      if (original.startsWith(ov)) continue;
      if (atLineStart && (hasWord(ov) || (isIndentation && !/^\s/.test(original)))) return k;
      continue;
    }
    if (atLineStart && (hasWord(ov) || isIndentation)) return k;
    const atToken = !isWord(before[before.length - k - 1]) || !isWord(ov[0]);
    if (hasWord(ov) && (ov.length >= MIN_ECHO || (atToken && ov.length >= MIN_TOKEN_ECHO))) return k;
  }
  return 0;
}

/** Length of the suffix of `reply` that echoes the start of `after` (0 when none). */
function trailingEcho(
  reply: string,
  ctx: { before: string; after: string },
  mode: 'completion' | 'edit',
  original = '',
): number {
  const { before, after } = ctx;
  const max = Math.min(reply.length, after.length, MAX_ECHO_SCAN);
  let balance: BracketCounts | undefined;
  /** Negative when stripping `ov` makes brackets and quotes balance better, 0 when it changes nothing. */
  const balanceGain = (ov: string): number => {
    balance ??= add(counts(before), counts(after));
    const kept = add(balance, counts(reply));
    const stripped = add(balance, counts(reply.slice(0, reply.length - ov.length)));
    return imbalance(stripped) - imbalance(kept);
  };
  const improvesBalance = (ov: string): boolean => balanceGain(ov) < 0;
  for (let k = max; k > 0; k--) {
    const ov = after.slice(0, k);
    if (!reply.endsWith(ov)) continue;
    const next = after[k];
    const atLineEnd = k === after.length || ov.endsWith('\n') || next === '\n' || (next === '\r' && after[k + 1] === '\n');
    if (mode === 'edit') {
      if (original.endsWith(ov)) continue;
      const replyLineStart = k === reply.length || reply[reply.length - k - 1] === '\n';
      if (atLineEnd && replyLineStart && /\S/.test(ov) && (hasWord(ov) || improvesBalance(ov))) return k;
      continue;
    }
    if (hasWord(ov)) {
      const atToken = !isWord(next) || !isWord(ov[ov.length - 1]);
      if (atLineEnd || ov.length >= MIN_ECHO || (atToken && ov.length >= MIN_TOKEN_ECHO)) return k;
    } else if (/\S/.test(ov)) {
      // `;` or `,` that already ends the line is an echo too: doubling it is never what was meant.
      const gain = balanceGain(ov);
      if (gain < 0 || (gain === 0 && atLineEnd)) return k;
    }
  }
  return 0;
}

/** Opening and closing counts of (), [], {} followed by counts of ", ', `. */
type BracketCounts = number[];
const TRACKED = '()[]{}"\'`';

function counts(s: string): BracketCounts {
  const c = new Array<number>(TRACKED.length).fill(0);
  for (const ch of s) {
    const i = TRACKED.indexOf(ch);
    if (i !== -1) c[i] = (c[i] ?? 0) + 1;
  }
  return c;
}

function add(a: BracketCounts, b: BracketCounts): BracketCounts {
  return a.map((n, i) => n + (b[i] ?? 0));
}

/** Unmatched brackets per kind plus unpaired quotes; lower is better. */
function imbalance(c: BracketCounts): number {
  const at = (i: number): number => c[i] ?? 0;
  return (
    Math.abs(at(0) - at(1)) + Math.abs(at(2) - at(3)) + Math.abs(at(4) - at(5)) + (at(6) % 2) + (at(7) % 2) + (at(8) % 2)
  );
}
