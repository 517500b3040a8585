// Spawns the built `spark-lsp --stdio` (run `npm run build` first; `npm test` does) and checks that stdout
// carries nothing but LSP frames, through a whole session against the bundled simulator (--sim).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompletionRequest, InitializeRequest, ShowMessageNotification, type CompletionList } from 'vscode-languageserver-protocol/node';
import { spawnServer } from '../support/stdio-server.js';

/** Splits raw stdout into LSP frames; throws on any byte that is not part of a well-formed frame. */
function frames(raw: Buffer): unknown[] {
  const out: unknown[] = [];
  let at = 0;
  while (at < raw.length) {
    const headerEnd = raw.indexOf('\r\n\r\n', at);
    assert.ok(headerEnd > at, `stray output on stdout: ${JSON.stringify(raw.subarray(at, at + 80).toString())}`);
    const header = raw.subarray(at, headerEnd).toString('ascii');
    const length = /^Content-Length: (\d+)$/im.exec(header);
    assert.ok(length && header.split('\r\n').every((l) => /^Content-(Length|Type): /i.test(l)), `not an LSP header: ${JSON.stringify(header)}`);
    const start = headerEnd + 4;
    out.push(JSON.parse(raw.subarray(start, start + Number(length[1])).toString('utf8')));
    at = start + Number(length[1]);
  }
  return out;
}

test('the built server speaks only LSP on stdout, serves a completion from --sim, and exits cleanly', { timeout: 20_000 }, async () => {
  const server = spawnServer(['--stdio', '--sim'], { PATH: process.env.PATH });
  const messages: string[] = [];
  server.conn.onNotification(ShowMessageNotification.type, (m) => {
    messages.push(m.message);
  });
  const uri = 'file:///tmp/smoke.ts';
  await server.conn.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
  await server.conn.sendNotification('initialized', {});
  await server.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const answer = ' } });
  const list = (await server.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 15 } })) as CompletionList;
  assert.equal(list.items.length, 1);
  assert.ok((list.items[0]!.textEdit?.newText.length ?? 0) > 0);
  assert.equal(await server.stop(), 0);
  assert.ok(frames(server.stdout()).length >= 3);
  assert.ok(messages.some((m) => /simulator/.test(m)), 'says it runs against the simulator');
});

test('when stdin ends the server exits: 0 after a shutdown request, 1 without one', { timeout: 20_000 }, async () => {
  for (const shutdown of [true, false]) {
    const server = spawnServer(['--stdio', '--sim'], { PATH: process.env.PATH });
    await server.conn.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
    await server.conn.sendNotification('initialized', {});
    if (shutdown) await server.conn.sendRequest('shutdown');
    assert.equal(await server.endInput(), shutdown ? 0 : 1, shutdown ? 'after shutdown' : 'without shutdown');
  }
});
