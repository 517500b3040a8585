// V4A patches (the `apply_patch` format): the tool's grammar and description, the parsed form, and the
// parser. Pure: no fs, no LSP types. Applying lives in apply-hunks.ts (one file) and apply-patch.ts (all).
//
// API
//   APPLY_PATCH_GRAMMAR, APPLY_PATCH_DESCRIPTION   the freeform custom tool's format and description
//   parsePatch(text) -> Patch                       throws PatchError naming the patch line and what was expected
//   patchPaths(patch) -> string[]                   every path the patch names, to resolve and read first
//   PatchError                                      `failures`: every problem; `message`: them all, for the model

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

/**
 * A patch that cannot be parsed or applied. `failures` lists every problem found (the message joins them);
 * the message is meant to be sent back to the model for one more try, and after that to fail the request
 * as a SparkError with code SPARK_ERR_PATCH (edits/ stays free of the spark layer, so lsp/ wraps it).
 */
export class PatchError extends Error {
  readonly failures: readonly string[];

  constructor(failures: readonly string[]) {
    super(failures.join('\n\n'));
    this.name = 'PatchError';
    this.failures = failures;
  }
}

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
    if (/^\\ No newline at end of file\s*$/.test(line)) continue; // unified-diff habit; the file's own ending is kept
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
