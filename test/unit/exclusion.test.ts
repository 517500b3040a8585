// Content exclusion: the built-in secret patterns and the user's globs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isExcluded } from '../../server/context/exclusion.js';

const WS = ['file:///work/app'];

test('built-in patterns keep secrets out wherever they are', () => {
  const table: [string, boolean][] = [
    ['file:///work/app/.env', true],
    ['file:///work/app/config/.env.local', true],
    ['file:///work/app/certs/server.pem', true],
    ['file:///work/app/tls.key', true],
    ['file:///home/me/.ssh/id_rsa', true],
    ['file:///home/me/.ssh/id_rsa.pub', true],
    ['file:///work/app/src/env.ts', false],
    ['file:///work/app/src/keyboard.ts', false],
    ['file:///work/app/src/main.ts', false],
    ['untitled:Untitled-1', false],
  ];
  for (const [uri, expected] of table) assert.equal(isExcluded(uri, [], WS), expected, uri);
});

test('user globs: names anywhere, paths relative to the workspace folder', () => {
  const patterns = ['*.secret.ts', 'private/**', 'src/generated/*.ts'];
  const table: [string, boolean][] = [
    ['file:///work/app/src/db.secret.ts', true],
    ['file:///work/app/private/notes.md', true],
    ['file:///work/app/private/deep/x.ts', true],
    ['file:///work/app/src/generated/api.ts', true],
    ['file:///work/app/src/generated/nested/api.ts', false],
    ['file:///work/app/src/private.ts', false],
    ['file:///work/app/src/My%20File.secret.ts', true],
    ['file:///work/app/src/bad%E0%A4%A.ts', false],
  ];
  for (const [uri, expected] of table) assert.equal(isExcluded(uri, patterns, WS), expected, uri);
});
