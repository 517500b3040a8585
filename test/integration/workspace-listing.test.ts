// Listing a workspace on a real directory tree: gitignore semantics (checked against git itself), content
// exclusions, binaries, the size cap, symlinks, nested folders and the bounds; and the same listing made on a
// worker thread.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { afterEach, test } from 'node:test';
import { listFolder, listWorkspace } from '../../server/workspace/listing.js';
import { listWorkspaceOffThread } from '../../server/workspace/listing-thread.js';
import type { WorkspacePolicy } from '../../server/workspace/policy.js';
import { tmpTree, type TmpTree } from '../support/tmp-tree.js';

let t: TmpTree | undefined;
/** git without the user's or the system's configuration (a global excludesFile would change its answer). */
const GIT_ENV = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
afterEach(async () => t?.cleanup());

const policyFor = (tree: TmpTree, folders: string[], extra: Partial<WorkspacePolicy> = {}): WorkspacePolicy => ({
  folders: folders.map((f) => tree.uri(f)),
  exclude: [],
  maxFileBytes: 1_024,
  ...extra,
});

/** Ignore rules of every kind git has: nested files, negation, directory-only and anchored patterns, info/exclude. */
const GITIGNORE_TREE = {
  '.gitignore': ['node_modules/', '*.log', 'build', '!keep.log', '/rootonly.txt', 'docs/', 'tmp/*', '!tmp/wanted.txt', ''].join('\n'),
  '.git/info/exclude': 'local-only.txt\n',
  'src/main.ts': 'main\n',
  'node_modules/pkg/index.js': 'module\n',
  'a.log': 'log\n',
  'keep.log': 'kept by negation\n',
  'build/out.js': 'out\n',
  'src/build/nested.js': 'a directory named build anywhere\n',
  'rootonly.txt': 'anchored\n',
  'src/rootonly.txt': 'not anchored here\n',
  'docs/readme.md': 'a docs directory\n',
  'src/docs': 'a file named docs, not a directory\n',
  'tmp/scratch.txt': 'ignored\n',
  'tmp/wanted.txt': 're-included\n',
  'local-only.txt': 'info/exclude\n',
  'pkg/.gitignore': ['*.gen.ts', '!important.gen.ts', '!debug.log', ''].join('\n'),
  'pkg/x.gen.ts': 'generated\n',
  'pkg/deep/y.gen.ts': 'generated deeper\n',
  'pkg/important.gen.ts': 're-included\n',
  'pkg/debug.log': 'a deeper negation beats the root rule\n',
  'other/x.gen.ts': 'nested rules apply only below their folder\n',
};

test('gitignore semantics match git: nested files, negation, directories, anchors, info/exclude', async () => {
  t = await tmpTree({ 'ws/README.md': 'readme\n' });
  execFileSync('git', ['init', '-q', t.path('ws')], { env: GIT_ENV });
  for (const [relative, text] of Object.entries(GITIGNORE_TREE)) await t.write(`ws/${relative}`, text);
  const [listing] = await listWorkspace(policyFor(t, ['ws']));
  const byGit = execFileSync('git', ['ls-files', '--others', '--exclude-standard'], { cwd: t.path('ws'), env: GIT_ENV, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .sort();
  assert.deepEqual(listing!.files, byGit);
  // And the expectation spelled out, so the test does not lean on git alone.
  assert.deepEqual(listing!.files, [
    '.gitignore',
    'README.md',
    'keep.log',
    'other/x.gen.ts',
    'pkg/.gitignore',
    'pkg/debug.log',
    'pkg/important.gen.ts',
    'src/docs',
    'src/main.ts',
    'src/rootonly.txt',
    'tmp/wanted.txt',
  ]);
  assert.equal(listing!.truncated, undefined);
});

test('exclusions, binaries, oversized files, symlinks and nested workspace folders stay out', async () => {
  t = await tmpTree({
    'ws/src/a.ts': 'a\n',
    'ws/.env': 'TOKEN=x\n',
    'ws/certs/server.pem': 'pem\n',
    'ws/private/notes.md': 'user exclusion\n',
    'ws/logo.png': 'not really a png\n',
    'ws/big.txt': 'x'.repeat(1_025),
    'ws/edge.txt': 'x'.repeat(1_024),
    'ws/link-in': { symlink: 'src/a.ts' },
    'ws/link-out': { symlink: '../outside/secret.txt' },
    'ws/link-env': { symlink: '.env' },
    'ws/dir-link': { symlink: 'src' },
    'ws/dir-out': { symlink: '../outside' },
    'ws/.git/HEAD': 'ref: refs/heads/main\n',
    'ws/inner/b.ts': 'b\n',
    'outside/secret.txt': 'secret\n',
  });
  const policy = policyFor(t, ['ws', 'ws/inner'], { exclude: ['private/**'] });
  const [outer, inner] = await listWorkspace(policy);
  assert.deepEqual(outer!.files, ['edge.txt', 'link-in', 'src/a.ts']);
  assert.deepEqual(inner!.files, ['b.ts']);
  assert.equal(outer!.folder, t.uri('ws'));
});

test('a missing folder lists nothing; the bounds cut a listing short and say so', async () => {
  t = await tmpTree(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`ws/d${i % 3}/f${i}.ts`, `${i}\n`])));
  const [missing] = await listWorkspace(policyFor(t, ['nope']));
  assert.deepEqual(missing!.files, []);
  const policy = policyFor(t, ['ws']);
  const full = await listFolder(policy, { uri: t.uri('ws'), fsPath: t.path('ws') });
  assert.equal(full.files.length, 30);
  assert.equal(full.truncated, undefined);
  const capped = await listFolder(policy, { uri: t.uri('ws'), fsPath: t.path('ws') }, { maxFiles: 7 });
  assert.equal(capped.files.length, 7);
  assert.equal(capped.truncated, 'files');
  assert.ok(capped.files.every((f) => full.files.includes(f)));
  const timed = await listFolder(policy, { uri: t.uri('ws'), fsPath: t.path('ws') }, { timeBudgetMs: -1 });
  assert.deepEqual(timed.files, []);
  assert.equal(timed.truncated, 'time');
});

/** Paths, and whether each is asked about as a directory, that the rules of GITIGNORE_TREE decide in different ways. */
const PROBES: [string, boolean][] = [
  ['a.log', false],
  ['keep.log', false],
  ['build', true],
  ['src/build', true],
  ['docs', true],
  ['src/docs', false],
  ['tmp/scratch.txt', false],
  ['tmp/wanted.txt', false],
  ['local-only.txt', false],
  ['pkg/x.gen.ts', false],
  ['pkg/important.gen.ts', false],
  ['pkg/debug.log', false],
  ['other/x.gen.ts', false],
  ['new.log', false],
  ['pkg/deeper/z.gen.ts', false],
];

test('on a worker thread: the same files, the same truncation and ignore rules that decide alike', async () => {
  t = await tmpTree({ 'ws/README.md': 'readme\n' });
  for (const [relative, text] of Object.entries(GITIGNORE_TREE)) await t.write(`ws/${relative}`, text);
  const policy = policyFor(t, ['ws']);
  const fallbacks: string[] = [];
  for (const limits of [{}, { maxFiles: 3 }]) {
    const [here] = await listWorkspace(policy, limits);
    const [there] = await listWorkspaceOffThread(policy, limits, (why) => fallbacks.push(why));
    assert.deepEqual(there!.files, here!.files);
    assert.equal(there!.truncated, here!.truncated);
    assert.equal(there!.folder, here!.folder);
    for (const [path, isDir] of PROBES) assert.equal(there!.rules.ignores(path, isDir), here!.rules.ignores(path, isDir), path);
  }
  assert.deepEqual(fallbacks, []);
  // The probes are not all alike: the comparison above can tell rules apart.
  const [here] = await listWorkspace(policy);
  assert.deepEqual(new Set(PROBES.map(([path, isDir]) => here!.rules.ignores(path, isDir))), new Set([true, false]));
});

test('when the listing thread cannot run, the listing is made here and says why', async () => {
  t = await tmpTree({ 'ws/a.ts': 'a\n', 'ws/b.ts': 'b\n' });
  const fallbacks: string[] = [];
  const [listing] = await listWorkspaceOffThread(policyFor(t, ['ws']), {}, (why) => fallbacks.push(why), new URL('./no-such-worker.js', import.meta.url));
  assert.deepEqual(listing!.files, ['a.ts', 'b.ts']);
  assert.equal(fallbacks.length, 1);
  assert.match(fallbacks[0]!, /listing thread/);
  // Without a folder on disk there is nothing to walk, and no thread is started for it.
  assert.deepEqual(await listWorkspaceOffThread({ ...policyFor(t, []), folders: ['untitled:x'] }, {}, (why) => fallbacks.push(why), new URL('./no-such-worker.js', import.meta.url)), []);
  assert.equal(fallbacks.length, 1);
});
