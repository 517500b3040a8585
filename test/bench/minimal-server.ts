// The least a language server must do for the hot-path benchmark, as a reference for it (not a server):
// LSP over stdio (Content-Length frames of JSON, one write each), one WebSocket to the endpoint opened up
// front, JSON.parse of every event. A completion on a line that ends in `= ` sends one response.create and
// answers at response.completed; any other completion answers at once (the no-model floor). Run by
// hot-path.ts as `node --import tsx test/bench/minimal-server.ts --stdio` with OPENAI_BASE_URL and OPENAI_API_KEY.
import WebSocket from 'ws';

interface Message {
  id?: number | string;
  method?: string;
  params?: {
    textDocument?: { uri: string; text?: string };
    contentChanges?: { text: string }[];
  };
}

const docs = new Map<string, string>();
const url = `${(process.env['OPENAI_BASE_URL'] ?? '').replace(/^http/, 'ws')}/responses`;
const ws = new WebSocket(url, { perMessageDeflate: false, headers: { Authorization: `Bearer ${process.env['OPENAI_API_KEY'] ?? ''}` } });
let answer: ((text: string) => void) | undefined;

ws.on('message', (data: Buffer) => {
  const event = JSON.parse(data.toString('utf8')) as { type: string; response?: { output?: { content?: { text?: string }[] }[] } };
  if (event.type !== 'response.completed' || answer === undefined) return;
  const done = answer;
  answer = undefined;
  done(event.response?.output?.[0]?.content?.[0]?.text ?? '');
});

function send(msg: Record<string, unknown>): void {
  const json = JSON.stringify({ jsonrpc: '2.0', ...msg });
  process.stdout.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
}

const list = (text: string) => ({ isIncomplete: true, items: [{ label: text, insertText: text }] });

function handle(msg: Message): void {
  const uri = msg.params?.textDocument?.uri ?? '';
  switch (msg.method) {
    case 'initialize':
      return send({ id: msg.id, result: { capabilities: { completionProvider: {}, textDocumentSync: 1 } } });
    case 'exit':
      process.exit(0);
      return;
    case 'textDocument/didOpen':
      docs.set(uri, msg.params?.textDocument?.text ?? '');
      return;
    case 'textDocument/didChange':
      docs.set(uri, msg.params?.contentChanges?.at(-1)?.text ?? '');
      return;
    case 'textDocument/completion': {
      const text = docs.get(uri) ?? '';
      if (!text.endsWith('= ')) return send({ id: msg.id, result: list('ompute(1);') });
      answer = (reply) => send({ id: msg.id, result: list(reply) });
      const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }];
      ws.send(JSON.stringify({ type: 'response.create', stream_id: 'l0', model: 'gpt-5.3-codex-spark', store: false, instructions: 'Complete the code.', input, max_output_tokens: 64 }));
      return;
    }
    default:
      if (msg.id !== undefined && msg.method !== undefined) send({ id: msg.id, result: null });
  }
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  buffer = Buffer.concat([buffer, chunk]);
  for (;;) {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString('ascii'))?.[1] ?? NaN);
    if (buffer.length < end + 4 + length) return;
    const body = buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    buffer = buffer.subarray(end + 4 + length);
    handle(JSON.parse(body) as Message);
  }
});
process.stdin.on('end', () => process.exit(0));
