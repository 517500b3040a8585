// Test-file conventions: given a source file and the workspace's file list, the test file that goes with it,
// or where a new one belongs judged by what the workspace already does. Pure.
//
// API: testFileFor(source, files) -> { path, exists, convention } | undefined (no convention for the language)
//      isTestFile(path) -> boolean
// Paths are relative to a workspace folder, `/`-separated. Covers TypeScript/JavaScript (`foo.test.ts` or
// `foo.spec.ts` beside the source, in `__tests__/`, or under `test/`/`tests/` mirroring the layout or flat),
// Python (`tests/test_foo.py`, `test_foo.py` or `foo_test.py` beside), Go (`foo_test.go` beside) and
// Java/Kotlin (`src/test/...` mirroring `src/main/...`, `FooTest.java`).

export interface TestFileSuggestion {
  /** Where the test file is, or should go. */
  path: string;
  /** Whether it is already in the file list. */
  exists: boolean;
  /** How the place was chosen, in a few words (for prompts and logs). */
  convention: string;
}

const JS_EXTS = ['ts', 'tsx', 'mts', 'cts', 'js', 'jsx', 'mjs', 'cjs'];
const TEST_DIRS = ['test', 'tests', '__tests__', 'spec'];
const PY_PROJECT_FILES = ['pyproject.toml', 'setup.py', 'setup.cfg'];

type Language = 'js' | 'py' | 'go' | 'jvm';

interface Parsed {
  dir: string;
  name: string;
  stem: string;
  ext: string;
}

function parse(p: string): Parsed {
  const slash = p.lastIndexOf('/');
  const dir = slash < 0 ? '' : p.slice(0, slash);
  const name = p.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  return { dir, name, stem: dot > 0 ? name.slice(0, dot) : name, ext: dot > 0 ? name.slice(dot + 1).toLowerCase() : '' };
}

function languageOf(ext: string): Language | undefined {
  if (JS_EXTS.includes(ext)) return 'js';
  if (ext === 'py') return 'py';
  if (ext === 'go') return 'go';
  if (ext === 'java' || ext === 'kt') return 'jvm';
  return undefined;
}

const join = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');
const segments = (dir: string): string[] => (dir === '' ? [] : dir.split('/'));

/** The source stem a test file's name tests, or undefined when the name is not a test's. */
function testedStem(p: string): { stem: string; language: Language; style: string } | undefined {
  const { dir, name, ext } = parse(p);
  const language = languageOf(ext);
  if (!language) return undefined;
  if (language === 'js') {
    const m = /^(.+)\.(test|spec)\.[^.]+$/.exec(name);
    if (m) return { stem: m[1]!, language, style: m[2]! };
    if (segments(dir).at(-1) === '__tests__') return { stem: name.slice(0, name.lastIndexOf('.')), language, style: 'bare' };
    return undefined;
  }
  if (language === 'py') {
    if (name.startsWith('test_') && name.length > 8) return { stem: name.slice(5, -3), language, style: 'prefix' };
    if (name.endsWith('_test.py') && name.length > 8) return { stem: name.slice(0, -8), language, style: 'suffix' };
    return undefined;
  }
  if (language === 'go') return name.endsWith('_test.go') ? { stem: name.slice(0, -8), language, style: 'suffix' } : undefined;
  const m = /^(.+?)(Tests?)\.(java|kt)$/.exec(name);
  return m ? { stem: m[1]!, language, style: m[2]! } : undefined;
}

export function isTestFile(p: string): boolean {
  return testedStem(p) !== undefined;
}

/** Where a test directory (test/, tests/, __tests__/, spec/) starts in `dir`: the part above it, its name, the part below. */
function splitAtTestDir(dir: string): { above: string; testDir: string; below: string } | undefined {
  const segs = segments(dir);
  const i = segs.findIndex((s) => TEST_DIRS.includes(s));
  if (i < 0) return undefined;
  return { above: segs.slice(0, i).join('/'), testDir: segs[i]!, below: segs.slice(i + 1).join('/') };
}

/** `dir` relative to `ancestor` if it is one ('' for itself), else undefined. */
function under(ancestor: string, dir: string): string | undefined {
  if (ancestor === '') return dir;
  if (dir === ancestor) return '';
  return dir.startsWith(`${ancestor}/`) ? dir.slice(ancestor.length + 1) : undefined;
}

/** The source layout a mirrored test directory reflects: `src/a/b` and `lib/a/b` mirror as `a/b` too. */
function mirrorsOf(sub: string): string[] {
  const first = segments(sub)[0];
  return first === 'src' || first === 'lib' ? [sub, segments(sub).slice(1).join('/')] : [sub];
}

/** How closely a test file's place matches a source directory; higher is closer, undefined for unrelated. */
function closeness(sourceDir: string, testDir: string): number | undefined {
  if (testDir === sourceDir) return 1_000;
  if (testDir === join(sourceDir, '__tests__')) return 900;
  const split = splitAtTestDir(testDir);
  if (!split) return undefined;
  const sub = under(split.above, sourceDir);
  if (sub === undefined) return undefined;
  const depth = segments(split.above).length;
  // The test directory's own layout below test/: mirroring the source's sub-path beats a flat folder.
  const mirrored = mirrorsOf(sub).some((m) => split.below === m || (m !== '' && split.below.endsWith(`/${m}`)));
  return 500 + depth * 10 + (mirrored ? 5 : 0);
}

export function testFileFor(source: string, files: readonly string[]): TestFileSuggestion | undefined {
  const src = parse(source);
  const language = languageOf(src.ext);
  if (!language) return undefined;
  if (testedStem(source)) return { path: source, exists: true, convention: 'the file is a test' };

  const tests = files.map((f) => ({ path: f, tested: testedStem(f) })).filter((t) => t.tested?.language === language);
  let best: { path: string; score: number } | undefined;
  for (const t of tests) {
    if (t.tested!.stem !== src.stem) continue;
    const score = closeness(src.dir, parse(t.path).dir);
    if (score === undefined) continue;
    if (!best || score > best.score || (score === best.score && t.path < best.path)) best = { path: t.path, score };
  }
  if (best) return { path: best.path, exists: true, convention: 'the existing test file' };

  const place = newPlace(language, src, tests.map((t) => ({ path: t.path, style: t.tested!.style })), files);
  return { ...place, exists: files.includes(place.path) };
}

function newPlace(language: Language, src: Parsed, tests: { path: string; style: string }[], files: readonly string[]): Omit<TestFileSuggestion, 'exists'> {
  switch (language) {
    case 'go':
      return { path: join(src.dir, `${src.stem}_test.go`), convention: 'Go: _test.go beside the source' };
    case 'jvm': {
      const test = `${src.stem}Test.${src.ext}`;
      const m = /^(.*?)(?:^|\/)src\/main\/(.*)$/.exec(src.dir);
      if (m) return { path: join(m[1]!, 'src/test', m[2]!, test), convention: 'src/test mirroring src/main' };
      return { path: join(src.dir, test), convention: `${test} beside the source` };
    }
    case 'py':
      return pythonPlace(src, tests, files);
    case 'js':
      return jsPlace(src, tests, files);
  }
}

function majority<T extends string>(values: readonly T[], fallback: T): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = fallback;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

/** The nearest test root (`<above>/<testDir>`) over the source directory among existing tests, if any. */
function nearestTestRoot(sourceDir: string, tests: readonly { path: string }[]): { root: string; above: string; members: string[] } | undefined {
  const roots = new Map<string, { root: string; above: string; members: string[] }>();
  for (const t of tests) {
    const split = splitAtTestDir(parse(t.path).dir);
    if (!split || split.testDir === '__tests__' || under(split.above, sourceDir) === undefined) continue;
    const root = join(split.above, split.testDir);
    const entry = roots.get(root) ?? { root, above: split.above, members: [] };
    entry.members.push(split.below);
    roots.set(root, entry);
  }
  let best: { root: string; above: string; members: string[] } | undefined;
  for (const r of roots.values()) {
    const better = !best || r.above.length > best.above.length || (r.above.length === best.above.length && r.members.length > best.members.length);
    if (better) best = r;
  }
  return best;
}

/** How many of a test root's sub-directories are compared with the source layout (bounds the work). */
const MIRROR_SAMPLE = 50;

/**
 * The sub-directory under a test root for a source directory: mirrored when the existing tests there mirror
 * source directories (`test/core/` for `src/pkg/core/`: the prefix they drop, here `src/pkg`, is dropped
 * too), else the folder most of them share (a flat `test/unit/` stays flat).
 */
function subDirUnder(root: { above: string; members: string[] }, sourceDir: string, files: readonly string[]): string {
  const sourceDirs = new Set<string>();
  for (const f of files) {
    if (isTestFile(f)) continue;
    const d = under(root.above, parse(f).dir);
    if (d !== undefined && d !== '') sourceDirs.add(d);
  }
  const nested = root.members.filter((m) => m !== '');
  const prefixes: string[] = [];
  for (const m of [...new Set(nested)].slice(0, MIRROR_SAMPLE)) {
    for (const d of sourceDirs) {
      if (d === m) prefixes.push('');
      else if (d.endsWith(`/${m}`)) prefixes.push(d.slice(0, -m.length - 1));
      else continue;
      break;
    }
  }
  if (prefixes.length > 0 && prefixes.length * 2 >= Math.min(new Set(nested).size, MIRROR_SAMPLE)) {
    const sub = under(root.above, sourceDir) ?? '';
    const drop = majority(prefixes, '');
    if (drop === '') return sub;
    if (sub === drop) return '';
    return sub.startsWith(`${drop}/`) ? sub.slice(drop.length + 1) : sub;
  }
  return majority(root.members, '');
}

function jsPlace(src: Parsed, tests: { path: string; style: string }[], files: readonly string[]): Omit<TestFileSuggestion, 'exists'> {
  const suffix = majority(
    tests.map((t) => (t.style === 'spec' ? 'spec' : 'test')),
    'test',
  );
  const name = `${src.stem}.${suffix}.${src.ext}`;
  const kinds = tests.map((t) => {
    const dir = parse(t.path).dir;
    if (segments(dir).at(-1) === '__tests__') return '__tests__';
    return splitAtTestDir(dir) ? 'dir' : 'beside';
  });
  const kind = majority(kinds, 'beside');
  if (kind === '__tests__') return { path: join(src.dir, '__tests__', name), convention: `${name} in __tests__/ beside the source` };
  if (kind === 'dir') {
    const root = nearestTestRoot(src.dir, tests);
    if (root) {
      const path = join(root.root, subDirUnder(root, src.dir, files), name);
      return { path, convention: `${name} under ${root.root}/ as the existing tests are` };
    }
  }
  return { path: join(src.dir, name), convention: `${name} beside the source` };
}

function pythonPlace(src: Parsed, tests: { path: string; style: string }[], files: readonly string[]): Omit<TestFileSuggestion, 'exists'> {
  const style = majority(
    tests.map((t) => t.style),
    'prefix',
  );
  const name = style === 'suffix' ? `${src.stem}_test.py` : `test_${src.stem}.py`;
  const beside = tests.filter((t) => !splitAtTestDir(parse(t.path).dir)).length;
  if (tests.length > 0 && beside * 2 > tests.length) return { path: join(src.dir, name), convention: `${name} beside the source, as the existing tests are` };
  const root = nearestTestRoot(src.dir, tests);
  if (root) return { path: join(root.root, subDirUnder(root, src.dir, files), name), convention: `${name} under ${root.root}/ as the existing tests are` };
  // No tests yet: tests/ beside the nearest project file (pyproject.toml, setup.py, setup.cfg), else at the folder's root.
  let project = '';
  for (let d: string | undefined = src.dir; d !== undefined; d = d === '' ? undefined : parse(d).dir) {
    if (PY_PROJECT_FILES.some((f) => files.includes(join(d!, f)))) {
      project = d;
      break;
    }
  }
  return { path: join(project, 'tests', name), convention: `${name} in tests/ of the project` };
}
