// V4A patches (the `apply_patch` format): the tool's grammar, the parser, and the applier that turns a
// patch plus the snapshots the model saw into new file contents, all or nothing.
// Pure: no fs, no LSP types; the caller resolves paths and reads files (see PatchFileState).
//
// API
//   parsePatch(text) -> Patch                     throws PatchError naming the patch line and what was expected
//   patchPaths(patch) -> string[]                 every path the patch names, to resolve and read first
//   applyUpdate(path, text, chunks) -> string     one file's hunks; throws PatchError listing every miss
//   applyPatch(patch, lookup) -> FileChange[]     the whole patch; throws PatchError listing every failure
//
// Matching rules (applyUpdate). Each chunk's context and removed lines are looked for in order, at or after
// the end of the previous chunk; each `@@ <header>` first moves the search to a line equal to the header.
// Lines are compared in four passes of decreasing strictness (exact; trailing whitespace ignored; edge
// whitespace ignored; Unicode dashes, quotes and spaces read as ASCII), and the first pass that finds the
// chunk decides. Unlike Codex, a chunk found in two places is refused, unless its header decides: with
// headers the chunk goes to its first match after each place the headers lead to, and it is refused only
// when those differ. `*** End of File` anchors the chunk at the end. A chunk with neither context nor
// removed lines is inserted after its header, or at the end of the file. Context lines keep the file's own
// text, each line keeps its own line ending (added lines take the file's usual one), and the file keeps or
// lacks its final newline as before.

/** Codex's Lark grammar for the freeform `apply_patch` tool; sent verbatim as the tool's format. */
export const APPLY_PATCH_GRAMMAR = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?
hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?
filename: /(.+)/
add_line: "+" /(.*)/ LF -> line
change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF
%import common.LF
`;

/** The tool's description for the model. */
export const APPLY_PATCH_DESCRIPTION =
  'Changes files by applying one patch, written as plain text in the format the grammar defines (a freeform ' +
  'tool: no JSON, no code fence). The patch starts with `*** Begin Patch` and ends with `*** End Patch`. ' +
  '`*** Update File: <path>` is followed by hunks, each opened by `@@` or by `@@ <the line that starts the ' +
  'enclosing function or class>`, whose lines start with a space (unchanged), `-` (removed) or `+` (added); ' +
  'give about three unchanged lines around each change so that it fits one place only. `*** Move to: <path>` ' +
  'right after an Update File line renames the file. `*** Add File: <path>` is followed by every line of the ' +
  'new file, each prefixed with `+`. `*** Delete File: <path>` removes a file. Paths are relative to the ' +
  'workspace folder.';

/** One line of a hunk: ` ` context (kept), `-` removed, `+` added. */
export interface PatchLine {
  op: ' ' | '-' | '+';
  text: string;
}

export interface PatchChunk {
  /** The `@@ <header>` texts before the chunk, outermost first; each moves the search to its line. */
  headers: string[];
  lines: PatchLine[];
  /** `*** End of File`: the chunk's old lines end the file. */
  endOfFile: boolean;
  /** 1-based line of the patch text where the chunk starts. */
  patchLine: number;
}

export type PatchOperation =
  | { kind: 'add'; path: string; content: string; patchLine: number }
  | { kind: 'delete'; path: string; patchLine: number }
  | { kind: 'update'; path: string; moveTo: string | undefined; chunks: PatchChunk[]; patchLine: number };

export interface Patch {
  /** Never empty. */
  operations: PatchOperation[];
}

/** What the server knows about one path the patch names (resolved by the caller). */
export interface PatchFileState {
  /** The path as the patch wrote it. */
  path: string;
  /** Where it resolves; two paths with the same uri are the same file. */
  uri: string;
  /** The content the model saw; `undefined` when there is no such file. */
  text: string | undefined;
  /** The open document's version; `null` for a file known only from disk (or absent). */
  version: number | null;
  /** Whether the model was shown this file's content. */
  shown: boolean;
}

/** The outcome for one file of an applied patch. */
export type FileChange =
  | { kind: 'update'; path: string; uri: string; version: number | null; oldText: string; newText: string }
  | { kind: 'add'; path: string; uri: string; content: string }
  | { kind: 'delete'; path: string; uri: string; version: number | null; oldText: string }
  | {
      kind: 'move';
      path: string;
      uri: string;
      version: number | null;
      oldText: string;
      newText: string;
      newPath: string;
      newUri: string;
    };

/**
 * A patch that cannot be parsed or applied. `failures` lists every problem found (the message joins them);
 * the message is meant to be sent back to the model for one more try.
 */
export class PatchError extends Error {
  readonly failures: readonly string[];

  constructor(failures: readonly string[]) {
    super(failures.join('\n\n'));
    this.name = 'PatchError';
    this.failures = failures;
  }
}

// ---------------------------------------------------------------------------------------------------
// Parsing

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const ADD = '*** Add File:';
const DELETE = '*** Delete File:';
const UPDATE = '*** Update File:';
const MOVE = '*** Move to:';
const EOF_MARK = '*** End of File';

/**
 * Parses a V4A patch. Lenient where models slip harmlessly: blank lines and whitespace around the patch
 * and its markers, CRLF, no final newline, a first hunk without `@@`, several `@@` lines in a row, git-style
 * `@@ -1,2 +1,3 @@` headers, blank lines between hunks and empty lines inside Add File content. Strict where
 * a guess could damage a file: the patch must end with `*** End Patch` (a cut-off patch is refused), every
 * hunk line needs its prefix, an Update File needs a hunk (or a Move to), paths must be non-empty.
 */
export function parsePatch(text: string): Patch {
  const all = text.split(/\r?\n/);
  let first = 0;
  while (first < all.length && (all[first] ?? '').trim() === '') first++;
  let last = all.length - 1;
  while (last > first && (all[last] ?? '').trim() === '') last--;
  const lineAt = (i: number): string => all[i] ?? '';
  const fail = (i: number, message: string): never => {
    throw new PatchError([`invalid patch at line ${i + 1}: ${message}`]);
  };

  if (first >= all.length || lineAt(first).trim() !== BEGIN) {
    fail(Math.min(first, all.length - 1), `expected '${BEGIN}', got '${lineAt(first).trim()}'`);
  }
  if (last === first || lineAt(last).trim() !== END) {
    fail(last, `expected '${END}' as the last line (the patch may be cut off), got '${lineAt(last).trim()}'`);
  }

  const operations: PatchOperation[] = [];
  let i = first + 1;
  const isBlank = (k: number): boolean => lineAt(k).trim() === '';
  const isMarker = (k: number): boolean => isKnownMarker(lineAt(k).trim());
  const pathAfter = (k: number, marker: string): string => {
    const path = lineAt(k).trim().slice(marker.length).trim();
    if (path === '') fail(k, `'${marker}' needs a path`);
    return path;
  };

  while (i < last) {
    if (isBlank(i)) {
      i++;
      continue;
    }
    const header = lineAt(i).trim();
    const start = i;
    if (header.startsWith(ADD)) {
      const path = pathAfter(i, ADD);
      const content: string[] = [];
      i++;
      while (i < last) {
        const line = lineAt(i);
        if (line.startsWith('+')) {
          content.push(line.slice(1));
          i++;
          continue;
        }
        // Blank lines belong to the content only when more content follows them.
        let k = i;
        while (k < last && isBlank(k)) k++;
        if (k > i && k < last && lineAt(k).startsWith('+')) {
          for (; i < k; i++) content.push('');
          continue;
        }
        break;
      }
      if (i < last && !isBlank(i) && !isMarker(i)) {
        fail(i, `expected a '+' line of the new file ${path}, or the next '***' line, got '${lineAt(i)}'`);
      }
      operations.push({ kind: 'add', path, content: content.map((l) => `${l}\n`).join(''), patchLine: start + 1 });
    } else if (header.startsWith(DELETE)) {
      operations.push({ kind: 'delete', path: pathAfter(i, DELETE), patchLine: start + 1 });
      i++;
    } else if (header.startsWith(UPDATE)) {
      const path = pathAfter(i, UPDATE);
      i++;
      let moveTo: string | undefined;
      if (i < last && lineAt(i).trim().startsWith(MOVE)) {
        moveTo = pathAfter(i, MOVE);
        i++;
      }
      const parsed = parseChunks(all, i, last, path, fail);
      i = parsed.next;
      if (parsed.chunks.length === 0 && moveTo === undefined) {
        fail(i < last ? i : start, `'${UPDATE} ${path}' has no hunk: expected '@@' or a ' ', '-' or '+' line`);
      }
      operations.push({ kind: 'update', path, moveTo, chunks: parsed.chunks, patchLine: start + 1 });
    } else {
      fail(i, `expected '${ADD} <path>', '${DELETE} <path>', '${UPDATE} <path>' or '${END}', got '${header}'`);
    }
  }
  if (operations.length === 0) fail(last, 'the patch changes no file');
  return { operations };
}

/** Parses the hunks of one Update File, from line `start` up to the next `***` line (or `end`). */
function parseChunks(
  all: string[],
  start: number,
  end: number,
  path: string,
  fail: (i: number, message: string) => never,
): { chunks: PatchChunk[]; next: number } {
  const chunks: PatchChunk[] = [];
  let open: PatchChunk | undefined;
  /** `@@` lines seen since the last chunk closed: their texts and the first one's index. */
  let headers: string[] | undefined;
  let headerLine = -1;
  const close = (): void => {
    if (open !== undefined) chunks.push(open);
    open = undefined;
  };
  const chunk = (i: number): PatchChunk => {
    open ??= { headers: headers ?? [], lines: [], endOfFile: false, patchLine: (headers ? headerLine : i) + 1 };
    headers = undefined;
    return open;
  };

  let i = start;
  for (; i < end; i++) {
    const line = all[i] ?? '';
    const trimmed = line.trim();
    if (line.startsWith('***') || isKnownMarker(trimmed)) {
      if (trimmed !== EOF_MARK) break;
      if (open === undefined || open.lines.length === 0) fail(i, `'${EOF_MARK}' must end a hunk of ${path}`);
      open.endOfFile = true;
      close();
      continue;
    }
    if (line.startsWith('@@')) {
      close();
      if (headers === undefined) {
        headers = [];
        headerLine = i;
      }
      const header = hunkHeader(line);
      if (header !== '') headers.push(header);
      continue;
    }
    if (trimmed === '') {
      // Blank lines between hunks separate them; inside a hunk they are empty context lines.
      if (open === undefined && headers === undefined) continue;
      chunk(i).lines.push({ op: ' ', text: line.startsWith(' ') ? line.slice(1) : '' });
      continue;
    }
    const op = line[0];
    if (op !== ' ' && op !== '-' && op !== '+') {
      fail(i, `expected a hunk line of ${path} starting with ' ', '-' or '+', or an '@@' line, got '${line}'`);
    }
    chunk(i).lines.push({ op, text: line.slice(1) });
  }
  if (headers !== undefined) fail(headerLine, `the hunk at this '@@' line of ${path} has no lines`);
  close();
  return { chunks, next: i };
}

/** A marker line, maybe padded with whitespace (a context line that merely starts with `***` is not one). */
function isKnownMarker(trimmed: string): boolean {
  return (
    trimmed === EOF_MARK ||
    trimmed === END ||
    [ADD, DELETE, UPDATE, MOVE].some((m) => trimmed.startsWith(m))
  );
}

/** The text of an `@@` line: `@@ def f():` gives `def f():`; git's `@@ -3,7 +3,8 @@ def f():` too. */
function hunkHeader(line: string): string {
  let h = line.slice(2).trim();
  const git = /^-\d+(?:,\d+)? \+\d+(?:,\d+)? @@\s*/.exec(h);
  if (git) h = h.slice(git[0].length);
  return h.trim();
}

/** Every path the patch names (Move to destinations too), each once, in order. */
export function patchPaths(patch: Patch): string[] {
  const out = new Set<string>();
  for (const op of patch.operations) {
    out.add(op.path);
    if (op.kind === 'update' && op.moveTo !== undefined) out.add(op.moveTo);
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------------
// Applying one file's hunks

/** A text cut into lines, each with its own line ending (`''` only for a last line without one). */
interface Lines {
  texts: string[];
  ends: string[];
  /** The ending added lines get: the one most lines use (LF when there is none). */
  eol: string;
  finalNewline: boolean;
}

function splitLines(text: string): Lines {
  const texts: string[] = [];
  const ends: string[] = [];
  const re = /\r?\n/g;
  let pos = 0;
  let crlf = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    texts.push(text.slice(pos, m.index));
    ends.push(m[0]);
    if (m[0].length === 2) crlf++;
    pos = m.index + m[0].length;
  }
  if (pos < text.length) {
    texts.push(text.slice(pos));
    ends.push('');
  }
  // An empty file has no convention; a file that gets lines ends with a newline.
  return { texts, ends, eol: crlf * 2 > ends.length ? '\r\n' : '\n', finalNewline: pos === text.length };
}

function joinLines(texts: string[], ends: string[], eol: string, finalNewline: boolean): string {
  let out = '';
  for (let i = 0; i < texts.length; i++) {
    const end = ends[i] || eol;
    out += (texts[i] ?? '') + (i === texts.length - 1 && !finalNewline ? '' : end);
  }
  return out;
}

/** Unicode dashes, quotes and spaces, read as their ASCII look-alikes by the last matching pass. */
const LOOK_ALIKES: [RegExp, string][] = [
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/[\u2018-\u201b]/g, "'"],
  [/[\u201c-\u201f]/g, '"'],
  [/[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, ' '],
];

function asciiLookAlikes(s: string): string {
  return LOOK_ALIKES.reduce((t, [re, ascii]) => t.replace(re, ascii), s);
}

/** The four passes, strictest first: what a line is reduced to before comparing. */
const PASSES: ((s: string) => string)[] = [
  (s) => s,
  (s) => s.trimEnd(),
  (s) => s.trim(),
  (s) => asciiLookAlikes(s).trim(),
];

/** Finds line sequences in a file, one pass at a time; each pass's view of the file is computed once. */
class Seeker {
  private readonly views: (string[] | undefined)[] = [];

  constructor(readonly lines: readonly string[]) {}

  private view(pass: number): string[] {
    const reduce = PASSES[pass] ?? PASSES[0]!;
    return (this.views[pass] ??= this.lines.map(reduce));
  }

  /** Every position >= from (and <= to) where `pattern` matches in the given pass. */
  all(pattern: readonly string[], pass: number, from: number, to = this.lines.length - pattern.length): number[] {
    const view = this.view(pass);
    const reduce = PASSES[pass] ?? PASSES[0]!;
    const want = pattern.map(reduce);
    const out: number[] = [];
    for (let i = Math.max(0, from); i <= to; i++) {
      let k = 0;
      while (k < want.length && view[i + k] === want[k]) k++;
      if (k === want.length) out.push(i);
    }
    return out;
  }

  /** The positions found by the strictest pass that finds any. */
  strictest(pattern: readonly string[], from: number, to?: number): number[] {
    for (let pass = 0; pass < PASSES.length; pass++) {
      const found = this.all(pattern, pass, from, to);
      if (found.length > 0) return found;
    }
    return [];
  }

  /** Lines a `@@` header names: equal in one of the passes, else (loosest) starting with the header. */
  headers(header: string, from: number): number[] {
    const found = this.strictest([header], from);
    if (found.length > 0) return found;
    const want = PASSES[3]!(header);
    const view = this.view(3);
    const out: number[] = [];
    for (let i = Math.max(0, from); i < view.length; i++) if (view[i]!.startsWith(want)) out.push(i);
    return out;
  }
}

type Located =
  | { kind: 'found'; start: number; lines: PatchLine[]; cursor: number }
  | { kind: 'missing'; from: number; after: string | undefined }
  | { kind: 'ambiguous'; positions: number[] }
  | { kind: 'no-header'; header: string; from: number };

/** Where a chunk applies, searching at or after `cursor`; see the module comment for the rules. */
function locate(seek: Seeker, chunk: PatchChunk, lines: PatchLine[], cursor: number): Located {
  const n = seek.lines.length;
  const old = lines.filter((l) => l.op !== '+').map((l) => l.text);

  let anchors: number[] | undefined;
  let from = cursor;
  for (const header of chunk.headers) {
    const found = seek.headers(header, from);
    if (found.length === 0) return { kind: 'no-header', header, from };
    anchors = found;
    from = found[0]! + 1;
  }
  const lastHeader = chunk.headers[chunk.headers.length - 1];

  if (old.length === 0) {
    if (anchors === undefined || chunk.endOfFile) return { kind: 'found', start: n, lines, cursor };
    if (anchors.length > 1) return { kind: 'ambiguous', positions: anchors };
    return { kind: 'found', start: anchors[0]! + 1, lines, cursor: anchors[0]! + 1 };
  }

  const end = n - old.length;
  const at = (start: number): number[] => (chunk.endOfFile ? seek.strictest(old, Math.max(start, end), end) : seek.strictest(old, start));
  let candidates: number[];
  if (anchors === undefined) {
    candidates = at(cursor);
  } else {
    // A header decides: the chunk goes to its first match after each line the headers lead to.
    // The header's own line may be the chunk's first context line, hence `>= a`.
    const firsts = new Set<number>();
    for (const a of anchors) {
      const first = at(a)[0];
      if (first !== undefined) firsts.add(first);
    }
    candidates = [...firsts].sort((x, y) => x - y);
  }
  if (candidates.length === 0) return { kind: 'missing', from: anchors?.[0] ?? cursor, after: lastHeader };
  if (candidates.length > 1) return { kind: 'ambiguous', positions: candidates };
  const start = candidates[0]!;
  return { kind: 'found', start, lines, cursor: start + old.length };
}

/** Blank context or removed lines at the end of a chunk (a blank patch line before the next hunk, often). */
function withoutTrailingBlanks(lines: PatchLine[]): PatchLine[] {
  let k = lines.length;
  while (k > 0 && lines[k - 1]!.op !== '+' && lines[k - 1]!.text.trim() === '') k--;
  return lines.slice(0, k);
}

/**
 * Applies one Update File's chunks to `text` (the content the model saw) and returns the new content.
 * Throws a PatchError naming `path` with every chunk that could not be placed: for each, the exact lines
 * looked for, or the header not found, or the lines where an ambiguous chunk matched.
 */
export function applyUpdate(path: string, text: string, chunks: readonly PatchChunk[]): string {
  const file = splitLines(text);
  const seek = new Seeker(file.texts);
  const failures: string[] = [];
  const placed: { start: number; lines: PatchLine[]; order: number }[] = [];
  let cursor = 0;

  chunks.forEach((chunk, order) => {
    let found = locate(seek, chunk, chunk.lines, cursor);
    if (found.kind === 'missing') {
      const trimmed = withoutTrailingBlanks(chunk.lines);
      if (trimmed.length < chunk.lines.length && trimmed.some((l) => l.op !== '+')) {
        const retry = locate(seek, chunk, trimmed, cursor);
        if (retry.kind === 'found') found = retry;
      }
    }
    if (found.kind !== 'found') {
      failures.push(describeMiss(path, chunk, found));
      return;
    }
    placed.push({ start: found.start, lines: found.lines, order });
    cursor = found.cursor;
  });
  if (failures.length > 0) throw new PatchError(failures);

  placed.sort((a, b) => a.start - b.start || a.order - b.order);
  const texts: string[] = [];
  const ends: string[] = [];
  let i = 0;
  const keep = (upTo: number): void => {
    for (; i < upTo; i++) {
      texts.push(file.texts[i]!);
      ends.push(file.ends[i]!);
    }
  };
  for (const p of placed) {
    keep(p.start);
    for (const line of p.lines) {
      if (line.op === '+') {
        texts.push(line.text);
        ends.push('');
      } else {
        // A context line keeps the file's own text (a fuzzy pass may have matched it loosely).
        if (line.op === ' ') keep(i + 1);
        else i++;
      }
    }
  }
  keep(file.texts.length);
  return joinLines(texts, ends, file.eol, file.finalNewline);
}

function describeMiss(path: string, chunk: PatchChunk, miss: Exclude<Located, { kind: 'found' }>): string {
  const where = `${path}: the hunk at patch line ${chunk.patchLine}`;
  const old = chunk.lines.filter((l) => l.op !== '+').map((l) => l.text);
  switch (miss.kind) {
    case 'no-header':
      return `${where} names '@@ ${miss.header}', and no such line was found${miss.from > 0 ? ` after line ${miss.from}` : ''}.`;
    case 'ambiguous':
      return (
        `${where} fits ${miss.positions.length} places (lines ${miss.positions.map((p) => p + 1).join(', ')}); ` +
        `add an '@@' line naming the enclosing function or class, or more context lines, so that it fits one. ` +
        (old.length > 0 ? `Its lines:\n${old.join('\n')}` : `It inserts after '@@ ${chunk.headers.join(' / ')}'.`)
      );
    case 'missing': {
      const after = miss.after !== undefined ? ` after '@@ ${miss.after}'` : miss.from > 0 ? ` after line ${miss.from}` : '';
      const eof = chunk.endOfFile ? ' at the end of the file' : '';
      return `${where}: these lines were not found${eof}${after}:\n${old.join('\n')}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Applying a whole patch

/** One file in the simulation of a patch: its state before, and what the operations so far made of it. */
interface Entry {
  file: PatchFileState;
  /** Current content; `undefined` when absent (never existed, or deleted by the patch). */
  text: string | undefined;
  /** The operations so far, described for messages. */
  ops: string[];
  created: boolean;
  deleted: boolean;
  movedTo: PatchFileState | undefined;
  moveTarget: boolean;
  /** A failure was reported for it: later operations on it are not checked again. */
  broken: boolean;
}

const LABEL = { add: 'Add File', delete: 'Delete File', update: 'Update File' } as const;

/**
 * Applies a parsed patch to the files the model saw, all or nothing: returns one FileChange per file, in
 * the order the patch first names them, or throws a PatchError listing every failure of the whole patch.
 * `lookup` is called once per path of `patchPaths(patch)`.
 *
 * Rules:
 *  - Update File and Delete File need the file to exist; Add File needs it not to, except that an Add File
 *    for a file the model was shown replaces its content (an update, keeping its line endings).
 *  - Move to needs the destination not to exist; its content edit is the Update File's hunks.
 *  - Several operations on one file (same uri) compose only where the meaning is plain: Update File after
 *    Update File or after Add File (applied in turn), and Add File after Delete File of a shown file (a
 *    replacement). Anything else on a file already touched (a second Add or Delete, anything after or around
 *    a move) is refused, naming both operations.
 */
export function applyPatch(patch: Patch, lookup: (path: string) => PatchFileState): FileChange[] {
  const byPath = new Map<string, PatchFileState>();
  const entries = new Map<string, Entry>();
  const failures: string[] = [];

  const entryFor = (path: string): Entry => {
    let file = byPath.get(path);
    if (file === undefined) {
      file = lookup(path);
      byPath.set(path, file);
    }
    let entry = entries.get(file.uri);
    if (entry === undefined) {
      entry = { file, text: file.text, ops: [], created: false, deleted: false, movedTo: undefined, moveTarget: false, broken: false };
      entries.set(file.uri, entry);
    }
    return entry;
  };
  const fail = (entry: Entry, message: string): void => {
    entry.broken = true;
    failures.push(message);
  };
  const conflict = (entry: Entry, path: string, what: string): void =>
    fail(entry, `${path}: ${what} cannot be combined with the earlier ${entry.ops.join(' and ')} of the same file; give each file one operation.`);
  const update = (entry: Entry, path: string, text: string, chunks: readonly PatchChunk[]): void => {
    try {
      entry.text = chunks.length === 0 ? text : applyUpdate(path, text, chunks);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      entry.broken = true;
      failures.push(...e.failures);
    }
  };

  const apply = (op: PatchOperation, entry: Entry, what: string): void => {
    const touched = entry.ops.length > 0;
    if (op.kind === 'delete') {
      if (touched) conflict(entry, op.path, what);
      else if (entry.text === undefined) fail(entry, `${op.path}: ${what}: no such file.`);
      else {
        entry.text = undefined;
        entry.deleted = true;
      }
    } else if (op.kind === 'add') {
      const replaces = entry.deleted && entry.ops.length === 1;
      if (touched && !replaces) conflict(entry, op.path, what);
      else if (entry.file.text === undefined) {
        entry.text = op.content;
        entry.created = true;
      } else if (!entry.file.shown) {
        fail(entry, `${op.path}: ${what}: the file already exists and its content was not shown; change it with Update File hunks instead.`);
      } else {
        entry.text = conform(op.content, entry.file.text);
        entry.deleted = false;
      }
    } else if (op.moveTo === undefined || entryFor(op.moveTo) === entry) {
      if (entry.movedTo !== undefined || entry.moveTarget) conflict(entry, op.path, what);
      else if (entry.text !== undefined) update(entry, op.path, entry.text, op.chunks);
      else if (touched) conflict(entry, op.path, what);
      else fail(entry, `${op.path}: ${what}: no such file.`);
    } else {
      const target = entryFor(op.moveTo);
      const moving = `Move to ${op.moveTo} at patch line ${op.patchLine}`;
      if (touched) conflict(entry, op.path, what);
      else if (entry.text === undefined) fail(entry, `${op.path}: ${what}: no such file.`);
      if (!target.broken) {
        if (target.ops.length > 0) conflict(target, op.moveTo, moving);
        else if (target.file.text !== undefined) fail(target, `${op.moveTo}: ${moving}: a file already exists there.`);
      }
      target.ops.push(`Move to of ${op.path} at patch line ${op.patchLine}`);
      if (entry.broken || target.broken || entry.text === undefined) return;
      entry.movedTo = target.file;
      target.moveTarget = true;
      update(entry, op.path, entry.text, op.chunks);
    }
  };

  for (const op of patch.operations) {
    const entry = entryFor(op.path);
    const what = `${LABEL[op.kind]} at patch line ${op.patchLine}`;
    if (!entry.broken) apply(op, entry, what);
    entry.ops.push(what);
  }
  if (failures.length > 0) throw new PatchError(failures);

  const changes: FileChange[] = [];
  for (const e of entries.values()) {
    const { path, uri, version } = e.file;
    const before = e.file.text;
    if (e.moveTarget) continue;
    if (e.movedTo !== undefined && before !== undefined && e.text !== undefined) {
      changes.push({ kind: 'move', path, uri, version, oldText: before, newText: e.text, newPath: e.movedTo.path, newUri: e.movedTo.uri });
    } else if (e.created && e.text !== undefined) {
      changes.push({ kind: 'add', path, uri, content: e.text });
    } else if (before !== undefined && e.text === undefined) {
      changes.push({ kind: 'delete', path, uri, version, oldText: before });
    } else if (before !== undefined && e.text !== undefined) {
      changes.push({ kind: 'update', path, uri, version, oldText: before, newText: e.text });
    }
  }
  return changes;
}

/** New content (LF, as a patch writes it) in the line endings and final-newline habit of `original`. */
function conform(content: string, original: string): string {
  const { eol, finalNewline } = splitLines(original);
  const { texts } = splitLines(content);
  return joinLines(texts, [], eol, original === '' ? true : finalNewline);
}
