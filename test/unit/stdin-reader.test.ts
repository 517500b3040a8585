// The --stdio message reader: frames cut at any byte boundary, several per chunk, multi-byte text split
// across chunks, other headers, a body that is not JSON (reported and skipped), a header without a length
// (reported, reading ends), and the end of input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-languageserver/node';
import { StdinMessageReader } from '../../server/stdin-reader.js';

const frame = (body: string, extraHeader = '') => Buffer.from(`Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n${extraHeader}\r\n${body}`, 'utf8');

function reader() {
  const input = new PassThrough();
  const r = new StdinMessageReader(input);
  const messages: Message[] = [];
  const errors: string[] = [];
  let closed = 0;
  r.onError((e) => errors.push(e instanceof Error ? e.message : String(e)));
  r.onClose(() => closed++);
  r.listen((m) => messages.push(m));
  return { input, messages, errors, closed: () => closed, feed: (b: Buffer) => input.write(b) };
}

const messages: Message[] = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { rootUri: null } } as Message,
  { jsonrpc: '2.0', method: 'textDocument/didChange', params: { text: 'héllo → ✓ 𝄞\r\n' } } as Message,
  { jsonrpc: '2.0', id: 'x', method: 'textDocument/completion', params: { position: { line: 0, character: 3 } } } as Message,
];
const stream = Buffer.concat(messages.map((m) => frame(JSON.stringify(m))));

test('the messages come out whole and in order, however the bytes are cut into chunks', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const r = reader();
    r.feed(stream.subarray(0, cut));
    r.feed(stream.subarray(cut));
    assert.deepEqual(r.messages, messages, `cut at byte ${cut}`);
    assert.deepEqual(r.errors, []);
  }
  const r = reader();
  for (let i = 0; i < stream.length; i++) r.feed(stream.subarray(i, i + 1));
  assert.deepEqual(r.messages, messages, 'one byte at a time');
});

test('other headers are allowed in any order and case; the length header is found by name', () => {
  const body = JSON.stringify(messages[0]);
  const r = reader();
  r.feed(Buffer.from(`Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  r.feed(frame(JSON.stringify(messages[2]), 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n'));
  assert.deepEqual(r.messages, [messages[0], messages[2]]);
});

test('a body that is not JSON is reported and skipped; the next frame still comes out', () => {
  const r = reader();
  r.feed(Buffer.concat([frame('{"jsonrpc": "2.0", "id": 1,'), frame(JSON.stringify(messages[2]))]));
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /not JSON/);
  assert.deepEqual(r.messages, [messages[2]]);
});

test('a header without a valid Content-Length is reported once and ends the reading', () => {
  const r = reader();
  r.feed(Buffer.from('Content-Length: twelve\r\n\r\n{}'));
  r.feed(frame(JSON.stringify(messages[0])));
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!, /Content-Length/);
  assert.deepEqual(r.messages, []);
});

test('the end of input closes the reader', async () => {
  const r = reader();
  r.feed(frame(JSON.stringify(messages[0])));
  r.input.end();
  await new Promise<void>((resolve) => r.input.on('close', resolve));
  assert.deepEqual(r.messages, [messages[0]]);
  assert.ok(r.closed() >= 1);
});
