// Builds the plain-text prompts for completions and edits within a token budget.
// Pure: no I/O, timers, globals or logging; it knows nothing of LSP, sockets or the model client.
// Markers: CURSOR_MARKER where text is to be inserted. TARGET_BEGIN/TARGET_END are no longer sent, but a model
// may still echo them, so answers are cleaned of them (parse.ts).
import { lineBreaks, lineStartAt } from '../edits/changed-lines.js';

/** Inserted at the cursor in completion prompts. Chosen to be unlikely in real code. */
export const CURSOR_MARKER = '<|cursor|>';
/** Opens the range an edit must replace. */
export const TARGET_BEGIN = '<|target|>';
/** Closes the range an edit must replace. */
export const TARGET_END = '<|/target|>';

export interface DiagnosticInfo {
  message: string;
  /** 0-based line in the document. */
  line: number;
  severity?: 'error' | 'warning' | 'info' | 'hint';
  source?: string;
}

export interface Prompt {
  /** Never varies between requests of one kind, so the provider can cache it. */
  instructions: string;
  input: string;
}

/**
 * An estimate, not a tokenizer: about four characters per token for code, rounded up.
 * Good enough to keep prompts near a budget; never use it where exactness matters.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

const CHARS_PER_TOKEN = 4;
/** At most this many diagnostics, and at most 1/DIAGNOSTIC_SHARE of the budget, go into a prompt. */
const MAX_DIAGNOSTICS = 8;
const DIAGNOSTIC_SHARE = 8;
const MAX_DIAGNOSTIC_MESSAGE = 300;
const MAX_DIAGNOSTIC_SNIPPET = 100;
/** A related file is not worth including when less than this remains (in characters). */
const MIN_RELATED_CHARS = 256;

/** The instructions of every completion prompt (and of the warm context completions chain from). */
export const COMPLETION_INSTRUCTIONS = [
  'You are a code completion engine inside an editor.',
  `The input shows a source file; the marker ${CURSOR_MARKER} is where the user's cursor is.`,
  'Reply with only the text to insert at the cursor:',
  '- no code fences, no explanation, no markers;',
  '- do not repeat any text that is already before or after the cursor;',
  '- it may span several lines; follow the indentation and style of the file;',
  '- if nothing sensible fits, reply with nothing.',
].join('\n');

export function buildCompletionPrompt(args: {
  path: string;
  languageId: string;
  text: string;
  offset: number;
  diagnostics: DiagnosticInfo[];
  budgetTokens: number;
  related?: { path: string; text: string }[];
}): Prompt {
  const { text, languageId } = args;
  const offset = clamp(args.offset, 0, text.length);
  const budget = Math.max(0, args.budgetTokens) * CHARS_PER_TOKEN;
  const header = fileHeader(args.path, languageId);

  // The cursor's whole line is the core that is always kept.
  const lineStart = lineStartAt(text, offset);
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl === -1 ? text.length : nl + 1;
  const core = text.slice(lineStart, offset) + CURSOR_MARKER + text.slice(offset, lineEnd);

  const cursorLine = lineNumberAt(text, lineStart);
  const diagnostics = pickDiagnostics(text, args.diagnostics, cursorLine, cursorLine, budget, CURSOR_DIAGNOSTICS_LABEL);
  const fence = fenceFor(text);
  const framing = framingChars(fence, languageId);
  const spare = budget - header.length - framing - diagnostics.chars - core.length;
  const [from, to] = frame(text, lineStart, lineEnd, spare, 3 / 4);

  const parts = [header];
  parts.push(documentBlock(text, from, to, text.slice(from, lineStart) + core + text.slice(lineEnd, to), fence, languageId));
  parts.push(diagnosticsSection(CURSOR_DIAGNOSTICS_LABEL, diagnostics.items, text, from, to));
  let input = parts.filter((p) => p !== '').join('\n');

  let labelled = false;
  for (const r of args.related ?? []) {
    const block = relatedBlock(r.path, r.text, budget - input.length);
    if (block === undefined) continue;
    input += (labelled ? '' : `\n${RELATED_LABEL}`) + '\n' + block;
    labelled = true;
  }
  return { instructions: COMPLETION_INSTRUCTIONS, input };
}

/**
 * The stable context of a document's warm-up: `before` (the cross-file context, most stable, first), then the
 * file without a cursor, under the completion instructions. Later completions chain from it and send only
 * buildCompletionDelta(). Over budget, the head of the file is kept. The budget covers the file's part; with
 * `countTokens` (exact) it holds by that count, otherwise by the estimate.
 */
export function buildWarmContext(args: {
  path: string;
  languageId: string;
  text: string;
  budgetTokens: number;
  countTokens?: (text: string) => number;
  before?: string;
}): Prompt {
  const { text, languageId } = args;
  const budgetTokens = Math.max(0, args.budgetTokens);
  const header = fileHeader(args.path, languageId);
  const fence = fenceFor(text);
  const build = (budget: number): string => {
    const [from, to] = frame(text, 0, 0, budget - header.length - framingChars(fence, languageId) - WARM_NOTE.length, 0);
    return [header, WARM_NOTE, documentBlock(text, from, to, text.slice(from, to), fence, languageId)].join('\n');
  };
  let budget = budgetTokens * CHARS_PER_TOKEN;
  let own = build(budget);
  // Exact counting only where the estimate could be wrong about the budget: a byte-level tokenizer never
  // makes more tokens than the text has UTF-8 bytes, so a part of fewer bytes is within it whatever the count.
  const count = args.countTokens;
  if (count !== undefined && utf8Length(own) > budgetTokens) {
    for (let i = 0; i < 6; i++) {
      const tokens = count(own);
      if (tokens <= budgetTokens) break;
      budget = Math.floor((budget * budgetTokens) / tokens) - 1;
      own = build(budget);
    }
  }
  const input = args.before ? `${args.before}\n${own}` : own;
  return { instructions: COMPLETION_INSTRUCTIONS, input };
}

/**
 * A completion chained from a warm context: only the current text around the cursor (the file may have
 * changed near it since the warm-up), with the cursor marker, within `budgetTokens`.
 */
export function buildCompletionDelta(args: {
  languageId: string;
  text: string;
  offset: number;
  budgetTokens: number;
  /** The cursor's line (0-based) and the document's line count, when the caller knows them: read, not counted. */
  lines?: { cursor: number; count: number };
}): string {
  const { text, languageId } = args;
  const offset = clamp(args.offset, 0, text.length);
  const budget = Math.max(0, args.budgetTokens) * CHARS_PER_TOKEN;
  const lineStart = lineStartAt(text, offset);
  const nl = text.indexOf('\n', offset);
  const lineEnd = nl === -1 ? text.length : nl + 1;
  const core = text.slice(lineStart, offset) + CURSOR_MARKER + text.slice(offset, lineEnd);
  // Only the text the window can reach is read (with `lines`), so the delta of a long file costs what a short one does.
  const fence = fenceFor(text.slice(Math.max(0, lineStart - budget), lineEnd + budget));
  const [from, to] = frame(text, lineStart, lineEnd, budget - DELTA_NOTE.length - framingChars(fence, languageId) - core.length, 3 / 4);
  const cursor = args.lines?.cursor ?? lineBreaks(text, 0, lineStart);
  const lineAt = (at: number) => (at >= lineStart ? cursor + lineBreaks(text, lineStart, at) : cursor - lineBreaks(text, at, lineStart));
  const numbers = { first: lineAt(from) + 1, last: lineAt(Math.max(from, to - 1)) + 1, total: args.lines?.count ?? lineBreaks(text, 0, text.length) + 1 };
  return `${DELTA_NOTE}\n${documentBlock(text, from, to, text.slice(from, lineStart) + core + text.slice(lineEnd, to), fence, languageId, numbers)}`;
}

const WARM_NOTE = 'This is the file the following requests are about; each gives the current text around the cursor.';
const DELTA_NOTE = 'The file is as shown before, except that the lines around the cursor now read as follows.';

/** How far an edit may reach: the selected lines, the target file, or any file of its workspace folder. */
export type EditScope = 'selection' | 'file' | 'workspace';

/** A file shown to the model besides the target, relative to the workspace folder. */
export interface PatchContextFile {
  path: string;
  text: string;
  /** Why it is shown: the target's tests, or a file it imports. */
  role: 'test' | 'import';
}

export interface PatchPrompt extends Prompt {
  /** Paths of the files shown whole, the target first when it was: the model saw every line of these. */
  shownWhole: string[];
}

/** The patch format as the model is told it; the tool's grammar is the exact contract. */
const PATCH_INSTRUCTIONS = [
  'You are a code editing engine inside an editor.',
  'The input gives an instruction, what you may change, and files of a workspace; paths are relative to the workspace root.',
  'Make the change by calling the apply_patch tool once with one patch in this format:',
  '*** Begin Patch',
  '*** Update File: <path>',
  '@@ <a line of the enclosing function or class, copied exactly; optional>',
  ' <a line kept as it is: a space, then the line>',
  '-<a line removed: a minus, then the line exactly as it is>',
  '+<a line added: a plus, then the new line>',
  '*** Add File: <path of a new file>',
  '+<every line of the new file, each after a plus>',
  '*** Delete File: <path>',
  '*** End Patch',
  'Rules:',
  '- use the paths exactly as shown; never an absolute path, never a path outside the workspace;',
  '- give about three unchanged lines before and after each change, copied exactly from the file as shown;',
  '- add an @@ line when those lines alone could match in more than one place;',
  '- change only what the instruction asks, within what you may change; keep the style and indentation of each file;',
  '- to change a file you were shown, update it; add only files that do not exist.',
].join('\n');

/** Appended to the instructions when the service refuses the apply_patch tool. */
export const PATCH_FALLBACK_INSTRUCTIONS = [
  'The apply_patch tool is not available here: answer with the patch itself as plain text,',
  'from the line *** Begin Patch to the line *** End Patch, with nothing before or after it.',
].join('\n');

const SCOPE_NOTE: Record<EditScope, (path: string) => string> = {
  selection: (path) => `You may change: only the selected lines of ${path}.`,
  file: (path) => `You may change: only ${path}.`,
  workspace: () => 'You may change: any file of the workspace, and add new files.',
};

/** Characters of the listing at most: 1/LISTING_SHARE of the budget. */
const LISTING_SHARE = 8;

/**
 * The prompt of an edit answered with a patch. The target comes first (whole, or framed around the selection
 * when over budget), then the diagnostics; for the file and workspace scopes the related files (tests first,
 * then imports) whole while they fit, and a listing of the workspace's files. The selection is named by line
 * numbers, never marked inside the text, so lines the model copies into a patch are the file's own.
 */
export function buildPatchPrompt(args: {
  scope: EditScope;
  path: string;
  languageId: string;
  text: string;
  /** Offsets of the selection in `text` (required for the selection scope; a focus for the wider ones). */
  selection?: { start: number; end: number };
  instruction: string;
  diagnostics: DiagnosticInfo[];
  related: readonly PatchContextFile[];
  listing: readonly string[];
  budgetTokens: number;
}): PatchPrompt {
  const { text, languageId, scope } = args;
  const budget = Math.max(0, args.budgetTokens) * CHARS_PER_TOKEN;
  const selection = args.selection && {
    start: clamp(Math.min(args.selection.start, args.selection.end), 0, text.length),
    end: clamp(Math.max(args.selection.start, args.selection.end), 0, text.length),
  };
  const header = `Instruction: ${oneLine(args.instruction)}\n${SCOPE_NOTE[scope](oneLine(args.path))}\n`;
  const selectionNote = selection ? selectionLine(text, selection, oneLine(args.path)) : '';

  const focusStart = selection?.start ?? 0;
  const focusEnd = selection?.end ?? 0;
  const firstLine = lineNumberAt(text, focusStart);
  const lastLine = firstLine + lineBreaks(text, focusStart, focusEnd);
  const diagnostics = pickDiagnostics(text, args.diagnostics, firstLine, lastLine, budget, FILE_DIAGNOSTICS_LABEL);
  const fence = fenceFor(text);
  const label = `File: ${oneLine(args.path)} (the file to edit)`;
  // The wider scopes keep room for the listing whatever the target's size.
  const listingRoom = scope === 'selection' ? 0 : Math.min(Math.floor(budget / LISTING_SHARE), listingChars(args.listing));
  const spare = budget - header.length - selectionNote.length - diagnostics.chars - label.length - framingChars(fence, languageId) - listingRoom;
  const [from, to] = selection ? frame(text, selection.start, selection.end, spare - (selection.end - selection.start), 1 / 2) : [0, takeHead(text, 0, Math.max(0, spare))];
  const whole = from === 0 && to === text.length;

  const parts = [header + selectionNote, diagnosticsSection(FILE_DIAGNOSTICS_LABEL, diagnostics.items, text, from, to)];
  parts.push(`${label}\n${documentBlock(text, from, to, text.slice(from, to), fence, languageId)}`);
  let input = parts.filter((p) => p !== '').join('\n');
  const shownWhole = whole ? [args.path] : [];

  if (scope !== 'selection') {
    for (const file of args.related) {
      const block = contextFileBlock(file, budget - input.length - listingRoom);
      if (block === undefined) continue;
      input += `\n${block}`;
      shownWhole.push(file.path);
    }
    const listing = listingBlock(args.listing, Math.max(0, budget - input.length));
    if (listing !== '') input += `\n${listing}`;
  }
  return { instructions: PATCH_INSTRUCTIONS, input, shownWhole };
}

/** What to send back when a patch did not apply: the applier's message, and what to do instead. */
export function patchFeedback(failure: string): string {
  return [
    `The patch did not apply: ${failure.trim()}`,
    'Nothing was changed. Send the whole corrected patch again, with unchanged and removed lines copied exactly from the files as shown.',
  ].join('\n');
}

const FILE_DIAGNOSTICS_LABEL = 'Diagnostics in the file to edit:';
const ROLE_NOTE: Record<PatchContextFile['role'], string> = { test: 'its tests', import: 'imported by the file to edit' };
const LISTING_LABEL = 'Files of the workspace:';

function selectionLine(text: string, selection: { start: number; end: number }, path: string): string {
  const first = lineNumberAt(text, selection.start);
  // A selection ending at the start of a line does not include that line.
  const endsAtLineStart = selection.end > selection.start && text[selection.end - 1] === '\n';
  const last = lineNumberAt(text, selection.end) - (endsAtLineStart ? 1 : 0);
  const quote = (line: number) => truncate(lineText(text, line).trim(), MAX_DIAGNOSTIC_SNIPPET);
  const note = `Selected: lines ${first + 1}-${Math.max(first, last) + 1} of ${path}, from \`${quote(first)}\` to \`${quote(Math.max(first, last))}\`.\n`;
  // Part of a line: the lines alone do not say what is selected.
  const startsMidLine = selection.start > 0 && text[selection.start - 1] !== '\n';
  const endsMidLine = selection.end < text.length && text[selection.end] !== '\n' && text[selection.end] !== '\r' && !endsAtLineStart;
  if (!startsMidLine && !endsMidLine) return note;
  const selected = text.slice(selection.start, selection.end);
  const fence = fenceFor(selected);
  return `${note}The selection is only part of those lines; it is exactly:\n${fence}\n${selected}${selected.endsWith('\n') ? '' : '\n'}${fence}\n`;
}

/** A related file shown whole, or undefined when it does not fit in `room` characters (a patch needs every line it names). */
function contextFileBlock(file: PatchContextFile, room: number): string | undefined {
  const fence = fenceFor(file.text);
  const body = file.text.endsWith('\n') || file.text === '' ? file.text : `${file.text}\n`;
  const block = `File: ${oneLine(file.path)} (${ROLE_NOTE[file.role]})\n${fence}\n${body}${fence}\n`;
  return block.length <= room ? block : undefined;
}

function listingChars(listing: readonly string[]): number {
  return LISTING_LABEL.length + 1 + listing.reduce((n, p) => n + p.length + 1, 0);
}

/** The workspace's paths, one a line, as many as fit in `room` characters; a last line counts the rest. */
function listingBlock(listing: readonly string[], room: number): string {
  if (listing.length === 0) return '';
  let out = `${LISTING_LABEL}\n`;
  let shown = 0;
  for (const p of listing) {
    const line = `${oneLine(p)}\n`;
    if (out.length + line.length + 40 > room) break;
    out += line;
    shown++;
  }
  if (shown === 0) return '';
  if (shown < listing.length) out += `(and ${listing.length - shown} more)\n`;
  return out;
}

const RELATED_LABEL = 'Other open files, for reference only:';
const CURSOR_DIAGNOSTICS_LABEL = 'Diagnostics near the cursor:';

function fileHeader(path: string, languageId: string): string {
  return `File: ${oneLine(path)}\nLanguage: ${oneLine(languageId)}\n`;
}

function documentLabel(first: number, last: number, total: number, trimmed: boolean): string {
  return trimmed
    ? `Document (lines ${first}-${last} of ${total}; the rest is omitted):`
    : 'Document:';
}

/** Characters of the document's label and fences, with room for the line numbers in the label. */
function framingChars(fence: string, languageId: string): number {
  return documentLabel(0, 0, 0, true).length + 3 * 8 + 2 * (fence.length + languageId.length + 2) + 2;
}

/** `numbers`: the 1-based first and last line shown and the document's line count, when known (else counted). */
function documentBlock(
  text: string,
  from: number,
  to: number,
  body: string,
  fence: string,
  languageId: string,
  numbers?: { first: number; last: number; total: number },
): string {
  const trimmed = from > 0 || to < text.length;
  const first = numbers?.first ?? lineNumberAt(text, from) + 1;
  const last = numbers?.last ?? lineNumberAt(text, Math.max(from, to - 1)) + 1;
  const label = documentLabel(first, last, numbers?.total ?? lineBreaks(text, 0, text.length) + 1, trimmed);
  const closing = body.endsWith('\n') || body === '' ? '' : '\n';
  return `${label}\n${fence}${oneLine(languageId)}\n${body}${closing}${fence}\n`;
}

/**
 * Chooses the window [from, to) around the core [coreStart, coreEnd) at line boundaries.
 * `share` of the spare characters go before the core; whatever one side cannot use flows to the other.
 */
function frame(text: string, coreStart: number, coreEnd: number, spare: number, share: number): [number, number] {
  if (spare <= 0) return [coreStart, coreEnd];
  const beforeBudget = Math.floor(spare * share);
  let from = takeTail(text, coreStart, beforeBudget);
  const to = takeHead(text, coreEnd, spare - (coreStart - from));
  from = takeTail(text, coreStart, spare - (to - coreEnd));
  return [from, to];
}

/** The earliest line start s <= end with end - s <= max, counting a partial line before `end` as a line. */
function takeTail(text: string, end: number, max: number): number {
  let start = end;
  while (start > 0) {
    const pieceStart = start < 2 ? 0 : text.lastIndexOf('\n', start - 2) + 1;
    if (end - pieceStart > max) break;
    start = pieceStart;
  }
  return start;
}

/** The furthest line end e >= start with e - start <= max. */
function takeHead(text: string, start: number, max: number): number {
  let end = start;
  while (end < text.length) {
    const nl = text.indexOf('\n', end);
    const pieceEnd = nl === -1 ? text.length : nl + 1;
    if (pieceEnd - start > max) break;
    end = pieceEnd;
  }
  return end;
}

interface PickedDiagnostics {
  items: DiagnosticInfo[];
  /** Characters reserved for the diagnostics section. */
  chars: number;
}

/** The diagnostics closest to [firstLine, lastLine], in a deterministic order, within their share of the budget. */
function pickDiagnostics(
  text: string,
  all: DiagnosticInfo[],
  firstLine: number,
  lastLine: number,
  budget: number,
  label: string,
): PickedDiagnostics {
  const distance = (d: DiagnosticInfo): number =>
    d.line < firstLine ? firstLine - d.line : d.line > lastLine ? d.line - lastLine : 0;
  const sorted = [...all].sort(
    (a, b) => distance(a) - distance(b) || a.line - b.line || a.message.localeCompare(b.message),
  );
  const cap = Math.floor(budget / DIAGNOSTIC_SHARE);
  const items: DiagnosticInfo[] = [];
  let chars = 0;
  for (const d of sorted) {
    if (items.length === MAX_DIAGNOSTICS) break;
    const line = formatDiagnostic(d, text).length + 1;
    const overhead = items.length === 0 ? label.length + 2 : 0;
    if (chars + line + overhead > cap) break;
    items.push(d);
    chars += line + overhead;
  }
  return { items, chars };
}

function diagnosticsSection(label: string, items: DiagnosticInfo[], text: string, from: number, to: number): string {
  const firstLine = lineNumberAt(text, from);
  const lastLine = lineNumberAt(text, Math.max(from, to - 1));
  // A diagnostic on a line the model cannot see only confuses it.
  const visible = items
    .filter((d) => d.line >= firstLine && d.line <= lastLine)
    .sort((a, b) => a.line - b.line || a.message.localeCompare(b.message));
  if (visible.length === 0) return '';
  return `${label}\n${visible.map((d) => formatDiagnostic(d, text)).join('\n')}\n`;
}

function formatDiagnostic(d: DiagnosticInfo, text: string): string {
  const kind = d.severity ?? 'error';
  const source = d.source ? ` [${oneLine(d.source)}]` : '';
  const snippet = truncate(lineText(text, d.line).trim(), MAX_DIAGNOSTIC_SNIPPET);
  const on = snippet === '' ? '' : ` (on: ${snippet})`;
  return `- line ${d.line + 1}, ${kind}${source}: ${truncate(oneLine(d.message), MAX_DIAGNOSTIC_MESSAGE)}${on}`;
}

function relatedBlock(path: string, text: string, remaining: number): string | undefined {
  const fence = fenceFor(text);
  const overhead = RELATED_LABEL.length + 2 + `File: ${oneLine(path)}\n`.length + 2 * (fence.length + 1) + 2;
  const room = remaining - overhead;
  if (room < MIN_RELATED_CHARS || text.trim() === '') return undefined;
  const end = takeHead(text, 0, room);
  if (end === 0) return undefined;
  const body = text.slice(0, end);
  const closing = body.endsWith('\n') ? '' : '\n';
  return `File: ${oneLine(path)}\n${fence}\n${body}${closing}${fence}\n`;
}

/** A backtick fence longer than any backtick run in `text`, so the content cannot close it early. */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Bytes of `s` in UTF-8. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function lineNumberAt(text: string, offset: number): number {
  return lineBreaks(text, 0, offset);
}


function lineText(text: string, line: number): string {
  let start = 0;
  for (let i = 0; i < line; i++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  return text.slice(start, nl === -1 ? text.length : nl);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}

function clamp(n: number, lo: number, hi: number): number {
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, Math.trunc(n))) : lo;
}
