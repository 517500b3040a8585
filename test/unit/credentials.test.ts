// Where the API key comes from, and that a failing key command never echoes what it printed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySettings, DEFAULT_CONFIG } from '../../server/config/schema.js';
import { resolveApiKey } from '../../server/credentials.js';

const withSettings = (raw: Record<string, unknown>) => applySettings(DEFAULT_CONFIG, raw).config;

test('the setting wins, then the command, then the environment', async () => {
  const env = { OPENAI_API_KEY: 'sk-env', PATH: process.env.PATH };
  assert.deepEqual(await resolveApiKey(withSettings({ apiKey: 'sk-set', apiKeyCommand: 'echo sk-cmd' }), env), { key: 'sk-set', source: 'setting' });
  assert.deepEqual(await resolveApiKey(withSettings({ apiKeyCommand: 'echo sk-cmd' }), env), { key: 'sk-cmd', source: 'command' });
  assert.deepEqual(await resolveApiKey(DEFAULT_CONFIG, env), { key: 'sk-env', source: 'environment' });
  assert.deepEqual(await resolveApiKey(DEFAULT_CONFIG, {}), { key: undefined, problem: 'OPENAI_API_KEY is not set' });
});

test('a key command that fails or prints nothing is reported without its output', async () => {
  const env = { PATH: process.env.PATH };
  const failing = await resolveApiKey(withSettings({ apiKeyCommand: 'echo sk-leaked; exit 3' }), env);
  assert.equal(failing.key, undefined);
  assert.ok('problem' in failing);
  assert.match(failing.problem, /spark\.apiKeyCommand failed \(exit status 3\)/);
  assert.doesNotMatch(failing.problem, /sk-leaked/);
  const silent = await resolveApiKey(withSettings({ apiKeyCommand: 'true' }), env);
  assert.ok('problem' in silent && /printed nothing/.test(silent.problem));
});

test('only the first line the command prints is the key', async () => {
  const result = await resolveApiKey(withSettings({ apiKeyCommand: "printf '  sk-first  \\nsecond\\n'" }), { PATH: process.env.PATH });
  assert.deepEqual(result, { key: 'sk-first', source: 'command' });
});
