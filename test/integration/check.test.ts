// spark-lsp --check, every branch against spark-sim (or a socket that does what the branch needs): the exit
// status, the step that failed, the cause and what to do, and that the key never appears in the output.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { CheckExit, runCheck, type CheckOptions } from '../../server/check.js';
import { startSim } from '../../server/sim/index.js';
import type { SimOptions, SparkSim } from '../../server/sim/api.js';
import { KEY } from '../support/lsp-harness.js';
import { freePort } from '../support/free-port.js';

const BUILT = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));
const REFUSED_KEY = 'sk-refused-4242424242';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function sim(options: SimOptions = {}): Promise<SparkSim> {
  const s = await startSim({ tokensPerSecond: 0, responder: () => 'OK', ...options });
  cleanups.push(() => s.close());
  return s;
}

interface Run {
  code: number;
  out: string;
}

async function check(options: Partial<CheckOptions> & { env: NodeJS.ProcessEnv }): Promise<Run> {
  const lines: string[] = [];
  const code = await runCheck({ timeoutMs: 10_000, ...options, write: (l) => lines.push(l) });
  const out = lines.join('\n');
  for (const key of [KEY, REFUSED_KEY]) assert.ok(!out.includes(key), `the key never appears in the output:\n${out}`);
  return { code, out };
}

/** The line of a step, e.g. `FAIL  websocket  …`. */
function step(out: string, name: string): string {
  const line = out.split('\n').find((l) => new RegExp(`^(ok|FAIL|WARN)\\s+${name}\\s`).test(l));
  assert.ok(line, `a line for ${name} in:\n${out}`);
  return line;
}

test('check: a working endpoint: every step ok, exit 0', async () => {
  const s = await sim({ apiKeys: [KEY] });
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Ok, out);
  for (const name of ['key', 'endpoint', 'websocket', 'request']) assert.match(step(out, name), /^ok\s.*\(\d+ ms\)$/);
  assert.match(step(out, 'key'), /from OPENAI_API_KEY/);
  assert.match(out, /^verdict: OK: spark-lsp reaches gpt-5\.3-codex-spark at http:\/\/127\.0\.0\.1:\d+\/v1 over WebSocket$/m);
  // One tiny request: a few output tokens, store false, the model named.
  const [create] = s.stats.creates;
  assert.equal(s.stats.creates.length, 1);
  assert.equal(create!.body.model, 'gpt-5.3-codex-spark');
  assert.equal(create!.body.store, false);
  assert.ok((create!.body.max_output_tokens as number) <= 16);
});

test('check: --model and --base-url are used as spark.model and spark.baseUrl', async () => {
  const s = await sim();
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'https://unused.example/v1' }, baseUrl: s.url, model: 'my-model' });
  assert.equal(code, CheckExit.Ok, out);
  assert.equal(s.stats.creates[0]!.body.model, 'my-model');
});

test('check: no key: names OPENAI_API_KEY and --api-key-command, exit 1, nothing sent', async () => {
  const s = await sim();
  const { code, out } = await check({ env: { OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'key'), /^FAIL\s+key\s+OPENAI_API_KEY is not set/);
  assert.match(out, /verdict: FAIL: no API key: OPENAI_API_KEY is not set/);
  assert.match(out, /what to do: .*OPENAI_API_KEY.*--api-key-command.*--check --sim/);
  assert.equal(s.stats.upgrades, 0);
});

test('check: --api-key-command runs as spark.apiKeyCommand; a failing command is named', async () => {
  const s = await sim({ apiKeys: [KEY] });
  const ok = await check({ env: { PATH: process.env.PATH }, baseUrl: s.url, apiKeyCommand: `echo ${KEY}` });
  assert.equal(ok.code, CheckExit.Ok, ok.out);
  assert.match(step(ok.out, 'key'), /from --api-key-command/);
  const bad = await check({ env: { PATH: process.env.PATH }, baseUrl: s.url, apiKeyCommand: 'exit 3' });
  assert.equal(bad.code, CheckExit.Failed);
  assert.match(step(bad.out, 'key'), /--api-key-command failed \(exit status 3\)/);
  assert.match(bad.out, /what to do: run the command yourself/);
});

test('check: key refused (401 at the upgrade): names OPENAI_API_KEY, never the key', async () => {
  const s = await sim({ apiKeys: [KEY] });
  const { code, out } = await check({ env: { OPENAI_API_KEY: REFUSED_KEY, OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'websocket'), /^FAIL.*HTTP 401/);
  assert.match(out, /verdict: FAIL: the endpoint refused the API key \(HTTP 401 at the WebSocket upgrade\); the key from OPENAI_API_KEY/);
  assert.match(out, /what to do: check OPENAI_API_KEY/);
  assert.equal(s.stats.creates.length, 0);
});

test('check: endpoint unreachable: names the host and the port', async () => {
  const port = await freePort();
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'websocket'), /^FAIL/);
  assert.match(out, new RegExp(`verdict: FAIL: the endpoint is unreachable: no connection to 127\\.0\\.0\\.1 port ${port}`));
  assert.match(out, new RegExp(`what to do: .*127\\.0\\.0\\.1:${port}`));
});

test('check: a plaintext endpoint off loopback is refused before anything is sent', async () => {
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY }, baseUrl: 'http://spark.example.com/v1' });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'endpoint'), /^FAIL\s+endpoint\s+http:\/\/spark\.example\.com\/v1/);
  assert.match(out, /verdict: FAIL: the endpoint is plaintext off loopback/);
  assert.match(out, /what to do: use an https:\/\/ base URL/);
  assert.doesNotMatch(out, /websocket/);
});

test('check: the model refused (model_not_found): names the model and spark.model, says research preview', async () => {
  const s = await sim();
  s.inject({ kind: 'error', status: 404, code: 'model_not_found', message: "The model 'gpt-5.3-codex-spark' does not exist or you do not have access to it." });
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'request'), /^FAIL\s+request\s+gpt-5\.3-codex-spark: .*model_not_found/);
  assert.match(out, /verdict: FAIL: the endpoint refused the model "gpt-5\.3-codex-spark" for this key \(model_not_found\)/);
  assert.match(out, /what to do: .*research preview with limited access.*spark\.model/);
});

test('check: the model refused (the socket closes before any event)', async () => {
  // A WebSocket endpoint that accepts the upgrade, then drops the socket when the request arrives.
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
  wss.on('connection', (ws) => ws.on('message', () => ws.terminate()));
  const port = (wss.address() as { port: number }).port;
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY }, baseUrl: `http://127.0.0.1:${port}/v1`, model: 'gpt-5.3-codex-spark' });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'websocket'), /^ok/);
  assert.match(out, /verdict: FAIL: the endpoint refused the model "gpt-5\.3-codex-spark" for this key \(the socket closed before any event\)/);
  assert.match(out, /research preview/);
});

test('check: WebSockets refused (426) but HTTP/SSE works: a warning, exit 0', async () => {
  const s = await sim();
  s.inject({ kind: 'upgrade-status', status: 426 });
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Ok, out);
  assert.match(step(out, 'websocket'), /^FAIL.*HTTP 426/);
  assert.match(step(out, 'http'), /^WARN\s+http\s+gpt-5\.3-codex-spark answered "OK"/);
  assert.match(out, /verdict: OK with a warning: WebSockets were refused \(HTTP 426 at the upgrade\) but HTTP\/SSE works/);
  assert.equal(s.stats.httpRequests, 1);
});

test('check: WebSockets refused and HTTP/SSE failing too: exit 1 with both', async () => {
  const s = await sim();
  s.inject({ kind: 'upgrade-status', status: 503 });
  s.inject({ kind: 'error', status: 500, code: 'server_error', message: 'down' });
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: s.url } });
  assert.equal(code, CheckExit.Failed);
  assert.match(step(out, 'http'), /^FAIL/);
  assert.match(out, /verdict: FAIL: WebSockets were refused \(HTTP 503 at the upgrade\) and HTTP\/SSE failed too/);
});

test('check: a bad --base-url is a usage error naming the setting', async () => {
  const { code, out } = await check({ env: { OPENAI_API_KEY: KEY }, baseUrl: 'not a url' });
  assert.equal(code, CheckExit.Usage);
  assert.match(out, /verdict: FAIL: invalid setting spark\.baseUrl/);
});

test('check: the built CLI, --check --sim and --check without a key', { timeout: 30_000 }, async () => {
  assert.ok(existsSync(BUILT), `${BUILT} is missing: run npm run build`);
  const run = async (args: string[], env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, [BUILT, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    return { code, out };
  };
  const sim = await run(['--check', '--sim'], { PATH: process.env.PATH });
  assert.equal(sim.code, 0, sim.out);
  assert.match(sim.out, /^ok\s+key\s+from the bundled simulator/m);
  assert.match(sim.out, /^verdict: OK/m);
  const noKey = await run(['--check'], { PATH: process.env.PATH });
  assert.equal(noKey.code, 1, noKey.out);
  assert.match(noKey.out, /verdict: FAIL: no API key/);
  const usage = await run(['--check', '--stdio'], { PATH: process.env.PATH });
  assert.equal(usage.code, 2);
});

