// The settings schema: defaults, layered validation that keeps the last good config, endpoint resolution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySettings, DEFAULT_CONFIG, resolveEndpoint } from '../../server/config/schema.js';

test('defaults match the fixed contract', () => {
  assert.equal(DEFAULT_CONFIG.model, 'gpt-5.3-codex-spark');
  assert.equal(DEFAULT_CONFIG.transport, 'auto');
});

test('a valid update replaces the config; missing keys take their defaults', () => {
  const previous = applySettings(DEFAULT_CONFIG, { poolSize: 3 }).config;
  const { config, warnings } = applySettings(previous, { completion: { timeoutMs: 900 } });
  assert.deepEqual(warnings, []);
  assert.equal(config.completion.timeoutMs, 900);
  assert.equal(config.poolSize, 2);
});

test('bad values and unknown keys keep the previous config and name each setting', () => {
  const previous = applySettings(DEFAULT_CONFIG, { poolSize: 3 }).config;
  const check = (raw: unknown, expected: RegExp[]) => {
    const { config, warnings } = applySettings(previous, raw);
    assert.equal(config, previous);
    assert.equal(warnings.length, expected.length, warnings.join('\n'));
    expected.forEach((re, i) => assert.match(warnings[i]!, re));
  };
  check({ poolSize: 'two' }, [/spark\.poolSize/]);
  check({ poolSize: 0 }, [/spark\.poolSize/]);
  check({ lanesPerConnection: 17 }, [/spark\.lanesPerConnection/]);
  check({ transport: 'carrier-pigeon' }, [/spark\.transport/]);
  check({ baseUrl: 'ftp://example.com' }, [/spark\.baseUrl/]);
  check({ completion: { timeoutMs: 1, enabled: 'yes' } }, [/spark\.completion\.enabled/, /spark\.completion\.timeoutMs/]);
  check({ completoin: {} }, [/unknown setting spark\.completoin/]);
  check('not an object', [/spark/]);
});

test('null or missing settings change nothing', () => {
  assert.deepEqual(applySettings(DEFAULT_CONFIG, null), { config: DEFAULT_CONFIG, warnings: [] });
  assert.deepEqual(applySettings(DEFAULT_CONFIG, undefined), { config: DEFAULT_CONFIG, warnings: [] });
});

test('the endpoint comes from settings, then the environment, then the default', () => {
  const env = { OPENAI_API_KEY: ' sk-env ', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/' };
  assert.deepEqual(resolveEndpoint(DEFAULT_CONFIG, env), { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-env' });
  assert.deepEqual(resolveEndpoint(DEFAULT_CONFIG, {}), { baseUrl: 'https://api.openai.com/v1', apiKey: undefined });
  const set = applySettings(DEFAULT_CONFIG, { baseUrl: 'https://proxy.example/v1', apiKey: 'sk-set' }).config;
  assert.deepEqual(resolveEndpoint(set, env), { baseUrl: 'https://proxy.example/v1', apiKey: 'sk-set' });
  assert.equal(resolveEndpoint(DEFAULT_CONFIG, { OPENAI_API_KEY: '  ' }).apiKey, undefined);
});
