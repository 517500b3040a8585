// Shared set-up of the end-to-end tests: spark-sim on port 0, a scratch workspace, a `spark-lsp` on PATH
// that runs the built server, and a time-bounded editor run. A missing editor fails the test (never skips).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../../server/sim/index.js';
import type { SimOptions, SparkSim } from '../../server/sim/api.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENTS = join(ROOT, 'clients');
const BIN = join(ROOT, 'dist/server/main.js');

export const EDITORS = {
  nvim012: { bin: '/opt/nvim-0.12/bin/nvim', install: 'bash ../shared/tools/build-nvim-0.12.sh (run by .ci/run)' },
  nvim07: { bin: '/usr/bin/nvim', install: 'apt-get install -y neovim' },
  emacs: { bin: '/usr/bin/emacs', install: 'apt-get install -y --no-install-recommends emacs-nox elpa-eglot elpa-lsp-mode' },
} as const;

/** The editor's binary; throws (failing the test) with the install command when it is missing. */
export function editor(name: keyof typeof EDITORS): string {
  const { bin, install } = EDITORS[name];
  if (!existsSync(bin)) throw new Error(`${bin} is missing; install it with: ${install}`);
  return bin;
}

export interface Workspace {
  dir: string;
  sim: SparkSim;
  /** Environment for the editor: PATH with `spark-lsp`, the key, the simulator's URL, a private HOME. */
  env: NodeJS.ProcessEnv;
  path(file: string): string;
  close(): Promise<void>;
}

export async function workspace(files: Record<string, string>, simOptions: SimOptions = {}): Promise<Workspace> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build`);
  // Reviews (after every applied edit, on by default) find nothing unless a test scripts findings: they never
  // take the replies a test queued for Spark.
  const sim = await startSim({ tokensPerSecond: 0, reviewer: () => [], ...simOptions });
  const dir = await mkdtemp(join(tmpdir(), 'spark-e2e-'));
  const bin = join(dir, '.bin');
  const home = join(dir, '.home');
  await mkdir(bin);
  await mkdir(home);
  const shim = join(bin, 'spark-lsp');
  await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(shim, 0o755);
  const work = join(dir, 'work');
  await mkdir(work);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(work, name)), { recursive: true });
    await writeFile(join(work, name), text);
  }
  return {
    dir: work,
    sim,
    env: {
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_STATE_HOME: join(home, '.state'),
      XDG_DATA_HOME: join(home, '.data'),
      OPENAI_API_KEY: 'sk-e2e-not-a-real-key',
      OPENAI_BASE_URL: sim.url,
      SPARK_CLIENTS: CLIENTS,
      TERM: 'dumb',
      LANG: 'C.UTF-8',
    },
    path: (file) => join(work, file),
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface EditorRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an editor to completion; past `timeoutMs` it is killed and the promise rejects with what it printed. */
export function runEditor(bin: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<EditorRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${bin} did not finish within ${options.timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a recorded request is a review (structured output for the review model), not a request to Spark. */
export const isReviewRequest = (body: Record<string, unknown>): boolean =>
  (body.text as { format?: { type?: string } } | undefined)?.format?.type === 'json_schema';

/**
 * Runs an Emacs batch script of test/e2e/emacs/ in the workspace and checks what every client script shares:
 * it exited 0 after saving, and each request Spark got named its model and `store: false`.
 * Returns those requests (warm-ups, `generate: false`, carry the file and are left out, and so are reviews).
 */
export async function runEmacsScript(ws: Workspace, script: string): Promise<Record<string, unknown>[]> {
  const run = await runEditor(editor('emacs'), ['--batch', '-Q', '-l', join(ROOT, 'test/e2e/emacs', script)], { cwd: ws.dir, env: ws.env, timeoutMs: 60_000 });
  const log = `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
  assert.equal(run.code, 0, log);
  assert.match(run.stderr, /step: saved/, log);
  const requests = ws.sim.stats.creates.filter((c) => c.body.generate !== false && !isReviewRequest(c.body)).map((c) => c.body);
  for (const body of requests) {
    assert.equal(body.model, 'gpt-5.3-codex-spark');
    assert.equal(body.store, false);
  }
  return requests;
}
