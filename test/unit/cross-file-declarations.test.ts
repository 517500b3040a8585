// Declaration extraction per language (signature level, no bodies), selection by imported name, and the
// collection of an importing file's declarations across files (re-exports followed one level).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'node:test';
import {
  analyzeSource,
  analyzeSourceInTurns,
  collectImportedDeclarations,
  editBetween,
  extractDeclarations,
  extractDeclarationSteps,
  loadParsers,
  outlineSymbols,
  resolveImports,
  ReusedTrees,
  selectDeclarations,
  workspaceViewOf,
} from '../../server/context/cross-file/index.js';
import { allSteps } from '../../server/context/cross-file/steps.js';
import { parseInPieces, type Node } from '../../server/context/cross-file/syntax.js';
import { outlineFromTree } from '../../server/context/cross-file/symbols.js';

const parsers = await loadParsers();

/** Runs `steps` to the end at once; what the last step returns, and how many times the work paused before it. */
function pausesOf<T>(steps: Generator<void, T>): { value: T; pauses: number } {
  let pauses = 0;
  let step = steps.next();
  for (; !step.done; step = steps.next()) pauses++;
  return { value: step.value, pauses };
}

interface Case {
  name: string;
  path: string;
  source: string;
  names: string[];
  whole?: boolean;
  includePrivate?: boolean;
  /** The selected declarations' texts, joined by blank lines. */
  expected: string;
  missing?: string[];
}

function check(c: Case): void {
  const file = extractDeclarations(parsers, { path: c.path, text: c.source });
  const sel = selectDeclarations(file, c.names, { whole: c.whole ?? false, includePrivate: c.includePrivate ?? false });
  assert.equal(sel.declarations.map((d) => d.text).join('\n\n'), c.expected, c.name);
  assert.deepEqual(sel.missing, c.missing ?? [], `${c.name}: missing`);
}

const lines = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n');

describe('TypeScript and JavaScript declarations', () => {
  const cases: Case[] = [
    {
      name: 'a function: its doc comment (long ones shortened) and signature, not its body',
      path: 'a.ts',
      source: '/**\n * Adds.\n * Really.\n * Truly.\n */\nexport async function add<T>(a: T, b = 2): Promise<T> {\n  return a;\n}\n',
      names: ['add'],
      expected: '/**\n * Adds.\n */\nexport async function add<T>(a: T, b = 2): Promise<T>;',
    },
    {
      name: 'a class: header and the signatures of its non-private members',
      path: 'a.ts',
      source: [
        'export class Cart extends Base implements Sized {',
        '  private secret = 1;',
        '  #hidden = 2;',
        '  static count: number;',
        '  readonly items: Item[] = [];',
        '  onChange = (e: Event): void => {',
        '    this.x = e;',
        '  };',
        '  constructor(private readonly store: Store) {',
        '    super();',
        '  }',
        '  get size(): number { return this.items.length; }',
        '  private recount(): void {}',
        '  async add(item: Item, qty = 1): Promise<void> {',
        '    await this.store.put(item);',
        '  }',
        '}',
      ].join('\n'),
      names: ['Cart'],
      expected: [
        'export class Cart extends Base implements Sized {',
        '  static count: number;',
        '  readonly items: Item[] = [];',
        '  onChange = (e: Event): void => { … };',
        '  constructor(private readonly store: Store);',
        '  get size(): number;',
        '  async add(item: Item, qty = 1): Promise<void>;',
        '}',
      ].join('\n'),
    },
    {
      name: 'interfaces, type aliases and enums whole',
      path: 'a.ts',
      source: 'export interface Shape {\n  area(): number;\n  name: string;\n}\nexport type Id = string | number;\nexport enum Color { Red, Green = 2 }\nexport const unused = 1;\n',
      names: ['Color', 'Shape', 'Id'],
      expected: 'export enum Color { Red, Green = 2 }\n\nexport interface Shape {\n  area(): number;\n  name: string;\n}\n\nexport type Id = string | number;',
    },
    {
      name: 'variables: functions reduced to their signature, short values kept, long ones elided',
      path: 'a.ts',
      source: [
        'export const handler = async (req: Request): Promise<Response> => {',
        '  return fetch(req);',
        '};',
        'export const double = (x: number) => x * 2;',
        'export const LIMITS = { min: 1, max: 9 };',
        'export const TABLE: Record<string, number> = {',
        lines(20, (i) => `  k${i}: ${i},`),
        '};',
        'export let a = 1, b: string;',
      ].join('\n'),
      names: ['handler', 'double', 'LIMITS', 'TABLE', 'a', 'b'],
      expected: [
        'export const handler = async (req: Request): Promise<Response> => { … };',
        'export const double = (x: number) => x * 2;',
        'export const LIMITS = { min: 1, max: 9 };',
        'export const TABLE: Record<string, number> = { …;',
        'export let a = 1;',
        'export let b: string;',
      ].join('\n\n'),
    },
    {
      name: 'export { local as alias } and export default name the local declaration',
      path: 'a.ts',
      source: 'function parse(s: string): Ast {\n  return ast(s);\n}\nclass Impl {}\nexport { parse as parseSource };\nexport default Impl;\n',
      names: ['parseSource', 'default', 'parse'],
      expected: 'function parse(s: string): Ast;\n\nclass Impl {}',
      missing: ['parse'],
    },
    {
      name: 'export default declarations, overloads, declare',
      path: 'a.ts',
      source: 'export default function main(argv: string[]): number {\n  return 0;\n}\nexport function pick(a: string): string;\nexport function pick(a: number): number;\nexport function pick(a: any) { return a; }\nexport declare const VERSION: string;\n',
      names: ['default', 'pick', 'VERSION'],
      expected: 'export default function main(argv: string[]): number;\n\nexport function pick(a: string): string;\n\nexport function pick(a: number): number;\n\nexport function pick(a: any);\n\nexport declare const VERSION: string;',
    },
    {
      name: 'a whole module: the names used first, then every other export in source order; private ones never',
      path: 'a.ts',
      source: 'export function one() {}\nfunction hidden() {}\nexport function two() {}\nexport const three = 3;\n',
      names: ['three'],
      whole: true,
      expected: 'export const three = 3;\n\nexport function one();\n\nexport function two();',
    },
    {
      name: 'CommonJS exports',
      path: 'lib.js',
      source: "function helper(a, b) {\n  return a + b;\n}\nconst VALUE = 42;\nmodule.exports = { helper, answer: VALUE, twice(x) { return 2 * x; } };\nexports.extra = function (z) {\n  return z;\n};\n",
      names: ['helper', 'answer', 'twice', 'extra'],
      expected: 'function helper(a, b);\n\nconst VALUE = 42;\n\nmodule.exports.twice(x);\n\nexports.extra = function (z) { … };',
    },
    {
      name: 'module.exports = a class',
      path: 'lib.js',
      source: 'class Queue {\n  push(x) { this.items.push(x); }\n}\nmodule.exports = Queue;\n',
      names: [],
      whole: true,
      expected: 'class Queue {\n  push(x);\n}',
    },
    {
      name: 'long interfaces are cut, keeping the closing line',
      path: 'a.ts',
      source: `export interface Big {\n${lines(70, (i) => `  f${i}: number;`)}\n}\n`,
      names: ['Big'],
      expected: `export interface Big {\n${lines(58, (i) => `  f${i}: number;`)}\n  // … 12 more lines\n}`,
    },
    {
      name: 'a name the file does not export is missing',
      path: 'a.ts',
      source: 'function notExported() {}\n',
      names: ['notExported', 'ghost'],
      expected: '',
      missing: ['notExported', 'ghost'],
    },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

describe('Python declarations', () => {
  const source = [
    'from .base import Base',
    'LIMIT: int = 10',
    '_cache = {}',
    '',
    '@dataclass(frozen=True)',
    'class Point(Base):',
    '    """A point in the plane.',
    '',
    '    More text.',
    '    """',
    '    x: float = 0.0',
    '    y: float = 0.0',
    '',
    '    def __init__(self, x: float, y: float) -> None:',
    '        """Make one."""',
    '        self.x = x',
    '',
    '    @property',
    '    def norm(self) -> float:',
    '        return (self.x ** 2 + self.y ** 2) ** 0.5',
    '',
    '    def _private(self):',
    '        pass',
    '',
    '    class Meta:',
    '        ordering = ["x"]',
    '',
    'async def fetch(url: str, *, timeout: float = 1.0) -> bytes:',
    "    '''Fetch a URL.",
    '',
    "    Details.'''",
    '    return b""',
    '',
    'def _helper():',
    '    pass',
  ].join('\n');
  const cases: Case[] = [
    {
      name: 'a function: decorators, def line, first docstring line',
      path: 'm.py',
      source,
      names: ['fetch'],
      expected: "async def fetch(url: str, *, timeout: float = 1.0) -> bytes:\n    '''Fetch a URL.'''\n    ...",
    },
    {
      name: 'a class: docstring line, attributes, public and dunder methods, nested classes',
      path: 'm.py',
      source,
      names: ['Point'],
      expected: [
        '@dataclass(frozen=True)',
        'class Point(Base):',
        '    """A point in the plane."""',
        '    x: float = 0.0',
        '    y: float = 0.0',
        '    def __init__(self, x: float, y: float) -> None:',
        '        """Make one."""',
        '        ...',
        '    @property',
        '    def norm(self) -> float:',
        '        ...',
        '    class Meta: ...',
      ].join('\n'),
    },
    {
      name: 'a whole module: public names only; a private name can still be imported by name',
      path: 'm.py',
      source,
      names: ['_helper'],
      whole: true,
      expected: 'def _helper():\n    ...\n\nLIMIT: int = 10\n\n' + selectText(source, 'Point') + "\n\nasync def fetch(url: str, *, timeout: float = 1.0) -> bytes:\n    '''Fetch a URL.'''\n    ...",
    },
    {
      name: 'a literal __all__ decides what a whole import takes',
      path: 'm.py',
      source: "__all__ = ['b', 'C']\ndef a(): pass\ndef b(): pass\nclass C: pass\n",
      names: [],
      whole: true,
      expected: 'def b():\n    ...\n\nclass C:\n    ...',
    },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

function selectText(source: string, name: string): string {
  const file = extractDeclarations(parsers, { path: 'm.py', text: source });
  return selectDeclarations(file, [name], { whole: false }).declarations.map((d) => d.text).join('\n\n');
}

describe('Go declarations', () => {
  const source = [
    'package store',
    '',
    '// Store keeps items.',
    'type Store struct {',
    '\tName  string',
    '\titems []int',
    '}',
    '',
    'type (',
    '\tID     int',
    '\tGetter interface {',
    '\t\tGet(id ID) (string, error)',
    '\t}',
    ')',
    '',
    'const (',
    '\tA = iota',
    '\tB',
    ')',
    '',
    'var Default = &Store{}',
    '',
    '// New makes one.',
    'func New(name string) *Store {',
    '\treturn &Store{Name: name}',
    '}',
    '',
    'func (s *Store) Add(x int) error {',
    '\treturn nil',
    '}',
    '',
    'func (s *Store) reset() {}',
    '',
    'func helper[T any](t T) T { return t }',
  ].join('\n');
  const cases: Case[] = [
    {
      name: 'a func: doc comment and signature',
      path: 's.go',
      source,
      names: ['New'],
      expected: '// New makes one.\nfunc New(name string) *Store',
    },
    {
      name: 'a struct brings its exported methods',
      path: 's.go',
      source,
      names: ['Store'],
      expected: '// Store keeps items.\ntype Store struct {\n\tName  string\n\titems []int\n}\n\nfunc (s *Store) Add(x int) error',
    },
    {
      name: 'grouped types one by one; a const group whole',
      path: 's.go',
      source,
      names: ['Getter', 'B'],
      expected: 'type Getter interface {\n\tGet(id ID) (string, error)\n}\n\nconst (\n\tA = iota\n\tB\n)',
    },
    {
      name: 'the same package sees unexported declarations and methods too',
      path: 's.go',
      source,
      names: ['helper'],
      whole: true,
      includePrivate: true,
      expected: [
        'func helper[T any](t T) T',
        '// Store keeps items.\ntype Store struct {\n\tName  string\n\titems []int\n}',
        'func (s *Store) Add(x int) error',
        'func (s *Store) reset()',
        'type ID     int',
        'type Getter interface {\n\tGet(id ID) (string, error)\n}',
        'const (\n\tA = iota\n\tB\n)',
        'var Default = &Store{}',
        '// New makes one.\nfunc New(name string) *Store',
      ].join('\n\n'),
    },
    {
      name: 'another package sees exported ones only',
      path: 's.go',
      source,
      names: [],
      whole: true,
      expected: [
        '// Store keeps items.\ntype Store struct {\n\tName  string\n\titems []int\n}',
        'func (s *Store) Add(x int) error',
        'type ID     int',
        'type Getter interface {\n\tGet(id ID) (string, error)\n}',
        'const (\n\tA = iota\n\tB\n)',
        'var Default = &Store{}',
        '// New makes one.\nfunc New(name string) *Store',
      ].join('\n\n'),
    },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

describe('collecting the declarations a file imports', () => {
  type Blocks = [string, string[]][];
  function collect(files: Record<string, string>, from: string, known: string[] = Object.keys(files)) {
    const view = workspaceViewOf(known, new Map(Object.entries(files)));
    const got = collectImportedDeclarations(parsers, { path: from, text: files[from]! }, view);
    return { blocks: got.blocks.map((b): [string, string[]] => [b.path, b.declarations.map((d) => d.names.join(','))]), unread: got.unread };
  }

  it('follows re-exports one level: named, renamed and star', () => {
    const files = {
      'src/app.ts': "import { Foo, baz, Renamed } from './lib';\n",
      'src/lib/index.ts': "export { Foo } from './foo';\nexport { Original as Renamed } from './orig';\nexport * from './bar';\nexport const own = 1;\n",
      'src/lib/foo.ts': 'export class Foo {}\nexport function notAsked() {}\n',
      'src/lib/orig.ts': 'export function Original() {}\n',
      'src/lib/bar.ts': 'export function baz(): void {}\nexport function qux(): void {}\n',
    };
    assert.deepEqual(collect(files, 'src/app.ts').blocks, [
      ['src/lib/foo.ts', ['Foo']],
      ['src/lib/orig.ts', ['Original']],
      ['src/lib/bar.ts', ['baz']],
    ] satisfies Blocks);
  });

  it('a namespace import of an index takes its own exports and everything it re-exports', () => {
    const files = {
      'app.ts': "import * as lib from './lib';\nlib.baz();\n",
      'lib/index.ts': "export * from './bar';\nexport const own = 1;\n",
      'lib/bar.ts': 'export function baz(): void {}\nexport function qux(): void {}\n',
    };
    assert.deepEqual(collect(files, 'app.ts').blocks, [
      ['lib/index.ts', ['own']],
      ['lib/bar.ts', ['baz', 'qux']],
    ] satisfies Blocks);
  });

  it("a package's __init__.py re-exports from its modules", () => {
    const files = {
      'pkg/__init__.py': 'from .mod import Thing as Thing\nfrom .other import *\nVERSION = "1"\n',
      'pkg/mod.py': 'class Thing:\n    pass\n\ndef unrelated():\n    pass\n',
      'pkg/other.py': 'def util(x):\n    return x\n',
      'main.py': 'from pkg import Thing, VERSION, util\n',
    };
    assert.deepEqual(collect(files, 'main.py').blocks, [
      ['pkg/__init__.py', ['VERSION']],
      ['pkg/mod.py', ['Thing']],
      ['pkg/other.py', ['util']],
    ] satisfies Blocks);
  });

  it("Go: the file's own package (used names first) and module-local packages", () => {
    const files = {
      'go.mod': 'module example.com/m\n',
      'svc/a.go': 'package svc\n\nimport "example.com/m/util"\n\nfunc run() { helper(); util.Do() }\n',
      'svc/b.go': 'package svc\n\nfunc other() {}\n\nfunc helper() {}\n',
      'util/u.go': 'package util\n\nfunc Do() {}\n\nfunc Undo() {}\n\nfunc private() {}\n',
    };
    assert.deepEqual(collect(files, 'svc/a.go').blocks, [
      ['svc/b.go', ['helper', 'other']],
      ['util/u.go', ['Do', 'Undo']],
    ] satisfies Blocks);
  });

  it('a default import of a CommonJS module takes what module.exports holds', () => {
    const files = {
      'app.js': "import lib from './lib.js';\nconst { two } = require('./lib.js');\n",
      'lib.js': 'function one() {}\nfunction two() {}\nfunction hidden() {}\nmodule.exports = { one, two };\n',
    };
    assert.deepEqual(collect(files, 'app.js').blocks, [['lib.js', ['two', 'one']]] satisfies Blocks);
  });

  it('analyzeSource gives from one parse what the separate calls give', () => {
    const files = {
      'src/app.ts': "import { Foo } from './lib/foo';\nexport class App {\n  run(): void {\n    new Foo();\n  }\n}\n",
      'src/lib/foo.ts': 'export class Foo {}\n',
    };
    const view = workspaceViewOf(Object.keys(files), new Map(Object.entries(files)));
    const file = { path: 'src/app.ts', text: files['src/app.ts'] };
    const a = analyzeSource(parsers, file, view);
    assert.deepEqual(a?.imports, resolveImports(parsers, file, view));
    assert.deepEqual(a?.declarations, extractDeclarations(parsers, file));
    assert.deepEqual(a?.outline, outlineSymbols(parsers, file));
    assert.deepEqual(a?.outline.map((s) => s.name), ['App', 'run']);
    assert.deepEqual(collectImportedDeclarations(parsers, file, view, { imports: a!.imports }), collectImportedDeclarations(parsers, file, view));
    assert.equal(analyzeSource(parsers, { path: 'notes.txt', text: 'x' }, view), undefined);
  });

  it('analyzeSourceInTurns gives what analyzeSource gives, in every language, with the event loop free between its steps', async () => {
    const files: Record<string, string> = {
      'src/app.ts': "import { Foo } from './lib/foo';\nimport * as u from './util';\nexport class App {\n  run(): void {\n    new Foo(u.x);\n  }\n}\n",
      'src/lib/foo.ts': 'export class Foo {}\n',
      'src/util.ts': 'export const x = 1;\n',
      'py/app.py': 'from .models import User\nimport py.util\n\ndef main():\n    return User()\n',
      'py/__init__.py': '',
      'py/models.py': 'class User:\n    pass\n',
      'py/util.py': 'def helper():\n    pass\n',
      'go.mod': 'module example.com/m\n',
      'cmd/main.go': 'package main\n\nimport "example.com/m/store"\n\nfunc main() { store.Open() }\n',
      'store/store.go': 'package store\n\nfunc Open() {}\n',
    };
    const view = workspaceViewOf(Object.keys(files), new Map(Object.entries(files)));
    for (const path of ['src/app.ts', 'py/app.py', 'cmd/main.go', 'notes.txt']) {
      const file = { path, text: files[path] ?? 'x' };
      let turns = 0;
      let beforeLastTurn = false;
      const inTurns = await analyzeSourceInTurns(parsers, file, view, () => {
        turns++;
        // Each step waits for a turn of the event loop: a callback queued now runs before the step goes on.
        return new Promise((resolve) => {
          setImmediate(() => (beforeLastTurn = true));
          setImmediate(resolve);
        });
      });
      const whole = analyzeSource(parsers, file, view);
      assert.deepEqual(inTurns, whole, path);
      if (whole === undefined) continue;
      assert.ok(whole.imports.length > 0 && whole.outline.length > 0, `${path}: the sample resolves imports and has an outline`);
      assert.equal(turns, 3, path);
      assert.ok(beforeLastTurn, path);
    }
  });

  it('a large file is analysed in many steps (each walk in parts) and gives what one step gives', async () => {
    const files: Record<string, string> = {
      'src/lib/foo.ts': 'export class Foo {}\n',
      'py/__init__.py': '',
      'py/models.py': 'class User:\n    pass\n',
      'go.mod': 'module example.com/m\n',
      'store/store.go': 'package store\n\nfunc Open() {}\n',
    };
    const large: Record<string, string> = {
      'src/app.ts': "import { Foo } from './lib/foo';\n" + Array.from({ length: 1_500 }, (_, i) => `export function f${i}(a: number): Foo {\n  return new Foo(); // ${i}\n}\nexport const v${i} = (x: string) => x;\n`).join(''),
      'py/app.py': 'from .models import User\n' + Array.from({ length: 1_500 }, (_, i) => `\n\nclass C${i}:\n    def run(self, a):\n        return User()\n`).join(''),
      'cmd/main.go': 'package main\n\nimport "example.com/m/store"\n' + Array.from({ length: 1_500 }, (_, i) => `\nfunc f${i}(a int) int {\n\tstore.Open()\n\treturn a + ${i}\n}\n`).join(''),
    };
    const view = workspaceViewOf([...Object.keys(files), ...Object.keys(large)], new Map(Object.entries({ ...files, ...large })));
    for (const [path, text] of Object.entries(large)) {
      let turns = 0;
      const trees = new ReusedTrees();
      const inSteps = await analyzeSourceInTurns(parsers, { path, text }, view, () => (turns++, Promise.resolve()), trees.keeper(parsers, path));
      trees.clear();
      const file = { path, text };
      // Each part compared with what a walk of the whole tree at once gives (analyzeSource walks in the same parts).
      const whole = { imports: resolveImports(parsers, file, view), declarations: extractDeclarations(parsers, file), outline: outlineSymbols(parsers, file) };
      assert.deepEqual(inSteps, whole, path);
      assert.deepEqual(analyzeSource(parsers, file, view), whole, path);
      assert.ok(whole.outline.length >= 1_500 && whole.declarations.declarations.length >= 1_500 && whole.imports.length > 0, path);
      // At least one step per 16 KiB of each walk.
      assert.ok(turns >= 3 + 2 * Math.floor(text.length / (16 * 1024)), `${path}: ${turns} turns for ${text.length} characters`);
      // The declarations of a file that is imported, not analysed: in steps too.
      const extraction = pausesOf(extractDeclarationSteps(parsers, file));
      assert.deepEqual(extraction.value, whole.declarations, path);
      assert.ok(extraction.pauses >= Math.floor(text.length / (16 * 1024)), `${path}: ${extraction.pauses} steps`);
    }
  });

  it('a document analysed again from its last tree (an incremental parse) gives what a fresh analysis gives, edit after edit', async () => {
    const samples: Record<string, string> = {
      'src/app.ts': "import { Foo } from './lib/foo';\nimport * as u from './util';\n\nexport class App {\n  run(): void {\n    new Foo(u.x); // é 😀\n  }\n}\n\nexport function helper(a: number): number {\n  return a + 1;\n}\n",
      'py/app.py': 'from .models import User\nimport py.util\n\n\ndef main():\n    return User()\n\n\nclass Service:\n    def run(self):\n        pass\n',
      'cmd/main.go': 'package main\n\nimport "example.com/m/store"\n\nfunc main() { store.Open() }\n\nfunc helper(a int) int {\n\treturn a + 1\n}\n',
    };
    const files: Record<string, string> = {
      ...samples,
      'src/lib/foo.ts': 'export class Foo {}\n',
      'src/util.ts': 'export const x = 1;\n',
      'py/__init__.py': '',
      'py/models.py': 'class User:\n    pass\n',
      'py/util.py': 'def helper():\n    pass\n',
      'go.mod': 'module example.com/m\n',
      'store/store.go': 'package store\n\nfunc Open() {}\n',
    };
    const view = workspaceViewOf(Object.keys(files), new Map(Object.entries(files)));
    // Insertions, deletions and replacements of pieces that change the structure (a new function, a removed
    // import, an unclosed brace) as well as plain text; a fixed seed, so that a failure repeats.
    const pieces = ['\n', 'x', '}', '{', '\nexport function added(): void {}\n', '\ndef added():\n    pass\n', '\nfunc added() {}\n', 'é😀', '(', ''];
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const turn = () => Promise.resolve();
    for (const [path, original] of Object.entries(samples)) {
      const trees = new ReusedTrees();
      let text = original;
      for (let k = 0; k < 40; k++) {
        const at = random(text.length + 1);
        const cut = Math.min(text.length - at, random(4));
        text = text.slice(0, at) + pieces[random(pieces.length)]! + text.slice(at + cut);
        const file = { path, text };
        const incremental = await analyzeSourceInTurns(parsers, file, view, turn, trees.keeper(parsers, path));
        assert.deepEqual(incremental, analyzeSource(parsers, file, view), `${path}, edit ${k}: ${JSON.stringify(text)}`);
      }
      trees.clear();
    }
  });

  it('a parse in pieces (a prefix grown by incremental parses) gives the tree of a parse at once to code without errors, and stops growing at an error', () => {
    // An unclosed parenthesis near the top: growing past it would parse the whole prefix again each time.
    const broken = `f(\n${'export function g(a: number): number {\n  return a + 1;\n}\n'.repeat(400)}`;
    const brokenPieces = pausesOf(parseInPieces(parsers, 'typescript', broken, 1_000));
    assert.equal(brokenPieces.pauses, 1, 'the first piece, then the rest at once');
    brokenPieces.value.delete();

    const sources = ['server/lsp/cross-file.ts', 'server/context/cross-file/tokens.ts', 'server/spark/pool.ts', 'test/unit/cross-file-declarations.test.ts'];
    for (const file of sources) {
      const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      const once = parsers.parse('typescript', text);
      assert.equal(once.rootNode.hasError, false, file);
      const pieces = pausesOf(parseInPieces(parsers, 'typescript', text, 1_000));
      assert.equal(pieces.value.rootNode.toString(), once.rootNode.toString(), file);
      // Pieces end before top-level statements only: a file that is mostly one class has few.
      assert.ok(pieces.pauses > 1, `${file}: ${pieces.pauses} steps for ${text.length} characters`);
      pieces.value.delete();
      once.delete();
    }
  });

  it('text with syntax errors: every way of analysing it gives one result (the parse in pieces), even where a parse at once differs', async () => {
    // A text whose parse at once and parse in pieces differ (tree-sitter's recovery from an error that spans a cut
    // between pieces): the first of a fixed series of texts with random edits.
    const unit = 'export class App {\n  run(a: number): number {\n    return a + 1; // é\n  }\n}\n';
    const edits = ['\n', '}', '{', '(', '"', '/*', '`', 'x', ''];
    const outline = (tree: { rootNode: Node }, text: string) => outlineFromTree(tree.rootNode, 'typescript', text);
    let text = '';
    for (let s = 1; s <= 50 && text === ''; s++) {
      let seed = s;
      const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
      let candidate = unit.repeat(800);
      for (let k = 0; k < 8; k++) {
        const at = random(candidate.length + 1);
        candidate = candidate.slice(0, at) + edits[random(edits.length)]! + candidate.slice(at + random(4));
      }
      const once = parsers.parse('typescript', candidate);
      const inPieces = allSteps(parseInPieces(parsers, 'typescript', candidate));
      if (!isDeepStrictEqual(outline(once, candidate), outline(inPieces, candidate))) text = candidate;
      once.delete();
      inPieces.delete();
    }
    assert.notEqual(text, '', 'a text where the two parses differ');
    const file = { path: 'src/app.ts', text };
    const view = workspaceViewOf([], new Map());
    const whole = analyzeSource(parsers, file, view)!;
    assert.deepEqual(outlineSymbols(parsers, file), whole.outline);
    assert.deepEqual(extractDeclarations(parsers, file), whole.declarations);
    assert.deepEqual(allSteps(extractDeclarationSteps(parsers, file)), whole.declarations);
    assert.deepEqual(await analyzeSourceInTurns(parsers, file, view, () => Promise.resolve()), whole);
    const trees = new ReusedTrees();
    assert.deepEqual(await analyzeSourceInTurns(parsers, file, view, () => Promise.resolve(), trees.keeper(parsers, file.path)), whole);
    trees.clear();
  });

  it('ReusedTrees keeps the trees of the most recently analysed documents only, and frees the others', async () => {
    const trees = new ReusedTrees(2);
    const view = workspaceViewOf([], new Map());
    const analyse = (path: string, text: string) => analyzeSourceInTurns(parsers, { path, text }, view, () => Promise.resolve(), trees.keeper(parsers, path));
    await analyse('a.ts', 'export const a = 1;\n');
    await analyse('b.ts', 'export const b = 1;\n');
    await analyse('c.ts', 'export const c = 1;\n');
    assert.deepEqual(trees.keys(), ['b.ts', 'c.ts']);
    await analyse('b.ts', 'export const b = 2;\n');
    assert.deepEqual(trees.keys(), ['c.ts', 'b.ts']);
    trees.forget('c.ts');
    assert.deepEqual(trees.keys(), ['b.ts']);
    trees.clear();
    assert.deepEqual(trees.keys(), []);
  });

  it('editBetween: the one edit between two texts, in UTF-16 units, with rows and columns, never inside a surrogate pair', () => {
    assert.deepEqual(editBetween('ab\ncd\nef', 'ab\ncXd\nef'), {
      startIndex: 4, oldEndIndex: 4, newEndIndex: 5,
      startPosition: { row: 1, column: 1 }, oldEndPosition: { row: 1, column: 1 }, newEndPosition: { row: 1, column: 2 },
    });
    assert.deepEqual(editBetween('line\nrest', 'rest'), {
      startIndex: 0, oldEndIndex: 5, newEndIndex: 0,
      startPosition: { row: 0, column: 0 }, oldEndPosition: { row: 1, column: 0 }, newEndPosition: { row: 0, column: 0 },
    });
    // A change at the very start of a text that begins with a line break: column 0, not -1.
    assert.deepEqual(editBetween('\nabc', 'x\nabc').startPosition, { row: 0, column: 0 });
    const same = editBetween('same', 'same');
    assert.equal(same.startIndex, same.oldEndIndex);
    assert.equal(same.startIndex, same.newEndIndex);
    // 😀 and 😃 share their high surrogate: the edit starts before it, not between the two halves.
    const e = editBetween('a😀b', 'a😃b');
    assert.deepEqual([e.startIndex, e.oldEndIndex, e.newEndIndex], [1, 3, 3]);
    // U+1F600 and U+1FA00 share their low surrogate: the edit ends after it.
    const f = editBetween('a\u{1F600}b', 'a\u{1FA00}b');
    assert.deepEqual([f.startIndex, f.oldEndIndex, f.newEndIndex], [1, 3, 3]);
  });

  it('a target whose text the view does not give is reported unread', () => {
    const files = { 'a.ts': "import { x } from './b';\n" };
    assert.deepEqual(collect(files, 'a.ts', ['a.ts', 'b.ts']), { blocks: [], unread: ['b.ts'] });
  });

  it('a file the view hides (ignored, excluded) never contributes, even when its text is known', () => {
    const texts = new Map([
      ['a.ts', "import { key } from './secret';\nimport { ok, key as again } from './fine';\nexport * from './secret';\n"],
      ['secret.ts', 'export const key = "hunter2";\n'],
      ['fine.ts', "export { key } from './secret';\nexport const ok = 1;\n"],
    ]);
    const view = { roots: [''], has: (p: string) => p !== 'secret.ts' && texts.has(p), list: () => [], text: (p: string) => texts.get(p) };
    const got = collectImportedDeclarations(parsers, { path: 'a.ts', text: texts.get('a.ts')! }, view);
    assert.deepEqual(got.blocks.map((b) => b.path), ['fine.ts']);
    assert.ok(!JSON.stringify(got).includes('hunter2'));
  });

  it('declarations the caller has not extracted yet are reported unread, then used once there', () => {
    const files = { 'a.ts': "import { x } from './b';\nimport { y } from './c';\n", 'b.ts': 'export const x = 1;\n', 'c.ts': 'export const y = 2;\n' };
    const view = workspaceViewOf(Object.keys(files), new Map(Object.entries(files)));
    const memo = new Map([['b.ts', extractDeclarations(parsers, { path: 'b.ts', text: files['b.ts'] })]]);
    const file = { path: 'a.ts', text: files['a.ts'] };
    const first = collectImportedDeclarations(parsers, file, view, { declarationsOf: (f) => memo.get(f.path) });
    assert.deepEqual([first.blocks.map((b) => b.path), first.unread], [['b.ts'], ['c.ts']]);
    for (const path of first.unread) memo.set(path, extractDeclarations(parsers, { path, text: view.text(path)! }));
    const second = collectImportedDeclarations(parsers, file, view, { declarationsOf: (f) => memo.get(f.path) });
    assert.deepEqual([second.blocks.map((b) => b.path), second.unread], [['b.ts', 'c.ts'], []]);
  });
});
