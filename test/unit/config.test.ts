// The settings schema: defaults, layered validation that keeps the last good config, endpoint resolution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySettings, DEFAULT_CONFIG, insecureEndpoint, resolveBaseUrl } from '../../server/config/schema.js';

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

test('the base URL comes from settings, then the environment, then the default', () => {
  const env = { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/' };
  assert.equal(resolveBaseUrl(DEFAULT_CONFIG, env), 'http://127.0.0.1:9/v1');
  assert.equal(resolveBaseUrl(DEFAULT_CONFIG, {}), 'https://api.openai.com/v1');
  assert.equal(resolveBaseUrl(DEFAULT_CONFIG, { OPENAI_BASE_URL: '  ' }), 'https://api.openai.com/v1');
  const set = applySettings(DEFAULT_CONFIG, { baseUrl: 'https://proxy.example/v1' }).config;
  assert.equal(resolveBaseUrl(set, env), 'https://proxy.example/v1');
});

test('plaintext endpoints are refused unless on loopback or explicitly allowed', () => {
  const table: [string, boolean, RegExp | undefined][] = [
    ['https://api.openai.com/v1', false, undefined],
    ['wss://api.openai.com/v1', false, undefined],
    ['http://127.0.0.1:8787/v1', false, undefined],
    ['http://127.3.4.5/v1', false, undefined],
    ['http://localhost:8787/v1', false, undefined],
    ['http://[::1]:8787/v1', false, undefined],
    ['http://proxy.internal/v1', false, /plaintext http:\/\/proxy\.internal.*spark\.allowInsecureTransport/],
    ['ws://10.0.0.2:80/v1', false, /plaintext ws:/],
    ['http://127.0.0.1.example.com/v1', false, /plaintext/],
    ['http://proxy.internal/v1', true, undefined],
  ];
  for (const [url, allow, expected] of table) {
    const problem = insecureEndpoint(url, allow);
    if (expected) assert.match(problem ?? '', expected, url);
    else assert.equal(problem, undefined, url);
  }
});
