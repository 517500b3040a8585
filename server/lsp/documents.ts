// Text document sync with its parameters checked: TextDocuments trusts the client, so a didOpen with a
// non-string uri or text, or a change with a malformed range, would be stored and later throw in any feature
// (or in a timer, killing the process). Malformed notifications are dropped here, with a log line.
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import type { Logger } from './context.js';

const Position = z.object({ line: z.int().min(0), character: z.int().min(0) });
const Identifier = z.object({ uri: z.string().min(1) });
const Open = z.object({ textDocument: Identifier.extend({ languageId: z.string(), version: z.int(), text: z.string() }) });
const Change = z.object({
  textDocument: Identifier.extend({ version: z.int() }),
  contentChanges: z.array(
    z.union([z.object({ range: z.object({ start: Position, end: Position }), rangeLength: z.int().min(0).optional(), text: z.string() }), z.object({ text: z.string() })]),
  ),
});
const ByUri = z.object({ textDocument: Identifier });

type Handler<P> = (params: P, ...rest: never[]) => unknown;

/** `documents.listen(connection)`, but each sync notification must match its schema to reach `documents`. */
export function listenDocuments(documents: TextDocuments<TextDocument>, connection: Connection, log: Logger): void {
  const checked =
    <P>(method: string, schema: z.ZodType, register: (handler: Handler<P>) => unknown) =>
    (handler: Handler<P>) =>
      register(((params: P, ...rest: never[]) => {
        if (schema.safeParse(params).success) return handler(params, ...rest);
        log.warn(`ignored a malformed ${method} notification`);
        return method === 'textDocument/willSaveWaitUntil' ? [] : undefined;
      }) as Handler<P>);
  // Everything else (and the sync kind TextDocuments records) passes through to the real connection.
  const guarded = Object.create(connection) as Connection;
  Object.assign(guarded, {
    onDidOpenTextDocument: checked('textDocument/didOpen', Open, (h) => connection.onDidOpenTextDocument(h as never)),
    onDidChangeTextDocument: checked('textDocument/didChange', Change, (h) => connection.onDidChangeTextDocument(h as never)),
    onDidCloseTextDocument: checked('textDocument/didClose', ByUri, (h) => connection.onDidCloseTextDocument(h as never)),
    onWillSaveTextDocument: checked('textDocument/willSave', ByUri, (h) => connection.onWillSaveTextDocument(h as never)),
    onWillSaveTextDocumentWaitUntil: checked('textDocument/willSaveWaitUntil', ByUri, (h) => connection.onWillSaveTextDocumentWaitUntil(h as never)),
    onDidSaveTextDocument: checked('textDocument/didSave', ByUri, (h) => connection.onDidSaveTextDocument(h as never)),
  });
  documents.listen(guarded);
  // TextDocuments records its sync kind on the connection it listens on; keep it on the real one.
  const sync = (guarded as unknown as { __textDocumentSync?: unknown }).__textDocumentSync;
  if (sync !== undefined) Object.assign(connection, { __textDocumentSync: sync });
}
