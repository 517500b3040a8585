// Test notation for documents: `|` marks the cursor, `[[...]]` marks a range.
// Used by unit tests only; depends on nothing.

/** Removes the single cursor marker and returns the text with the cursor's offset. */
export function parseCursor(src: string, marker = '|'): { text: string; offset: number } {
  const offset = src.indexOf(marker);
  if (offset === -1 || src.indexOf(marker, offset + 1) !== -1) {
    throw new Error(`expected exactly one cursor marker ${JSON.stringify(marker)} in ${JSON.stringify(src)}`);
  }
  return { text: src.slice(0, offset) + src.slice(offset + marker.length), offset };
}

/** Removes one `[[` ... `]]` pair and returns the text with the range's offsets. */
export function parseRange(src: string): { text: string; start: number; end: number } {
  const start = src.indexOf('[[');
  const close = src.indexOf(']]', start + 2);
  if (start === -1 || close === -1 || src.indexOf('[[', start + 2) !== -1 || src.indexOf(']]', close + 2) !== -1) {
    throw new Error(`expected exactly one [[...]] range in ${JSON.stringify(src)}`);
  }
  const end = close - 2;
  return { text: src.slice(0, start) + src.slice(start + 2, close) + src.slice(close + 2), start, end };
}
