// Applies one Update File's hunks to the text the model saw. Pure: strings in, string out.
//
// API
//   applyUpdate(path, text, chunks) -> string   throws PatchError listing every hunk that could not be placed
//
// Matching rules. Each chunk's context and removed lines are looked for in order, at or after the end of the
// previous chunk; each `@@ <header>` first moves the search to a line equal to the header (or, loosest,
// starting with it). Lines are compared in four passes of decreasing strictness (exact; trailing whitespace
// ignored; edge whitespace ignored; Unicode dashes, quotes and spaces read as ASCII), and the first pass that
// finds the chunk decides. Unlike Codex, a chunk found in two places is refused unless its header decides:
// with headers the chunk goes to its first match after each line the headers lead to, and it is refused only
// when those differ. `*** End of File` anchors the chunk at the end. A chunk with neither context nor removed
// lines goes after its header, or at the end of the file. If a chunk is not found and ends with blank lines,
// it is tried once more without them (a blank patch line before the next hunk is usually a separator).
// Context lines keep the file's own text, each line keeps its own line ending (added lines take the one most
// lines use), and the file keeps or lacks its final newline as before.

import { type PatchChunk, PatchError, type PatchLine } from './patch.js';

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
  const breaks = ends.length - (ends[ends.length - 1] === '' ? 1 : 0);
  return { texts, ends, eol: crlf * 2 > breaks ? '\r\n' : '\n', finalNewline: pos === text.length };
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

/** New content (LF, as a patch writes it) in the line endings and final-newline habit of `original`. */
export function conform(content: string, original: string): string {
  const { eol, finalNewline } = splitLines(original);
  const { texts } = splitLines(content);
  return joinLines(texts, [], eol, original === '' ? true : finalNewline);
}
