// The spark-sim CLI: starts on --port 0 and prints its URL, serves a --script, stops on SIGTERM,
// and rejects bad flags with exit code 2.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'server/sim/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

function firstLine(child: ChildProcess): Promise<string> {
  const rl = createInterface({ input: child.stdout! });
  return new Promise((resolveLine, reject) => {
    rl.once('line', (line) => {
      rl.close();
      resolveLine(line);
    });
    child.once('exit', (code) => reject(new Error(`spark-sim exited (${code}) before printing its URL`)));
  });
}

test('spark-sim --port 0 prints its URL, serves a scripted reply, and exits on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spark-sim-cli-'));
  try {
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify({ replies: ['scripted reply one', { text: 'cut short', incomplete: true }] }));
    const child = spawnCli(['--port', '0', '--tokens-per-second', '0', '--script', script, '--api-key', 'sk-cli']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const line = await firstLine(child);
      const url = /(http:\/\/127\.0\.0\.1:(\d+)\/v1)/.exec(line)?.[1];
      assert.ok(url, `URL in ${JSON.stringify(line)}`);
      assert.notEqual(url.endsWith(':0/v1'), true);

      const res = await fetch(`${url}/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-cli', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5.3-codex-spark', input: 'hi', stream: true }),
      });
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /event: response\.completed\n/);
      const deltas = [...body.matchAll(/^data: (.*)$/gm)]
        .map((m) => JSON.parse(m[1] ?? '{}') as { type: string; delta?: string })
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join('');
      assert.equal(deltas, 'scripted reply one');

      const denied = await fetch(`${url}/responses`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
      assert.equal(denied.status, 401);
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spark-sim rejects an unknown flag with exit code 2 and names it', async () => {
  const { code, stderr } = await run(['--port', '0', '--bogus-flag']);
  assert.equal(code, 2);
  assert.match(stderr, /--bogus-flag/);
});

test('spark-sim rejects a bad flag value with exit code 2', async () => {
  const bad = await run(['--tokens-per-second', 'fast']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--tokens-per-second/);
  const missing = await run(['--port']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--port/);
});

test('spark-sim --help prints usage and exits 0', async () => {
  const { code, stdout } = await run(['--help']);
  assert.equal(code, 0);
  assert.match(stdout, /Usage: spark-sim/);
  assert.match(stdout, /--tokens-per-second/);
  for (const flag of ['--review-script', '--model-speed', '--refuse-model', '--deny-model', '--refuse-custom-tools', 'toolInput']) assert.ok(stdout.includes(flag), flag);
});

test('spark-sim serves a --review-script, a scripted patch, and refuses what --refuse-model / --refuse-custom-tools name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spark-sim-cli-'));
  try {
    const review = join(dir, 'review.json');
    writeFileSync(review, JSON.stringify({ files: { 'src/stats.ts': [{ title: '[P0] Crash on empty input', line_range: { start: 2, end: 3 } }] } }));
    const script = join(dir, 'script.json');
    writeFileSync(script, JSON.stringify({ replies: [{ toolInput: '*** Begin Patch\n*** End Patch\n' }] }));
    const child = spawnCli([
      '--port', '0', '--tokens-per-second', '0', '--review-script', review, '--script', script,
      '--model-speed', 'gpt-5.3-codex=0,0', '--refuse-model', 'gpt-9', '--refuse-custom-tools', 'gpt-5.3-codex',
    ]);
    const exited = once(child, 'exit');
    try {
      const url = /(http:\/\/\S+\/v1)/.exec(await firstLine(child))?.[1];
      assert.ok(url);
      const ask = (body: Record<string, unknown>) =>
        fetch(`${url}/responses`, { method: 'POST', headers: { authorization: 'Bearer sk', 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const format = { format: { type: 'json_schema', name: 'review', strict: true, schema: { type: 'object' } } };
      const reviewed = (await (await ask({ model: 'gpt-5.3-codex', input: 'review /home/u/p/src/stats.ts', text: format })).json()) as { output: { content: { text: string }[] }[] };
      const answer = JSON.parse(reviewed.output[0]?.content[0]?.text ?? '') as { findings: { priority: number; code_location: { absolute_file_path: string } }[] };
      assert.equal(answer.findings[0]?.priority, 0);
      assert.equal(answer.findings[0]?.code_location.absolute_file_path, '/home/u/p/src/stats.ts');

      const tool = { tools: [{ type: 'custom', name: 'apply_patch' }], tool_choice: { type: 'custom', name: 'apply_patch' } };
      const patched = (await (await ask({ model: 'gpt-5.3-codex-spark', input: 'x', ...tool })).json()) as { output: { type: string; input?: string }[] };
      assert.deepEqual([patched.output[0]?.type, patched.output[0]?.input], ['custom_tool_call', '*** Begin Patch\n*** End Patch\n']);

      assert.equal((await ask({ model: 'gpt-9', input: 'x' })).status, 400);
      const refused = await ask({ model: 'gpt-5.3-codex', input: 'x', ...tool });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { error: { param: string } }).error.param, 'tools');
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spark-sim rejects a malformed --model-speed or --review-script with exit code 2', async () => {
  const speed = await run(['--model-speed', 'gpt-5.3-codex']);
  assert.equal(speed.code, 2);
  assert.match(speed.stderr, /--model-speed/);
  const dir = mkdtempSync(join(tmpdir(), 'spark-sim-cli-'));
  try {
    const review = join(dir, 'review.json');
    writeFileSync(review, JSON.stringify({ files: { 'a.ts': [{ title: 'no range' }] } }));
    const bad = await run(['--review-script', review]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /line_range/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
