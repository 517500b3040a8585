// Builds the review request for the larger model: fixed instructions (the rubric) and one input holding the
// instruction the change followed, the change as a unified diff, the whole functions it touched, and the paths.
// Pure: no I/O, timers or logging; knows nothing of LSP or sockets. Line numbers shown are 1-based.
import { structuredPatch } from 'diff';
import type { SymbolSpan } from '../context/cross-file/index.js';
import { enclosingBlocks, mergeLines, symbolBlocks } from './enclosing.js';
import type { Lines } from './line-map.js';
import { OVERALL } from './schema.js';

export interface ReviewFileInput {
  /** The path findings must name (absolute for files on disk). */
  path: string;
  languageId: string;
  /** The text before the change ('' for a new file), or null to review the file as it is, whole. */
  before: string | null;
  after: string;
  /** The functions and classes of `after` from a syntax outline; without one, blocks are found by indentation. */
  outline?: readonly SymbolSpan[];
}

export interface ReviewPromptArgs {
  /** What the change was asked to do; undefined when the user's own changes (or a file) are reviewed on demand. */
  instruction: string | undefined;
  files: readonly ReviewFileInput[];
  /** Only these lines (0-based, of the text after the change) of every file are under review. */
  focus?: Lines;
  /** Estimated tokens the input may take; the diff comes first, then functions, then whole files. */
  budgetTokens: number;
}

export interface ReviewPrompt {
  instructions: string;
  input: string;
}

/** Unchanged lines shown around each change in the diff. */
export const DIFF_CONTEXT_LINES = 6;
const CHARS_PER_TOKEN = 4;
/** Never less than this many characters of diff, whatever the budget. */
const MIN_DIFF_CHARS = 2_000;

export const REVIEW_INSTRUCTIONS = [
  'You review a code change for bugs, as a careful senior engineer would before it is merged.',
  'The input names the files, the instruction the change followed (when there was one), the change as a unified diff,',
  'and the whole functions it touched after the change, each line prefixed with its 1-based number and " | ".',
  '',
  'Report a finding only when all of these hold:',
  '- it is a discrete, actionable bug: wrong results, a crash, a security hole, lost data, a broken contract;',
  '- the change introduced it (do not report problems that were there before the change);',
  '- the author would fix it once told, and you can say exactly where and why;',
  '- it does not rest on guesses about code you were not shown.',
  'Do not report style, naming, formatting, missing comments or tests, or matters of taste. Fewer, certain findings',
  'beat many doubtful ones; no finding at all is a good answer for a correct change.',
  '',
  'For each finding:',
  '- title: one line of at most 80 characters, starting with its priority: [P0] must not ship (breaks everything,',
  '  data loss, security), [P1] a real bug to fix now, [P2] a bug in a rarer case, [P3] minor;',
  '- body: one short paragraph, matter-of-fact: what goes wrong, and in which case;',
  '- priority: the number of the prefix; confidence_score: 0 to 1;',
  '- code_location: the file path exactly as the input names it, and the shortest line range that shows the',
  '  problem (at most 5-10 lines, in the file after the change).',
  `Then give overall_correctness ("${OVERALL[0]}" or "${OVERALL[1]}"), overall_explanation in one to three`,
  'sentences, and overall_confidence_score.',
].join('\n');

export function buildReviewPrompt(args: ReviewPromptArgs): ReviewPrompt {
  let room = Math.max(0, args.budgetTokens) * CHARS_PER_TOKEN;
  const header = headerOf(args);
  room -= header.length;

  const diffs: string[] = [];
  const shown: { file: ReviewFileInput; lines: Lines[] }[] = [];
  for (const file of args.files) {
    if (file.before === null) {
      const lines = splitLines(file.after);
      const whole = { start: 0, end: Math.max(0, lines.length - 1) };
      // A range under review is shown with the whole functions around it.
      const focus = args.focus ? clampLines(args.focus, lines.length) : undefined;
      shown.push({ file, lines: focus ? mergeLines([focus, ...blocksOf(file, lines, [focus])]) : [whole] });
      continue;
    }
    const { diff, changed } = unifiedDiff(file, args.focus);
    if (diff === '') continue;
    const kept = diff.length <= Math.max(room, MIN_DIFF_CHARS) ? diff : cutDiff(diff, Math.max(room, MIN_DIFF_CHARS));
    diffs.push(kept);
    room -= kept.length;
    if (changed.length > 0) shown.push({ file, lines: blocksOf(file, splitLines(file.after), changed) });
  }

  const parts = [header];
  if (diffs.length > 0) {
    parts.push(`The change (unified diff, ${DIFF_CONTEXT_LINES} lines of context):\n${fence(diffs.join(''), 'diff')}`);
  }
  const listings: string[] = [];
  for (const { file, lines } of shown) {
    const all = splitLines(file.after);
    for (const block of lines) {
      const listing = numbered(file, all, block, room);
      if (listing === undefined) continue;
      listings.push(listing);
      room -= listing.length;
    }
  }
  if (listings.length > 0) {
    const label = diffs.length > 0 ? 'The functions the change touched, as they are after it:' : 'The code under review:';
    parts.push(`${label}\n${listings.join('\n')}`);
  }
  if (diffs.length === 0 && listings.length === 0) parts.push('There is no change to review: the files are the same before and after.');
  return { instructions: REVIEW_INSTRUCTIONS, input: parts.join('\n') };
}

/** The whole functions around `changed`: from the file's outline when it has one, else by indentation. */
function blocksOf(file: ReviewFileInput, lines: readonly string[], changed: readonly Lines[]): Lines[] {
  const blocks = file.outline ? symbolBlocks(file.after, file.outline, changed) : enclosingBlocks(lines, changed);
  return blocks.map((b) => clampLines(b, lines.length));
}

function headerOf(args: ReviewPromptArgs): string {
  const lines: string[] = [];
  if (args.instruction !== undefined) {
    lines.push('A fast code model made this change following the instruction:', quote(args.instruction));
  } else if (args.files.some((f) => f.before !== null)) {
    lines.push('The user asked for a review of their changes since the file was last saved.');
  } else {
    lines.push('The user asked for a review of this code as it is (there is no diff); report bugs in it.');
  }
  if (args.focus) lines.push(`Only lines ${args.focus.start + 1}-${args.focus.end + 1} are under review.`);
  lines.push('Files:');
  for (const f of args.files) {
    const what = f.before === null ? 'as it is' : f.before === '' && f.after !== '' ? 'new file' : 'changed';
    lines.push(`- ${oneLine(f.path)} (${oneLine(f.languageId)}, ${what})`);
  }
  return `${lines.join('\n')}\n`;
}

/** The file's diff with its headers, and the changed lines of the text after it (0-based), limited to `focus`. */
export function unifiedDiff(file: ReviewFileInput, focus?: Lines): { diff: string; changed: Lines[] } {
  const before = file.before ?? file.after;
  const patch = structuredPatch(file.path, file.path, before, file.after, '', '', { context: DIFF_CONTEXT_LINES });
  const out: string[] = [];
  const changed: Lines[] = [];
  const lastLine = Math.max(0, splitLines(file.after).length - 1);
  for (const hunk of patch.hunks) {
    const mine: Lines[] = [];
    let line = hunk.newStart - 1;
    let removed = false;
    let added = false;
    /** A pure deletion marks the lines on both sides of where it was. */
    const endBlock = () => {
      if (removed && !added) mine.push({ start: Math.max(0, line - 1), end: line });
      removed = added = false;
    };
    for (const l of hunk.lines) {
      if (l.startsWith('+')) {
        mine.push({ start: line, end: line });
        added = true;
        line++;
      } else if (l.startsWith('-')) {
        removed = true;
      } else if (l.startsWith(' ')) {
        endBlock();
        line++;
      }
    }
    endBlock();
    const clamped = mergeLines(mine.map((r) => clampLines(r, lastLine + 1)));
    if (focus && !clamped.some((r) => r.start <= focus.end && r.end >= focus.start)) continue;
    changed.push(...clamped);
    // Unified diff numbers an empty side by the line before it (jsdiff numbers it by the line after).
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    out.push(`@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@\n${hunk.lines.join('\n')}\n`);
  }
  if (out.length === 0) return { diff: '', changed: [] };
  const from = file.before === '' ? '/dev/null' : oneLine(file.path);
  return { diff: `--- ${from}\n+++ ${oneLine(file.path)}\n${out.join('')}`, changed: mergeLines(changed) };
}

/** Keeps whole lines of a diff within `max` characters and says that the rest was left out. */
function cutDiff(diff: string, max: number): string {
  const note = '... (the rest of this diff is left out: too long)\n';
  const lines = diff.split('\n');
  let kept = '';
  for (const line of lines) {
    if (kept.length + line.length + 1 + note.length > max) break;
    kept += `${line}\n`;
  }
  return kept + note;
}

/** A block of the file with line numbers, cut to `room` characters (at least its first lines), or undefined when nothing fits. */
function numbered(file: ReviewFileInput, all: readonly string[], block: Lines, room: number): string | undefined {
  const width = String(block.end + 1).length;
  const rows: string[] = [];
  let used = 0;
  let last = block.start - 1;
  for (let i = block.start; i <= block.end && i < all.length; i++) {
    const row = `${String(i + 1).padStart(width)} | ${all[i]}`;
    if (used + row.length + 1 > room - 200) break;
    rows.push(row);
    used += row.length + 1;
    last = i;
  }
  if (rows.length === 0) return undefined;
  const cut = last < block.end ? ` (cut at line ${last + 1}: too long)` : '';
  return `File: ${oneLine(file.path)}, lines ${block.start + 1}-${last + 1}${cut}\n${fence(rows.join('\n') + '\n', file.languageId)}`;
}

/** Fenced with more backticks than any run inside, so the content cannot close it. */
function fence(body: string, info: string): string {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${oneLine(info)}\n${body}${body.endsWith('\n') ? '' : '\n'}${f}\n`;
}

/** The lines of a text, without the empty one after a final newline, and without carriage returns. */
function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines;
}

function clampLines(r: Lines, count: number): Lines {
  const last = Math.max(0, count - 1);
  const start = Math.min(Math.max(0, r.start), last);
  return { start, end: Math.min(Math.max(start, r.end), last) };
}

function quote(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
