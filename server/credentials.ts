// The API key, wherever the user keeps it: settings, a command that prints it (spark.apiKeyCommand), or
// $OPENAI_API_KEY. Errors say what failed without ever quoting what the command printed.
import { exec } from 'node:child_process';
import type { Config } from './config/schema.js';

export type KeySource = 'setting' | 'command' | 'environment';

export type KeyResult = { key: string; source: KeySource } | { key: undefined; problem: string };

/** How long spark.apiKeyCommand may run (ms). */
const COMMAND_TIMEOUT_MS = 10_000;

export async function resolveApiKey(config: Config, env: NodeJS.ProcessEnv): Promise<KeyResult> {
  if (config.apiKey) return { key: config.apiKey, source: 'setting' };
  if (config.apiKeyCommand) {
    const printed = await run(config.apiKeyCommand, env);
    if ('problem' in printed) return { key: undefined, problem: `spark.apiKeyCommand ${printed.problem}` };
    return { key: printed.key, source: 'command' };
  }
  const fromEnv = env.OPENAI_API_KEY?.trim();
  if (fromEnv) return { key: fromEnv, source: 'environment' };
  return { key: undefined, problem: 'OPENAI_API_KEY is not set' };
}

function run(command: string, env: NodeJS.ProcessEnv): Promise<{ key: string } | { problem: string }> {
  return new Promise((resolve) => {
    exec(command, { env, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024, windowsHide: true }, (error, stdout) => {
      if (error) {
        const why = error.killed ? `did not finish within ${COMMAND_TIMEOUT_MS / 1000} s` : `failed (exit status ${String(error.code ?? 'unknown')})`;
        resolve({ problem: why });
        return;
      }
      const key = stdout.split(/\r?\n/, 1)[0]?.trim() ?? '';
      resolve(key ? { key } : { problem: 'printed nothing' });
    });
  });
}
