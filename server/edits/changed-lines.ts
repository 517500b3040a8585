// Which lines of a text a new version changes: the span between their common first and last lines. Used for
// edits (does a change stay within a selection) and for the regions the user edited. Pure; lines end at LF,
// so a CRLF file compares its lines with the CR kept, as both versions have it.

/**
 * Old lines [first, end) are replaced by new lines [first, newEnd) (first === end: lines are only inserted
 * before `first`); undefined when equal. Found from the common prefix and suffix in characters (compared in
 * chunks) and the line breaks counted once, without splitting either text into lines: it runs on every
 * keystroke of an editor that sends whole texts.
 */
export function changedLines(oldText: string, newText: string): { first: number; end: number; newEnd: number } | undefined {
  if (oldText === newText) return undefined;
  const min = Math.min(oldText.length, newText.length);
  const p = commonPrefix(oldText, newText, min);
  const q = commonSuffix(oldText, newText, min);
  const suffixA = oldText.length - q;
  const suffixB = newText.length - q;
  const inPrefix = lineBreaks(oldText, 0, p);
  const inSuffix = lineBreaks(oldText, suffixA, oldText.length);
  // The lines of each text: the breaks of the prefix, of the suffix, and of what lies between (the prefix and
  // the suffix may overlap when the change repeats text).
  const linesA = (p <= suffixA ? inPrefix + lineBreaks(oldText, p, suffixA) : lineBreaks(oldText, 0, suffixA)) + inSuffix + 1;
  const linesB = (p <= suffixB ? inPrefix + lineBreaks(newText, p, suffixB) : lineBreaks(newText, 0, suffixB)) + inSuffix + 1;
  // Equal leading lines: those ended within the prefix, and the line at its end when one text ends there
  // and the other breaks the line there.
  let first = inPrefix;
  if ((p === oldText.length && newText.charCodeAt(p) === NEWLINE) || (p === newText.length && oldText.charCodeAt(p) === NEWLINE)) first++;
  // Equal trailing lines: those begun within the suffix, and the line at its start when that starts a line in both.
  let common = inSuffix;
  if ((suffixA === 0 && (suffixB === 0 || newText.charCodeAt(suffixB - 1) === NEWLINE)) || (suffixB === 0 && oldText.charCodeAt(suffixA - 1) === NEWLINE)) common++;
  common = Math.min(common, Math.min(linesA, linesB) - first);
  return { first, end: linesA - common, newEnd: linesB - common };
}

const NEWLINE = 10;
/** Characters compared at once (as substrings) before comparing one by one. */
const CHUNK = 256;

/** Length of the common start of `a` and `b`, at most `min`. */
export function commonPrefix(a: string, b: string, min: number): number {
  let n = 0;
  while (n + CHUNK <= min && a.slice(n, n + CHUNK) === b.slice(n, n + CHUNK)) n += CHUNK;
  while (n < min && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

/** Length of the common end of `a` and `b`, at most `min`. */
export function commonSuffix(a: string, b: string, min: number): number {
  let n = 0;
  while (n + CHUNK <= min && a.slice(a.length - n - CHUNK, a.length - n) === b.slice(b.length - n - CHUNK, b.length - n)) n += CHUNK;
  while (n < min && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

/**
 * The offset where the line holding `offset` starts. (`lastIndexOf('\n', offset - 1)` alone finds a break at 0
 * when `offset` is 0, since it reads a negative start as 0.)
 */
export function lineStartAt(text: string, offset: number): number {
  return offset <= 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
}

/** Line breaks (`\n`) in text[from, to). */
export function lineBreaks(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Whether every change from `oldText` to `newText` lies within lines [first, last] (0-based, inclusive) of `oldText`. */
export function changesWithin(oldText: string, newText: string, first: number, last: number): boolean {
  const span = changedLines(oldText, newText);
  if (span === undefined) return true;
  return span.first >= first && span.end <= last + 1;
}
