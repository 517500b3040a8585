// Test-file conventions: the existing test for a source file, or where a new one goes as the workspace does it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTestFile, testFileFor } from '../../server/context/test-files.js';

/** [source, files of the workspace, expected path, whether it exists] */
type Row = [string, string[], string | undefined, boolean?];

function check(rows: Row[]): void {
  for (const [source, files, path, exists] of rows) {
    const got = testFileFor(source, files);
    assert.deepEqual(got && { path: got.path, exists: got.exists }, path === undefined ? undefined : { path, exists: exists ?? false }, `${source} in [${files.join(', ')}]`);
  }
}

test('TypeScript and JavaScript: the existing test file', () => {
  check([
    ['src/foo.ts', ['src/foo.ts', 'src/foo.test.ts'], 'src/foo.test.ts', true],
    ['src/foo.ts', ['src/foo.ts', 'src/foo.spec.ts'], 'src/foo.spec.ts', true],
    ['src/foo.ts', ['src/foo.ts', 'src/__tests__/foo.test.ts'], 'src/__tests__/foo.test.ts', true],
    ['src/foo.ts', ['src/foo.ts', 'src/__tests__/foo.ts'], 'src/__tests__/foo.ts', true],
    ['src/utils/serialize.ts', ['src/utils/serialize.ts', 'test/utils/serialize.test.ts'], 'test/utils/serialize.test.ts', true],
    ['src/utils/serialize.ts', ['src/utils/serialize.ts', 'tests/serialize.spec.ts'], 'tests/serialize.spec.ts', true],
    ['server/context/exclusion.ts', ['server/context/exclusion.ts', 'test/unit/exclusion.test.ts'], 'test/unit/exclusion.test.ts', true],
    ['src/foo.js', ['src/foo.js', 'src/foo.test.ts'], 'src/foo.test.ts', true],
    ['src/foo.test.ts', ['src/foo.ts', 'src/foo.test.ts'], 'src/foo.test.ts', true],
    // Beside beats a mirrored one; the nearer test directory beats a farther one.
    ['src/foo.ts', ['src/foo.ts', 'test/foo.test.ts', 'src/foo.test.ts'], 'src/foo.test.ts', true],
    ['packages/a/src/x.ts', ['test/x.test.ts', 'packages/a/test/x.test.ts'], 'packages/a/test/x.test.ts', true],
    // The same name elsewhere is not this file's test.
    ['src/a/index.ts', ['src/a/index.ts', 'src/b/index.test.ts'], 'src/a/index.test.ts'],
    ['lib/foo.ts', ['lib/foo.ts', 'other/test/foo.test.ts'], 'lib/foo.test.ts'],
  ]);
});

test('TypeScript and JavaScript: a new test file goes where the workspace puts its tests', () => {
  check([
    ['src/foo.ts', ['src/foo.ts'], 'src/foo.test.ts'],
    ['src/App.tsx', ['src/App.tsx'], 'src/App.test.tsx'],
    ['src/b.ts', ['src/a.ts', 'src/a.spec.ts', 'src/b.ts'], 'src/b.spec.ts'],
    ['lib/b.ts', ['src/a.ts', 'src/__tests__/a.test.ts', 'lib/b.ts'], 'lib/__tests__/b.test.ts'],
    // Mirrored under test/, dropping the src/ the existing tests drop.
    ['src/b/y.ts', ['src/a/x.ts', 'test/a/x.test.ts', 'src/b/y.ts'], 'test/b/y.test.ts'],
    ['src/b/y.ts', ['src/a/x.ts', 'test/src/a/x.test.ts', 'src/b/y.ts'], 'test/src/b/y.test.ts'],
    // Flat test folders stay flat: test/unit/ holds tests of server/*/.
    [
      'server/workspace/read.ts',
      ['server/context/exclusion.ts', 'server/lsp/outcome.ts', 'test/unit/exclusion.test.ts', 'test/unit/outcome.test.ts', 'test/integration/lsp.test.ts', 'server/workspace/read.ts'],
      'test/unit/read.test.ts',
    ],
    // Monorepo: the package's own test folder.
    ['packages/b/src/y.ts', ['packages/a/src/x.ts', 'packages/a/test/x.test.ts', 'packages/b/src/y.ts', 'packages/b/test/z.test.ts'], 'packages/b/test/y.test.ts'],
  ]);
});

test('Python, Go, Java and Kotlin', () => {
  check([
    ['utils/serialize.py', ['utils/serialize.py'], 'tests/test_serialize.py'],
    ['pkg/src/lib/mod.py', ['pkg/pyproject.toml', 'pkg/src/lib/mod.py'], 'pkg/tests/test_mod.py'],
    ['app/models.py', ['app/models.py', 'tests/test_models.py'], 'tests/test_models.py', true],
    ['app/models.py', ['app/models.py', 'app/test_models.py'], 'app/test_models.py', true],
    ['app/models.py', ['app/models.py', 'app/models_test.py'], 'app/models_test.py', true],
    ['app/views.py', ['app/models.py', 'app/test_models.py', 'app/views.py'], 'app/test_views.py'],
    ['app/b.py', ['app/a.py', 'app/a_test.py', 'app/b.py'], 'app/b_test.py'],
    ['src/pkg/io/b.py', ['src/pkg/core/a.py', 'tests/core/test_a.py', 'src/pkg/io/b.py'], 'tests/io/test_b.py'],
    ['pkg/foo.go', ['pkg/foo.go'], 'pkg/foo_test.go'],
    ['pkg/foo.go', ['pkg/foo.go', 'pkg/foo_test.go'], 'pkg/foo_test.go', true],
    ['src/main/java/com/x/Foo.java', ['src/main/java/com/x/Foo.java'], 'src/test/java/com/x/FooTest.java'],
    ['src/main/kotlin/x/Bar.kt', ['src/main/kotlin/x/Bar.kt', 'src/test/kotlin/x/BarTests.kt'], 'src/test/kotlin/x/BarTests.kt', true],
    ['README.md', ['README.md'], undefined],
    ['Makefile', ['Makefile'], undefined],
  ]);
});

test('what counts as a test file', () => {
  const table: [string, boolean][] = [
    ['src/foo.test.ts', true],
    ['src/foo.spec.jsx', true],
    ['src/__tests__/foo.ts', true],
    ['src/foo.ts', false],
    ['src/contest.ts', false],
    ['tests/test_foo.py', true],
    ['foo_test.py', true],
    ['test_.py', false],
    ['x/foo_test.go', true],
    ['FooTest.java', true],
    ['Contest.java', false],
    ['notes.test.md', false],
  ];
  for (const [path, expected] of table) assert.equal(isTestFile(path), expected, path);
});
