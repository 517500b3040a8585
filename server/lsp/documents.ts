// The open documents, kept in sync from textDocument/didOpen, didChange and didClose (incremental sync);
// didSave is passed on to whoever needs to know what was saved.
// Each notification is checked against its schema first: a malformed one (a non-string uri or text, a change
// with a bad range) is dropped with a log line instead of being stored to throw later inside a feature.
import type { Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import { passesInPlace } from '../spark/schema-check.js';
import type { Logger } from './context.js';

const Position = z.object({ line: z.int().min(0), character: z.int().min(0) });
const Identifier = z.object({ uri: z.string().min(1) });
const Open = z.object({ textDocument: Identifier.extend({ languageId: z.string(), version: z.int(), text: z.string() }) });
const Change = z.object({
  textDocument: Identifier.extend({ version: z.int() }),
  contentChanges: z.array(
    z.union([
      z.object({ range: z.object({ start: Position, end: Position }), rangeLength: z.int().min(0).optional(), text: z.string() }),
      // A whole-document change has no range at all: a malformed range must not pass as one.
      z.object({ text: z.string(), range: z.undefined().optional() }),
    ]),
  ),
});
const Close = z.object({ textDocument: Identifier });
/** The shapes of didOpen and didChange, for the tests that hold their in-place checks to zod. */
export { Open as DidOpenParams, Change as DidChangeParams };
const Save = z.object({ textDocument: Identifier });

type Listener = (document: TextDocument) => void;

/** One content change of a didChange, as its schema read it: a range in the text before it, or the whole text. */
export type ContentChange = z.infer<typeof Change>['contentChanges'][number];

/** What a didChange did: the text before it and its changes, applied in order. */
export interface ChangeDetail {
  before: string;
  changes: readonly ContentChange[];
}

type ChangeListener = (document: TextDocument, detail: ChangeDetail) => void;

export class Documents {
  private readonly open = new Map<string, TextDocument>();
  private readonly opened: Listener[] = [];
  private readonly changed: ChangeListener[] = [];
  private readonly closed: Listener[] = [];
  private readonly saved: Listener[] = [];

  get(uri: string): TextDocument | undefined {
    return this.open.get(uri);
  }

  all(): TextDocument[] {
    return [...this.open.values()];
  }

  onDidOpen(listener: Listener): void {
    this.opened.push(listener);
  }

  /** After a didChange (not on open). */
  onDidChange(listener: ChangeListener): void {
    this.changed.push(listener);
  }

  /** After a didSave of an open document. */
  onDidSave(listener: Listener): void {
    this.saved.push(listener);
  }

  onDidClose(listener: Listener): void {
    this.closed.push(listener);
  }

  listen(connection: Connection, log: Logger): void {
    /** The notification as its schema reads it (what is used is what was checked), or undefined. */
    const valid = <S extends z.ZodType>(method: string, schema: S, params: unknown): z.infer<S> | undefined => {
      // Checked in place when it can be (no copy per keystroke); zod parses what that cannot vouch for.
      if (passesInPlace(schema, params)) return params as z.infer<S>;
      const parsed = schema.safeParse(params);
      if (parsed.success) return parsed.data;
      log.warn(`ignored a malformed ${method} notification`);
      return undefined;
    };
    connection.onDidOpenTextDocument((raw) => {
      const params = valid('textDocument/didOpen', Open, raw);
      if (!params) return;
      const { uri, languageId, version, text } = params.textDocument;
      const document = TextDocument.create(uri, languageId, version, text);
      this.open.set(uri, document);
      for (const listener of this.opened) listener(document);
    });
    connection.onDidChangeTextDocument((raw) => {
      const params = valid('textDocument/didChange', Change, raw);
      if (!params) return;
      const document = this.open.get(params.textDocument.uri);
      if (!document) return;
      const before = document.getText();
      TextDocument.update(document, params.contentChanges, params.textDocument.version);
      for (const listener of this.changed) listener(document, { before, changes: params.contentChanges });
    });
    connection.onDidSaveTextDocument((raw) => {
      const params = valid('textDocument/didSave', Save, raw);
      const document = params && this.open.get(params.textDocument.uri);
      if (!document) return;
      for (const listener of this.saved) listener(document);
    });
    connection.onDidCloseTextDocument((raw) => {
      const params = valid('textDocument/didClose', Close, raw);
      if (!params) return;
      const document = this.open.get(params.textDocument.uri);
      if (!document) return;
      this.open.delete(params.textDocument.uri);
      for (const listener of this.closed) listener(document);
    });
  }
}
