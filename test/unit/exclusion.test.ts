// Content exclusion: the built-in secret patterns and the user's globs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import picomatch from 'picomatch';
import { BUILT_IN_EXCLUDES, isExcluded, isExcludedPath } from '../../server/context/exclusion.js';

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

test('the compiled matcher answers as picomatch\'s own matcher does, for names and for paths', () => {
  // The patterns of the tests above and the kinds users write: braces, classes, globstars, negated classes, and a
  // group, which matches its own text only by being equal to it.
  const patterns = ['*.secret.ts', 'private/**', 'src/generated/*.ts', '*.{log,tmp}', 'build/**/*.map', '[Tt]est?.ts', 'a/[!b]*/c', '**/fixtures/**', 'docs/*.md', 'notes/(draft).md'];
  const paths = [
    '.env', '.env.local', 'config/.env.production', 'x.pem', 'certs/server.pem', 'tls.key', 'id_rsa', 'id_rsa.pub', 'keyboard.ts',
    'src/db.secret.ts', 'private/notes.md', 'private', 'src/generated/api.ts', 'src/generated/nested/api.ts', 'run.log', 'a.tmp',
    'build/x/y/z.js.map', 'build/z.map', 'Test1.ts', 'test12.ts', 'a/x/c', 'a/b/c', 'a/bx/c', 'lib/fixtures/data.json', 'fixtures/a',
    'docs/readme.md', 'docs/a/readme.md', '.hidden/private/x', 'src/.env', 'src/main.ts', 'My File.secret.ts', '',
    // dot files: matched by `*` and `**` here
    '.key', 'private/.credentials', 'build/.cache/x.map', 'notes/(draft).md', 'notes/draft.md',
  ];
  const options = { dot: true, nocase: process.platform === 'win32' };
  const byName = picomatch([...BUILT_IN_EXCLUDES, ...patterns].filter((p) => !p.includes('/')), options);
  const byPath = picomatch([...BUILT_IN_EXCLUDES, ...patterns].filter((p) => p.includes('/')), options);
  let excluded = 0;
  for (const path of paths) {
    const expected = byName(path.slice(path.lastIndexOf('/') + 1)) || byPath(path);
    assert.equal(isExcludedPath(path, patterns), expected, path);
    if (expected) excluded++;
  }
  assert.ok(excluded > 10 && excluded < paths.length - 5, `both verdicts occur (${excluded} of ${paths.length} excluded)`);
});

test('the user patterns are read again when the settings bring a new list with the same patterns, or other ones', () => {
  assert.equal(isExcludedPath('notes/draft.md', ['notes/**']), true);
  assert.equal(isExcludedPath('notes/draft.md', ['notes/**']), true);
  assert.equal(isExcludedPath('notes/draft.md', ['other/**']), false);
  assert.equal(isExcludedPath('notes/draft.md', []), false);
});
