// The LSP message reader of --stdio: Content-Length frames are cut out of the bytes as they arrive and each
// message is handed on at once. (vscode-jsonrpc's stream reader copies every chunk into a buffer of its own,
// reads the headers into a map, and hands each message over through a semaphore and two awaits.) Knows
// nothing of what the messages say.
//
// Invariants: messages are handed on in the order they arrive, each exactly once; the bytes of an
// incomplete frame are kept until the rest arrives. A frame whose body is not JSON is reported and skipped
// (its length is known); a header without a valid Content-Length is reported and ends the reading, since
// no later frame boundary can be trusted.
import { AbstractMessageReader, Disposable, type DataCallback, type Message, type MessageReader } from 'vscode-languageserver/node';

const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /^content-length:[ \t]*(\d+)[ \t]*$/im;

export class StdinMessageReader extends AbstractMessageReader implements MessageReader {
  /** Bytes received and not yet part of a whole frame. */
  private pending: Buffer | undefined;
  private callback: DataCallback | undefined;
  private broken = false;

  constructor(private readonly input: NodeJS.ReadableStream) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    const onError = (error: Error) => this.fireError(error);
    const onClose = () => this.fireClose();
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('end', onClose);
    this.input.on('close', onClose);
    return Disposable.create(() => {
      this.callback = undefined;
      this.input.off('data', onData);
      this.input.off('error', onError);
      this.input.off('end', onClose);
      this.input.off('close', onClose);
    });
  }

  private onData(chunk: Buffer): void {
    if (this.broken) return;
    const bytes = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    for (;;) {
      const headerEnd = bytes.indexOf(HEADER_END, at);
      if (headerEnd === -1) break;
      const header = bytes.toString('latin1', at, headerEnd);
      const length = CONTENT_LENGTH.exec(header)?.[1];
      if (length === undefined) {
        this.broken = true;
        this.pending = undefined;
        this.fireError(new Error(`an LSP frame header without a valid Content-Length: ${JSON.stringify(header.slice(0, 200))}`));
        return;
      }
      const start = headerEnd + HEADER_END.length;
      const end = start + Number(length);
      if (bytes.length < end) break;
      at = end;
      let message: Message;
      try {
        message = JSON.parse(bytes.toString('utf8', start, end)) as Message;
      } catch (e) {
        this.fireError(new Error(`an LSP message that is not JSON (${(e as Error).message})`));
        continue;
      }
      this.callback?.(message);
    }
    this.pending = at >= bytes.length ? undefined : bytes.subarray(at);
  }
}
