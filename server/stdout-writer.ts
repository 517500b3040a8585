// The LSP message writer of --stdio: each message goes to stdout in one write, header and body together,
// at once. (vscode-jsonrpc's stream writer takes a write lock through setImmediate, writes the header,
// waits for that write to complete, then writes the body: a turn of the event loop and two writes per
// message, so the client wakes twice.) Knows nothing of what the messages say.
//
// Invariant: messages reach the stream in the order write() was called, each as one complete frame.
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-languageserver/node';

export class StdoutMessageWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on('error', (error: Error) => this.fireError(error));
    out.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    const json = JSON.stringify(msg);
    const length = Buffer.byteLength(json, 'utf8');
    const header = `Content-Length: ${length}\r\n\r\n`;
    const frame = Buffer.allocUnsafe(header.length + length);
    frame.write(header, 0, 'ascii');
    frame.write(json, header.length, 'utf8');
    return new Promise((resolve, reject) => {
      this.out.write(frame, (error) => {
        if (error === undefined || error === null) return resolve();
        this.errors++;
        this.fireError(error, msg, this.errors);
        reject(error);
      });
    });
  }

  end(): void {
    this.out.end();
  }
}
