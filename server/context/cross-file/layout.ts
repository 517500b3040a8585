// The cross-file context block within a token budget. Budget goes by priority: declarations of imported names,
// then the enclosing symbols of the cursor, recent edits in other files, other open files by relevance. The text
// is emitted from most to least stable (declarations, open files | recent edits, enclosing symbols) so that a
// provider's prefix cache keeps hitting, and the stable part is hashed: re-warm only when the hash changes.
// Invariant: the stable part depends only on the declarations, the open files and the budget (never on the
// cursor or the recent edits), because the volatile sections get a fixed reservation, not what is left over.
// Pure.
import { createHash } from 'node:crypto';
import { fenceFor } from '../prompt.js';
import type { DeclarationBlock } from './collect.js';
import type { SymbolSpan } from './symbols.js';
import { fenceLanguage, languageOfPath } from './syntax.js';
import type { TokenCounter } from './tokens.js';
import { dirOf } from './view.js';
import { lineBreaks } from '../../edits/changed-lines.js';

/** A region the user changed recently in another file. */
export interface RecentEdit {
  path: string;
  /** The changed lines, with a little context. */
  text: string;
  /** 0-based line where `text` starts, when known. */
  line?: number;
}

export interface OpenFile {
  path: string;
  text: string;
}

export interface CrossFileLimits {
  /** Reserved for the enclosing symbols (taken from the budget whether used or not, so the stable part stays put). */
  enclosingTokens: number;
  /** Reserved for recent edits, likewise. */
  recentEditsTokens: number;
  /** At most this much of one recent edit. */
  recentEditTokens: number;
  /** At most this much of one open file (its head). */
  openFileTokens: number;
}

/**
 * Defaults for a 128k-token window (see CROSS_FILE_TOKENS): signatures of a dozen imports fit in a few
 * thousand tokens; the reservations are small; an open file shows its first ~16 KB.
 */
export const DEFAULT_LIMITS: CrossFileLimits = {
  enclosingTokens: 512,
  recentEditsTokens: 2_048,
  recentEditTokens: 512,
  openFileTokens: 4_096,
};

/**
 * Proposed default budget of the whole block in a document's warm-up (tokens): with 32k of the document itself,
 * the warm-up stays under half of Spark's 128k window, leaving the rest for the chained request, reasoning and output.
 */
export const CROSS_FILE_TOKENS = 24_000;

export interface CrossFileInput {
  /** The file the context is for (its own edits and text are not repeated here). */
  path: string;
  /** From collectImportedDeclarations(), in priority order. */
  declarations: readonly DeclarationBlock[];
  /** From enclosingSymbols(), outermost first. */
  enclosing: readonly SymbolSpan[];
  /** Newest first. */
  recentEdits: readonly RecentEdit[];
  /** In order of relevance (rankOpenFiles()). */
  openFiles: readonly OpenFile[];
  budgetTokens: number;
  /** Exact (o200k) on the warm-up path; the estimate on the request path. */
  countTokens: TokenCounter;
  limits?: Partial<CrossFileLimits>;
}

export interface CrossFileContext {
  /** Declarations and open files: goes first, changes only when those do. */
  stable: string;
  /** Recent edits and enclosing symbols. */
  volatile: string;
  /** stable then volatile, separated by a blank line when both are present. */
  text: string;
  /** SHA-256 of `stable` (hex, 16 characters). */
  stableHash: string;
  /** Counted with `countTokens` piece by piece and added up (the whole text counts within about 1% of that). */
  tokens: { stable: number; volatile: number };
  included: {
    declarations: number;
    /** Declarations left out for lack of budget. */
    declarationsOmitted: number;
    openFiles: string[];
    recentEdits: number;
    enclosing: number;
  };
}

export const DECLARATIONS_LABEL = 'Declarations from other files of the workspace that this file imports (signatures; bodies omitted):';
export const OPEN_FILES_LABEL = 'Other open files, for reference only:';
export const RECENT_EDITS_LABEL = 'Recent edits in other files, newest first:';
export const ENCLOSING_LABEL = 'The cursor is inside these symbols (outermost first):';

/** A piece longer than this many characters per token of room left is taken not to fit, without counting it. */
const MAX_CHARS_PER_TOKEN = 8;
/** Below this many tokens of room, an open file or edit is not worth starting. */
const MIN_PIECE_TOKENS = 64;

export function buildCrossFileContext(input: CrossFileInput): CrossFileContext {
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  const count = input.countTokens;
  const budget = Math.max(0, Math.floor(input.budgetTokens));
  const reserveEnclosing = Math.min(limits.enclosingTokens, Math.floor(budget / 4));
  const reserveRecent = Math.min(limits.recentEditsTokens, Math.floor(budget / 4));
  let stableRoom = budget - reserveEnclosing - reserveRecent;

  // Pieces are counted one by one and their counts added: the whole text may count up to about 1% more
  // (tokens merging across joins), so packing keeps that margin.
  const packRoom = Math.max(0, stableRoom - Math.ceil(stableRoom / 100) - 8);
  // Declarations, block by block; a declaration that does not fit is skipped, smaller ones may still fit.
  const declSections: string[] = [];
  let declCount = 0;
  let declOmitted = 0;
  let used = 0;
  const labelCost = (label: string): number => count(label + '\n');
  let declLabelPaid = false;
  for (const block of input.declarations) {
    const fence = fenceFor(block.declarations.map((d) => d.text).join('\n'));
    const head = `File: ${block.path}\n${fence}${fenceLanguage(block.language)}\n`;
    const tail = `${fence}\n`;
    let cost = count(head) + count(tail) + (declLabelPaid ? 0 : labelCost(DECLARATIONS_LABEL));
    const kept: string[] = [];
    for (const d of block.declarations) {
      const left = packRoom - used - cost;
      // Hopeless pieces are not counted at all: code never packs eight characters into one token.
      const c = d.text.length + 1 > left * MAX_CHARS_PER_TOKEN ? Infinity : count(d.text + '\n');
      if (c > left) {
        declOmitted++;
        continue;
      }
      kept.push(d.text);
      cost += c;
    }
    if (kept.length === 0) continue;
    declLabelPaid = true;
    used += cost;
    declCount += kept.length;
    declSections.push(head + kept.join('\n') + '\n' + tail);
  }

  // Open files: the head of each, in order of relevance.
  const openSections: string[] = [];
  const openIncluded: string[] = [];
  for (const file of input.openFiles) {
    if (file.path === input.path || file.text.trim() === '') continue;
    const label = openSections.length === 0 ? labelCost(OPEN_FILES_LABEL) : 0;
    const fence = fenceFor(file.text);
    const overhead = label + count(`File: ${file.path} (lines 1-99999 of 99999)\n${fence}${fenceLanguage(languageOfPath(file.path))}\n${fence}\n`);
    const room = Math.min(limits.openFileTokens, packRoom - used - overhead);
    if (room < MIN_PIECE_TOKENS) continue;
    const body = fitLines(file.text, room, count);
    if (body.text === '') continue;
    const lines = lineCount(file.text);
    const note = body.text.length < file.text.length ? ` (lines 1-${lineCount(body.text)} of ${lines})` : '';
    openSections.push(`File: ${file.path}${note}\n${fence}${fenceLanguage(languageOfPath(file.path))}\n${withNewline(body.text)}${fence}\n`);
    openIncluded.push(file.path);
    used += overhead + body.tokens;
  }

  const stable = joinSections([
    declSections.length > 0 ? `${DECLARATIONS_LABEL}\n${declSections.join('')}` : '',
    openSections.length > 0 ? `${OPEN_FILES_LABEL}\n${openSections.join('')}` : '',
  ]);
  stableRoom = Math.max(0, packRoom - used);

  // Volatile: enclosing symbols (innermost kept first), then recent edits; unused stable room flows here.
  let volatileRoom = reserveEnclosing + reserveRecent + stableRoom;
  const volatileStart = volatileRoom;
  let enclosing = input.enclosing.slice();
  let enclosingText = '';
  while (enclosing.length > 0) {
    enclosingText = renderEnclosing(input.path, enclosing);
    if (count(enclosingText) <= volatileRoom) break;
    enclosing = enclosing.slice(1);
    enclosingText = '';
  }
  volatileRoom -= enclosingText === '' ? 0 : count(enclosingText);

  const editSections: string[] = [];
  const seen = new Set<string>();
  for (const edit of input.recentEdits) {
    const key = `${edit.path}\n${edit.text}`;
    if (edit.path === input.path || edit.text.trim() === '' || seen.has(key)) continue;
    seen.add(key);
    const label = editSections.length === 0 ? labelCost(RECENT_EDITS_LABEL) : 0;
    const fence = fenceFor(edit.text);
    const where = edit.line === undefined ? '' : ` (from line ${edit.line + 1})`;
    const head = `File: ${edit.path}${where}\n${fence}${fenceLanguage(languageOfPath(edit.path))}\n`;
    const overhead = label + count(head) + count(`${fence}\n`);
    const room = Math.min(limits.recentEditTokens, volatileRoom - overhead);
    if (room < MIN_PIECE_TOKENS) continue;
    const body = fitLines(edit.text, room, count);
    if (body.text === '') continue;
    editSections.push(`${head}${withNewline(body.text)}${fence}\n`);
    volatileRoom -= overhead + body.tokens;
  }

  const volatileUsed = volatileStart - volatileRoom;
  // Least stable last: edits change with every change elsewhere, the enclosing symbols with every cursor move.
  const volatile = joinSections([editSections.length > 0 ? `${RECENT_EDITS_LABEL}\n${editSections.join('')}` : '', enclosingText]);
  return {
    stable,
    volatile,
    text: joinSections([stable, volatile]),
    stableHash: createHash('sha256').update(stable).digest('hex').slice(0, 16),
    tokens: { stable: used, volatile: volatileUsed },
    included: { declarations: declCount, declarationsOmitted: declOmitted, openFiles: openIncluded, recentEdits: editSections.length, enclosing: enclosing.length },
  };
}

/** The enclosing symbols' signatures, each under its line number. */
export function renderEnclosing(path: string, spans: readonly SymbolSpan[]): string {
  if (spans.length === 0) return '';
  const body = spans.map((s) => `line ${s.line + 1}: ${s.signature.trim()}`).join('\n');
  const fence = fenceFor(body);
  return `${ENCLOSING_LABEL}\nFile: ${path}\n${fence}\n${body}\n${fence}\n`;
}

/**
 * Orders open files by relevance to `current`: files it imports, then files importing it, then files in its
 * directory, then the rest; ties keep the input order (most recently used first, say). `current` is left out.
 */
export function rankOpenFiles(
  current: string,
  files: readonly OpenFile[],
  relations: { imports: readonly string[]; importers: readonly string[] },
): OpenFile[] {
  const dir = dirOf(current);
  const score = (f: OpenFile): number =>
    relations.imports.includes(f.path) ? 3 : relations.importers.includes(f.path) ? 2 : dirOf(f.path) === dir ? 1 : 0;
  return files
    .filter((f) => f.path !== current)
    .map((f, i) => ({ f, i, s: score(f) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.f);
}

/** The longest head of `text`, in whole lines, within `maxTokens`; its token count. */
export function fitLines(text: string, maxTokens: number, count: TokenCounter): { text: string; tokens: number } {
  if (maxTokens <= 0 || text === '') return { text: '', tokens: 0 };
  // Start from a character cut a little above what the budget could hold, then shrink by the measured ratio.
  let cut = headLines(text, Math.ceil(maxTokens * 6));
  for (let i = 0; i < 8 && cut !== ''; i++) {
    const n = count(cut);
    if (n <= maxTokens) return { text: cut, tokens: n };
    const shorter = headLines(cut, Math.floor((cut.length * maxTokens) / n) - 1);
    cut = shorter.length < cut.length ? shorter : headLines(cut, cut.length - 1);
  }
  return { text: '', tokens: 0 };
}

/** Whole lines from the start of `text` within `maxChars` (a single overlong first line gives ''). */
function headLines(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const nl = text.lastIndexOf('\n', maxChars - 1);
  return nl === -1 ? '' : text.slice(0, nl + 1);
}

/** Lines of `text`; a final line break ends the last line rather than starting another. */
function lineCount(text: string): number {
  return lineBreaks(text, 0, text.length - 1) + 1;
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : s + '\n';
}

function joinSections(parts: string[]): string {
  return parts.filter((p) => p !== '').join('\n');
}
