// The workspace index on a real directory tree: watched-file events folded in, lazy rebuilds when stale
// or invalidated, and a 10,000-file workspace indexed whole (its timing lives in npm run bench).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { afterEach, test } from 'node:test';
import type { ListingLimits } from '../../server/workspace/listing.js';
import type { WorkspacePolicy } from '../../server/workspace/policy.js';
import { WorkspaceIndex, type IndexChange } from '../../server/workspace/workspace-index.js';
import { tmpTree, type TmpTree } from '../support/tmp-tree.js';

let t: TmpTree | undefined;
let index: WorkspaceIndex | undefined;
afterEach(async () => {
  index?.dispose();
  await t?.cleanup();
});

const CREATED = 1;
const CHANGED = 2;
const DELETED = 3;

function setup(tree: TmpTree, extra: Partial<WorkspacePolicy> = {}, limits: ListingLimits = {}) {
  const clock = { now: 1_000_000 };
  let policy: WorkspacePolicy = { folders: [tree.uri('ws')], exclude: [], maxFileBytes: 1_024, ...extra };
  const changes: IndexChange[] = [];
  const errors: string[] = [];
  const ix = new WorkspaceIndex({ policy: () => policy, now: () => clock.now, staleAfterMs: 30_000, watchedStaleAfterMs: 600_000, limits, onError: (m) => errors.push(m) });
  ix.onDidChange((c) => changes.push(c));
  index = ix;
  return {
    ix,
    clock,
    changes,
    errors,
    setPolicy: (p: Partial<WorkspacePolicy>) => (policy = { ...policy, ...p }),
    files: async () => (await ix.ready()).folders[0]!.files,
  };
}

test('file events keep the index current: created, changed, deleted files and directories, by the same rules as the listing', async () => {
  t = await tmpTree({
    'ws/.gitignore': '*.log\nnode_modules/\n',
    'ws/src/a.ts': 'a\n',
    'ws/src/sub/one.ts': '1\n',
    'ws/src/sub/two.ts': '2\n',
    'ws/README.md': 'readme\n',
  });
  const { ix, changes, files } = setup(t);
  assert.deepEqual(await files(), ['.gitignore', 'README.md', 'src/a.ts', 'src/sub/one.ts', 'src/sub/two.ts']);
  const first = ix.current()!;

  await t.write('ws/src/new.ts', 'new\n');
  await t.write('ws/debug.log', 'ignored\n');
  await t.write('ws/node_modules/pkg/index.js', 'ignored directory\n');
  await t.write('ws/.env', 'excluded\n');
  await t.write('ws/icon.png', 'binary by extension\n');
  ix.applyChanges(['src/new.ts', 'debug.log', 'node_modules/pkg/index.js', '.env', 'icon.png'].map((f) => ({ uri: t!.uri(`ws/${f}`), type: CREATED })));
  await ix.settled();
  assert.deepEqual(changes, [{ created: [t.uri('ws/src/new.ts')], changed: [], deleted: [] }]);
  const second = ix.current()!;
  assert.ok(second.generation > first.generation);
  assert.deepEqual(second.folders[0]!.files, ['.gitignore', 'README.md', 'src/a.ts', 'src/new.ts', 'src/sub/one.ts', 'src/sub/two.ts']);
  assert.equal(first.folders[0]!.files.includes('src/new.ts'), false, 'an earlier snapshot is not changed');
  assert.equal(ix.contains(t.uri('ws/src/new.ts')), true);
  assert.equal(ix.contains(t.uri('ws/debug.log')), false);

  changes.length = 0;
  await fs.writeFile(t.path('ws/src/a.ts'), 'a changed\n');
  await fs.writeFile(t.path('ws/README.md'), 'x'.repeat(2_000));
  await fs.rm(t.path('ws/src/new.ts'));
  await fs.rm(t.path('ws/src/sub'), { recursive: true });
  ix.applyChanges([
    { uri: t.uri('ws/src/a.ts'), type: CHANGED },
    { uri: t.uri('ws/README.md'), type: CHANGED },
    { uri: t.uri('ws/src/new.ts'), type: DELETED },
    { uri: t.uri('ws/src/sub'), type: DELETED },
  ]);
  await ix.settled();
  assert.deepEqual(changes, [
    {
      created: [],
      changed: [t.uri('ws/src/a.ts')],
      deleted: [t.uri('ws/README.md'), t.uri('ws/src/new.ts'), t.uri('ws/src/sub/one.ts'), t.uri('ws/src/sub/two.ts')],
    },
  ]);
  assert.deepEqual(ix.current()!.folders[0]!.files, ['.gitignore', 'src/a.ts']);
});

test('a new directory or a changed .gitignore invalidates the index: the next use rebuilds it off the request path', async () => {
  t = await tmpTree({ 'ws/.gitignore': '*.log\n', 'ws/a.ts': 'a\n', 'ws/notes.md': 'notes\n', 'ws/b.log': 'log\n' });
  const { ix, files } = setup(t);
  assert.deepEqual(await files(), ['.gitignore', 'a.ts', 'notes.md']);

  await t.write('ws/lib/x.ts', 'x\n');
  await t.write('ws/lib/y.ts', 'y\n');
  ix.applyChanges([{ uri: t.uri('ws/lib'), type: CREATED }]);
  await ix.settled();
  const stale = ix.current()!;
  assert.deepEqual(stale.folders[0]!.files, ['.gitignore', 'a.ts', 'notes.md'], 'current() answers at once from memory');
  assert.deepEqual(await files(), ['.gitignore', 'a.ts', 'lib/x.ts', 'lib/y.ts', 'notes.md']);

  await fs.writeFile(t.path('ws/.gitignore'), '*.md\n');
  ix.applyChanges([{ uri: t.uri('ws/.gitignore'), type: CHANGED }]);
  await ix.settled();
  assert.deepEqual(await files(), ['.gitignore', 'a.ts', 'b.log', 'lib/x.ts', 'lib/y.ts']);
});

test('without file events the index expires and is rebuilt on next use; with them it is trusted longer', async () => {
  t = await tmpTree({ 'ws/a.ts': 'a\n' });
  const { ix, clock, files } = setup(t);
  assert.deepEqual(await files(), ['a.ts']);
  const built = ix.current()!.generation;

  await t.write('ws/unseen.ts', 'no event for this one\n');
  clock.now += 30_000;
  assert.equal((await ix.ready()).generation, built, 'still fresh: no rebuild');
  clock.now += 1;
  assert.equal(ix.current()!.generation, built, 'stale: the old snapshot is answered while a rebuild starts');
  assert.deepEqual(await files(), ['a.ts', 'unseen.ts']);

  ix.setWatched(true);
  const rebuilt = ix.current()!.generation;
  await t.write('ws/unseen-too.ts', 'no event either\n');
  clock.now += 300_000;
  assert.equal((await ix.ready()).generation, rebuilt, 'watched: events are trusted, no rebuild');
  clock.now += 300_001;
  assert.deepEqual(await files(), ['a.ts', 'unseen-too.ts', 'unseen.ts'], 'watched builds still expire, later');
});

test('a change of folders, exclusions or size cap rebuilds the index', async () => {
  t = await tmpTree({ 'ws/src/a.ts': 'a\n', 'ws/secret/k.txt': 'k\n', 'ws/mid.txt': 'x'.repeat(1_500), 'other/b.ts': 'b\n' });
  const { ix, setPolicy, files } = setup(t);
  assert.deepEqual(await files(), ['secret/k.txt', 'src/a.ts']);
  setPolicy({ exclude: ['secret/**'] });
  assert.deepEqual(await files(), ['src/a.ts']);
  setPolicy({ maxFileBytes: 2_048 });
  assert.deepEqual(await files(), ['mid.txt', 'src/a.ts']);
  setPolicy({ folders: [t.uri('ws'), t.uri('other')] });
  assert.deepEqual(
    (await ix.ready()).folders.map((f) => [f.folder, f.files]),
    [
      [t.uri('ws'), ['mid.txt', 'src/a.ts']],
      [t.uri('other'), ['b.ts']],
    ],
  );
});

test('a listener that throws is reported and the others still hear of the change', async () => {
  t = await tmpTree({ 'ws/a.ts': 'a\n' });
  const { ix, changes, errors, files } = setup(t);
  await files();
  ix.onDidChange(() => {
    throw new Error('listener bug');
  });
  await t.write('ws/b.ts', 'b\n');
  ix.applyChanges([{ uri: t.uri('ws/b.ts'), type: CREATED }]);
  await ix.settled();
  assert.equal(changes.length, 1);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /listener bug/);
});

test('a 10,000-file workspace is indexed whole, ignored and binary files left out', { timeout: 120_000 }, async () => {
  t = await tmpTree({ 'ws/.gitignore': 'node_modules/\ndist/\n' });
  const writes: [string, string][] = [];
  for (let i = 0; i < 10_000; i++) writes.push([`ws/packages/p${i % 20}/src/m${i % 10}/file${i}.ts`, `export const v${i} = ${i};\n`]);
  for (let i = 0; i < 1_000; i++) writes.push([`ws/node_modules/dep${i % 50}/index${i}.js`, 'module.exports = 1;\n']);
  for (let i = 0; i < 100; i++) writes.push([`ws/assets/img${i}.png`, 'png\n']);
  for (let i = 0; i < writes.length; i += 200) await Promise.all(writes.slice(i, i + 200).map(([f, text]) => t!.write(f, text)));

  // A time budget no loaded machine reaches: this test is about what is indexed (timings: npm run bench).
  const { ix } = setup(t, { maxFileBytes: 1_048_576 }, { timeBudgetMs: 600_000 });
  const snapshot = await ix.ready();
  const files = snapshot.folders[0]!.files;
  assert.equal(files.length, 10_001);
  assert.equal(snapshot.folders[0]!.truncated, undefined);
  assert.ok(files.includes('packages/p7/src/m7/file9987.ts'));
  assert.ok(files.every((f) => f === '.gitignore' || /^packages\/p\d+\/src\/m\d\/file\d+\.ts$/.test(f)));

  const capped = new WorkspaceIndex({ policy: () => ({ folders: [t!.uri('ws')], exclude: [], maxFileBytes: 1_048_576 }), limits: { maxFiles: 2_500, timeBudgetMs: 600_000 } });
  const cut = await capped.ready();
  assert.equal(cut.folders[0]!.files.length, 2_500);
  assert.equal(cut.folders[0]!.truncated, 'files');
  capped.dispose();
});
