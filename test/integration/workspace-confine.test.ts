// Path confinement and reading on a real directory tree: what a patch may name, what may be read, and the
// check that a file did not change on disk since it was read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isSparkError, SparkErrorCode } from '../../server/spark/errors.js';
import { confineUri, refusalOf, resolvePatchPath } from '../../server/workspace/confine.js';
import type { WorkspacePolicy } from '../../server/workspace/policy.js';
import { ensureUnchanged, read, reread, unchanged } from '../../server/workspace/read.js';
import { tmpTree, type TmpTree } from '../support/tmp-tree.js';

const CAP = 1_024;
let t: TmpTree;
let policy: WorkspacePolicy;
let target: string;

before(async () => {
  t = await tmpTree({
    'ws/src/a.ts': 'export const a = 1;\n',
    'ws/src/crlf.ts': '\uFEFFline one\r\nline two\r\n',
    'ws/.env': 'TOKEN=do-not-send\n',
    'ws/.git/config': '[core]\n',
    'ws/big.txt': 'x'.repeat(CAP + 1),
    'ws/blob.dat': new Uint8Array([0x47, 0x49, 0x46, 0x00, 0x01]),
    'ws/latin1.txt': new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]),
    'ws/link-out': { symlink: '../outside/secret.txt' },
    'ws/dir-out': { symlink: '../outside' },
    'ws/link-in': { symlink: 'src/a.ts' },
    'ws/link-env': { symlink: '.env' },
    'ws/dangling': { symlink: 'nowhere/file.ts' },
    'ws2/b.ts': 'export const b = 2;\n',
    'outside/secret.txt': 'secret\n',
  });
  execFileSync('mkfifo', [t.path('ws/pipe')]);
  policy = { folders: [t.uri('ws'), t.uri('ws2')], exclude: ['secrets/**'], maxFileBytes: CAP };
  target = t.uri('ws/src/a.ts');
});
after(() => t.cleanup());

/** The refusal's message for a patch path, or 'ok' with whether the file exists. */
async function outcome(patchPath: string, p: WorkspacePolicy = policy, targetUri = target): Promise<string> {
  try {
    const c = await resolvePatchPath(p, targetUri, patchPath);
    return c.exists ? 'ok' : 'ok (new)';
  } catch (e) {
    assert.ok(isSparkError(e, SparkErrorCode.PathRefused), `${patchPath}: ${String(e)}`);
    assert.ok(e.message.includes(JSON.stringify(patchPath)), `the message names the path: ${e.message}`);
    return e.message.slice(e.message.indexOf('refused: ') + 'refused: '.length);
  }
}

test('patch paths: the confinement table', async () => {
  const table: [string, string | RegExp][] = [
    ['src/a.ts', 'ok'],
    ['./src/a.ts', 'ok'],
    ['src/new/deeper/b.ts', 'ok (new)'],
    [t.path('ws/src/a.ts'), 'ok'],
    [t.uri('ws/src/a.ts'), 'ok'],
    ['../ws2/b.ts', 'ok'],
    ['link-in', 'ok'],
    ['../outside/secret.txt', /leaves the workspace folders/],
    ['src/../../outside/new.ts', /leaves the workspace folders/],
    [t.path('outside/secret.txt'), /leaves the workspace folders/],
    ['/etc/passwd', /leaves the workspace folders/],
    ['link-out', /leads to .*outside.*secret\.txt, outside the workspace folders/],
    ['dir-out/new.ts', /leads to .*outside.*new\.ts, outside the workspace folders/],
    ['link-env', /leads to \.env .*content exclusion/],
    ['dangling', /symlink whose target does not exist/],
    ['.git/config', /under \.git\//],
    ['.git/hooks/post-checkout', /under \.git\//],
    ['src/.GIT/x', /under \.git\//],
    ['.env', /content exclusion/],
    ['config/.env.local', /content exclusion/],
    ['keys/server.pem', /content exclusion/],
    ['secrets/notes.txt', /content exclusion/],
    ['big.txt', /1025 bytes, over spark\.workspace\.maxFileBytes \(1024\)/],
    ['blob.dat', /binary/],
    ['pipe', /not a regular file/],
    ['src', /is a directory/],
    ['.', /workspace folder, not a file/],
    ['src/a.ts/inner.ts', /parent of it is a file/],
    ['', /empty/],
    ['src/a\u0000.ts', /control characters/],
  ];
  for (const [patchPath, expected] of table) {
    const got = await outcome(patchPath);
    if (typeof expected === 'string') assert.equal(got, expected, patchPath);
    else assert.match(got, expected, patchPath);
  }
});

test('a resolved patch path names the file as the folder spells it, relative to its folder', async () => {
  const c = await resolvePatchPath(policy, target, '../ws2/b.ts');
  assert.deepEqual(
    { uri: c.uri, folder: c.folder, relativePath: c.relativePath, exists: c.exists, size: c.size },
    { uri: t.uri('ws2/b.ts'), folder: t.uri('ws2'), relativePath: 'b.ts', exists: true, size: 20 },
  );
  const spaced = await resolvePatchPath(policy, target, 'src/new dir/a#1.ts');
  assert.equal(spaced.uri, `${t.uri('ws')}/src/new%20dir/a%231.ts`);
  assert.equal(spaced.fsPath, t.path('ws/src/new dir/a#1.ts'));
  const linked = await resolvePatchPath(policy, target, 'link-in');
  assert.equal(linked.realPath, t.path('ws/src/a.ts'));
});

test('without workspace folders only the target itself may be named', async () => {
  const none: WorkspacePolicy = { ...policy, folders: [] };
  assert.equal(await outcome('a.ts', none), 'ok');
  assert.equal(await outcome(t.path('ws/src/a.ts'), none), 'ok');
  assert.match(await outcome('other.ts', none), /only .*a\.ts itself may be edited/);
  assert.match(await outcome('a.ts', policy, t.uri('outside/secret.txt')), /target .* is outside the workspace folders/);
});

test('document URIs: the loud check resolves symlinks, the quiet one is lexical', async () => {
  const refused = async (uri: string, p = policy) =>
    confineUri(p, uri).then(
      () => undefined,
      (e: unknown) => (isSparkError(e, SparkErrorCode.PathRefused) ? e.message : String(e)),
    );
  assert.equal(await refused(t.uri('ws/src/a.ts')), undefined);
  assert.equal(await refused(t.uri('ws/src/unsaved-new.ts')), undefined);
  assert.match((await refused(t.uri('ws/link-out')))!, /outside the workspace folders/);
  assert.match((await refused(t.uri('ws/.env')))!, /content exclusion/);
  assert.match((await refused(t.uri('outside/secret.txt')))!, /leaves the workspace folders/);
  assert.match((await refused('untitled:Untitled-1'))!, /not a file on disk/);
  assert.equal(await refused(t.uri('outside/secret.txt'), { ...policy, folders: [] }), undefined, 'no folders: any document');
  assert.match((await refused(t.uri('outside/.env'), { ...policy, folders: [] }))!, /content exclusion/);
  const c = await confineUri(policy, `${t.uri('ws/src')}/%61.ts`);
  assert.equal(c.uri, `${t.uri('ws/src')}/%61.ts`, 'the URI stays as the client wrote it');

  const quiet: [string, WorkspacePolicy, string | undefined][] = [
    [t.uri('ws/src/a.ts'), policy, undefined],
    [t.uri('ws/link-out'), policy, undefined], // lexical only: read() and confineUri() refuse it
    [t.uri('ws/.env'), policy, 'content exclusion'],
    [t.uri('ws/.git/COMMIT_EDITMSG'), policy, 'under .git/'],
    [t.uri('outside/secret.txt'), policy, 'outside the workspace folders'],
    ['untitled:Untitled-1', policy, 'outside the workspace folders'],
    ['untitled:Untitled-1', { ...policy, folders: [] }, undefined],
    [t.uri('outside/secret.txt'), { ...policy, folders: [] }, undefined],
  ];
  for (const [uri, p, reason] of quiet) {
    const got = refusalOf(p, uri);
    if (reason === undefined) assert.equal(got, undefined, uri);
    else assert.ok(got?.includes(reason), `${uri}: ${got}`);
  }
});

test('read: a snapshot of text files; refusals name the file', async () => {
  const s = await read(policy, t.uri('ws/src/crlf.ts'));
  assert.equal(s.text, 'line one\r\nline two\r\n', 'byte order mark dropped, line endings kept');
  assert.equal(s.size, 23);
  assert.match(s.hash, /^[0-9a-f]{64}$/);
  assert.equal(s.uri, t.uri('ws/src/crlf.ts'));
  assert.equal((await read(policy, t.uri('ws/link-in'))).text, 'export const a = 1;\n');

  const table: [string, RegExp][] = [
    ['ws/big.txt', /over spark\.workspace\.maxFileBytes/],
    ['ws/blob.dat', /binary/],
    ['ws/latin1.txt', /not UTF-8/],
    ['ws/.env', /content exclusion/],
    ['ws/.git/config', /under \.git/],
    ['ws/link-out', /outside the workspace folders/],
    ['ws/missing.ts', /does not exist/],
    ['ws/pipe', /not a regular file/],
    ['ws/src', /is a directory/],
    ['outside/secret.txt', /leaves the workspace folders/],
  ];
  for (const [relative, reason] of table) {
    await assert.rejects(read(policy, t.uri(relative)), (e: unknown) => {
      assert.ok(isSparkError(e, SparkErrorCode.PathRefused), relative);
      assert.match(e.message, reason, relative);
      assert.ok(e.message.includes(path.basename(t.path(relative))), `names the file: ${e.message}`);
      assert.ok(!e.message.includes('do-not-send') && !e.message.includes('secret\n'), 'never the content');
      return true;
    });
  }
});

test('the change check compares content, not the modification time', async () => {
  const file = t.path('ws/src/mutable.ts');
  const when = 1_700_000_000; // whole seconds, so the time survives utimes exactly
  await t.write('ws/src/mutable.ts', 'const v = 1;\n');
  await fs.utimes(file, when, when);
  const uri = t.uri('ws/src/mutable.ts');
  const s = await read(policy, uri);
  assert.equal(await unchanged(policy, s), true);
  await ensureUnchanged(policy, s);

  await fs.writeFile(file, 'const v = 2;\n');
  await fs.utimes(file, when, when);
  const same = await fs.stat(file);
  assert.equal(same.mtimeMs, s.mtimeMs, 'same size and modification time as when read');
  assert.equal(await unchanged(policy, s), false);
  await assert.rejects(ensureUnchanged(policy, s), (e: unknown) => isSparkError(e, SparkErrorCode.Stale) && e.message.includes('mutable.ts'));
  const fresh = await reread(policy, s);
  assert.equal(fresh.text, 'const v = 2;\n');
  assert.notEqual(fresh.hash, s.hash);

  await fs.rm(file);
  assert.equal(await unchanged(policy, fresh), false, 'a deleted file has changed');
  await t.write('ws/src/mutable.ts', 'const v = 2;\n');
  assert.equal(await unchanged(policy, fresh), true, 'the same bytes again');
});
