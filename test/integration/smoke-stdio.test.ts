// Spawns the built `spark-lsp --stdio` (run `npm run build` first; `npm test` does) and checks that stdout
// carries nothing but LSP frames, through a whole session against the bundled simulator (--sim).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const BIN = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));

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
    const body = raw.subarray(start, start + Number(length[1]));
    out.push(JSON.parse(body.toString('utf8')));
    at = start + Number(length[1]);
  }
  return out;
}

function frame(message: object): string {
  const body = JSON.stringify({ jsonrpc: '2.0', ...message });
  return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test('the built server speaks only LSP on stdout, serves a completion from --sim, and exits cleanly', { timeout: 20_000 }, async () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build`);
  const child = spawn(process.execPath, [BIN, '--stdio', '--sim'], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  const stdout: Buffer[] = [];
  const received = new Map<number, unknown>();
  let waiting: { id: number; resolve: (v: unknown) => void } | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    try {
      for (const m of frames(Buffer.concat(stdout)) as { id?: number; result?: unknown }[]) {
        if (typeof m.id === 'number' && 'result' in m) received.set(m.id, m.result);
      }
    } catch {
      return; // a partial frame; the final check below parses everything strictly
    }
    if (waiting && received.has(waiting.id)) waiting.resolve(received.get(waiting.id));
  });
  const request = (id: number, method: string, params: unknown) => {
    child.stdin.write(frame({ id, method, params }));
    return new Promise((resolve) => {
      if (received.has(id)) resolve(received.get(id));
      else waiting = { id, resolve };
    });
  };
  const uri = 'file:///tmp/smoke.ts';
  await request(1, 'initialize', { processId: null, rootUri: null, capabilities: {} });
  child.stdin.write(frame({ method: 'initialized', params: {} }));
  child.stdin.write(frame({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'typescript', version: 1, text: 'const answer = ' } } }));
  const list = (await request(2, 'textDocument/completion', { textDocument: { uri }, position: { line: 0, character: 15 } })) as { items: { textEdit: { newText: string } }[] };
  assert.equal(list.items.length, 1);
  assert.ok(list.items[0]!.textEdit.newText.length > 0);
  await request(3, 'shutdown', null);
  child.stdin.write(frame({ method: 'exit' }));
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const all = frames(Buffer.concat(stdout)) as { method?: string; params?: { message?: string } }[];
  assert.ok(all.some((m) => m.method === 'window/showMessage' && /simulator/.test(m.params?.message ?? '')), 'says it runs against the simulator');
});
