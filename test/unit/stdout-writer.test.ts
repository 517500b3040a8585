// The --stdio message writer: one write per message holding a whole frame (header and body), in order,
// with the length in bytes; a failed write rejects and is reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { StdoutMessageWriter } from '../../server/stdout-writer.js';

function sink(fail?: Error): { out: Writable; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback(fail);
    },
  });
  return { out, chunks };
}

test('each message is one write of a whole frame, in the order written', async () => {
  const { out, chunks } = sink();
  const writer = new StdoutMessageWriter(out);
  const messages = [
    { jsonrpc: '2.0', id: 1, result: { label: 'héllo → ✓' } },
    { jsonrpc: '2.0', method: 'window/logMessage', params: { type: 3, message: 'x' } },
    { jsonrpc: '2.0', id: 2, result: null },
  ];
  await Promise.all(messages.map((m) => writer.write(m)));
  assert.equal(chunks.length, messages.length);
  chunks.forEach((chunk, i) => {
    const text = chunk.toString('utf8');
    const body = JSON.stringify(messages[i]);
    assert.equal(text, `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`);
  });
});

test('a failed write rejects and is reported with the message', async () => {
  const broken = new Error('EPIPE');
  const { out } = sink(broken);
  out.on('error', () => undefined);
  const writer = new StdoutMessageWriter(out);
  const reported: unknown[] = [];
  writer.onError(([error, message, count]) => reported.push(error.message, message, count));
  const message = { jsonrpc: '2.0', id: 7, result: 1 };
  await assert.rejects(writer.write(message), /EPIPE/);
  assert.ok(reported.includes(message) && reported.includes(1), JSON.stringify(reported));
});
