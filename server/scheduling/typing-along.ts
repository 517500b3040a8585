// Typing along a suggestion: after a suggestion was shown at a cursor, a later request whose document
// shows the user typed the start of it is answered with the rest, without asking the model.
// Pure bookkeeping; one entry per document. Units: UTF-16 offsets into the document text.

/** Characters compared on each side of the cursor to tell that only the typed text changed. */
const WINDOW = 256;

interface Entry {
  offset: number;
  before: string;
  after: string;
  text: string;
}

export class TypingAlong {
  private readonly entries = new Map<string, Entry>();

  /** Remembers that `text` was suggested at `offset` of `doc`. */
  remember(key: string, doc: string, offset: number, text: string): void {
    this.entries.set(key, {
      offset,
      before: doc.slice(Math.max(0, offset - WINDOW), offset),
      after: doc.slice(offset, offset + WINDOW),
      text,
    });
  }

  /**
   * The rest of the remembered suggestion when `doc` at `offset` is the remembered document plus a typed
   * prefix of it (and nothing else changed near the cursor); undefined otherwise.
   */
  rest(key: string, doc: string, offset: number): string | undefined {
    const e = this.entries.get(key);
    if (!e || offset < e.offset) return undefined;
    const typed = doc.slice(e.offset, offset);
    if (typed.length >= e.text.length || !e.text.startsWith(typed)) return undefined;
    if (doc.slice(e.offset - e.before.length, e.offset) !== e.before) return undefined;
    if (doc.slice(offset, offset + e.after.length) !== e.after) return undefined;
    return e.text.slice(typed.length);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
