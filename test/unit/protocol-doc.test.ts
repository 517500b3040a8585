// Keeps protocol.md honest: settings with defaults, commands, error codes and capabilities match the code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_CONFIG, settingPaths } from '../../server/config/schema.js';
import { serverCapabilities } from '../../server/lsp/capabilities.js';
import { COMMANDS } from '../../server/lsp/commands.js';
import { SparkErrorCode } from '../../server/spark/errors.js';
import { VERSION } from '../../server/version.js';

const doc = readFileSync(new URL('../../protocol.md', import.meta.url), 'utf8');

function defaultOf(path: string): unknown {
  return path
    .split('.')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], DEFAULT_CONFIG);
}

test('every setting is documented with its default, and every documented setting exists', () => {
  const rows = new Map([...doc.matchAll(/^\| `(spark\.[\w.]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1]!, m[2]!]));
  const paths = settingPaths();
  for (const path of paths) {
    assert.ok(rows.has(path), `${path} is missing from protocol.md`);
    assert.equal(rows.get(path), JSON.stringify(defaultOf(path)), `default of ${path}`);
  }
  assert.deepEqual([...rows.keys()].sort(), [...paths].sort());
});

test('every command and error code is documented, and nothing else', () => {
  for (const command of COMMANDS) assert.match(doc, new RegExp(`### \`${command.replace('.', '\\.')}\``));
  const codes = Object.values(SparkErrorCode);
  const documented = new Set([...doc.matchAll(/`(SPARK_ERR_[A-Z_]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...documented].sort(), [...codes].sort());
});

test('every announced capability is documented', () => {
  for (const key of Object.keys(serverCapabilities())) assert.match(doc, new RegExp(`\\| \`${key}\` \\|`), key);
});

test('the reported version is the package version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
});
