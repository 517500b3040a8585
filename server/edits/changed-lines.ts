// Which lines of a text a new version changes: the span between their common first and last lines.
// Pure; lines split at LF, so a CRLF file compares its lines with the CR kept, as both versions have it.

/** Old lines [first, end) are replaced (first === end: lines are only inserted before `first`); undefined when equal. */
export function changedLines(oldText: string, newText: string): { first: number; end: number } | undefined {
  if (oldText === newText) return undefined;
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  let common = 0;
  while (common < a.length - first && common < b.length - first && a[a.length - 1 - common] === b[b.length - 1 - common]) common++;
  return { first, end: a.length - common };
}

/** Whether every change from `oldText` to `newText` lies within lines [first, last] (0-based, inclusive) of `oldText`. */
export function changesWithin(oldText: string, newText: string, first: number, last: number): boolean {
  const span = changedLines(oldText, newText);
  if (span === undefined) return true;
  return span.first >= first && span.end <= last + 1;
}
