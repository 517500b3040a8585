// Import resolution per language: which workspace files a file takes names from, and which names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadParsers, resolveImports, workspaceViewOf } from '../../server/context/cross-file/index.js';

const parsers = await loadParsers();

interface Case {
  name: string;
  /** The workspace: path -> text. `from` is one of them. */
  files: Record<string, string>;
  from: string;
  /** Each import as [files, names, whole]. */
  expected: [string[], string[], boolean][];
  roots?: string[];
}

function check(c: Case): void {
  const view = workspaceViewOf(Object.keys(c.files), new Map(Object.entries(c.files)), c.roots);
  const got = resolveImports(parsers, { path: c.from, text: c.files[c.from]! }, view);
  assert.deepEqual(
    got.map((m) => [m.files, m.names, m.whole]),
    c.expected,
    c.name,
  );
}

describe('TypeScript and JavaScript imports', () => {
  const cases: Case[] = [
    {
      name: 'default, named and aliased names; ./x.js names x.ts',
      files: { 'src/app.ts': "import def, { a, b as c, type T } from './x.js';\n", 'src/x.ts': '', 'src/x.js': '' },
      from: 'src/app.ts',
      expected: [[['src/x.ts'], ['default', 'a', 'b', 'T'], false]],
    },
    {
      name: 'a namespace import takes the whole module; the members used come first',
      files: { 'src/app.ts': "import * as u from './util';\nu.add(1, 2);\nconst s = u.sub;\nu.add(3, 4);\n", 'src/util.ts': '' },
      from: 'src/app.ts',
      expected: [[['src/util.ts'], ['add', 'sub'], true]],
    },
    {
      name: 'index files, .tsx, and .mjs/.cjs naming .mts/.cts',
      files: {
        'src/app.ts': "import { y } from './lib';\nimport { Button } from './Button';\nimport { m } from './m.mjs';\nimport { k } from '../c.cjs';\n",
        'src/lib/index.ts': '',
        'src/Button.tsx': '',
        'src/m.mts': '',
        'c.cts': '',
      },
      from: 'src/app.ts',
      expected: [
        [['src/lib/index.ts'], ['y'], false],
        [['src/Button.tsx'], ['Button'], false],
        [['src/m.mts'], ['m'], false],
        [['c.cts'], ['k'], false],
      ],
    },
    {
      name: 're-exports of the file are imports too',
      files: { 'src/index.ts': "export { e, f as g } from './e';\nexport * from './star';\nexport * as ns from './ns';\n", 'src/e.ts': '', 'src/star.ts': '', 'src/ns.ts': '' },
      from: 'src/index.ts',
      expected: [
        [['src/e.ts'], ['e', 'f'], false],
        [['src/star.ts'], [], true],
        [['src/ns.ts'], [], true],
      ],
    },
    {
      name: 'CommonJS: destructured, member and whole requires; dynamic import',
      files: {
        'lib/main.js': "const { a, b: bb } = require('./cjs');\nconst w = require('./w');\nw.go();\nconst t = require('./m').thing;\nconst lazy = await import('./lazy.js');\n",
        'lib/cjs.js': '',
        'lib/w.js': '',
        'lib/m.js': '',
        'lib/lazy.js': '',
      },
      from: 'lib/main.js',
      expected: [
        [['lib/cjs.js'], ['a', 'b'], false],
        [['lib/w.js'], ['go'], true],
        [['lib/m.js'], ['thing'], false],
        [['lib/lazy.js'], [], true],
      ],
    },
    {
      name: 'import x = require() takes the whole module',
      files: { 'a.ts': "import q = require('./q');\nq.run();\n", 'q.ts': '' },
      from: 'a.ts',
      expected: [[['q.ts'], ['run'], true]],
    },
    {
      name: 'packages, node: builtins, side effects and missing files are not workspace imports',
      files: { 'a.ts': "import React from 'react';\nimport { readFile } from 'node:fs';\nimport './polyfill';\nimport { x } from './missing';\n", 'polyfill.ts': '' },
      from: 'a.ts',
      expected: [],
    },
    {
      name: 'two imports of one file merge',
      files: { 'a.ts': "import { x } from './b';\nimport type { T } from './b.js';\n", 'b.ts': '' },
      from: 'a.ts',
      expected: [[['b.ts'], ['x', 'T'], false]],
    },
    {
      name: 'a JavaScript file finds .js and .jsx files',
      files: { 'web/a.js': "import { x } from './b';\nimport C from './C';\n", 'web/b.js': '', 'web/C.jsx': '' },
      from: 'web/a.js',
      expected: [
        [['web/b.js'], ['x'], false],
        [['web/C.jsx'], ['default'], false],
      ],
    },
    {
      name: 'tsconfig paths and baseUrl (comments and trailing commas allowed)',
      files: {
        'tsconfig.json': '{\n  // options\n  "compilerOptions": {\n    "baseUrl": ".",\n    "paths": { "@app/*": ["src/app/*"], "~cfg": ["config/index.ts"], },\n  },\n}\n',
        'src/main.ts': "import { z } from '@app/z';\nimport { q } from 'src/q';\nimport cfg from '~cfg';\nimport { n } from 'not-there';\n",
        'src/app/z.ts': '',
        'src/q.ts': '',
        'config/index.ts': '',
      },
      from: 'src/main.ts',
      expected: [
        [['src/app/z.ts'], ['z'], false],
        [['src/q.ts'], ['q'], false],
        [['config/index.ts'], ['default'], false],
      ],
    },
    {
      name: 'paths from an extended config are relative to that config; the nearest config wins',
      files: {
        'tsconfig.json': '{ "compilerOptions": { "paths": { "#root/*": ["./*"] } } }',
        'pkg/tsconfig.json': '{ "extends": "../config/base", "compilerOptions": { "strict": true } }',
        'config/base.json': '{ "compilerOptions": { "paths": { "#lib/*": ["../pkg/lib/*"] } } }',
        'pkg/src/a.ts': "import { l } from '#lib/l';\nimport { r } from '#root/r';\n",
        'pkg/lib/l.ts': '',
        'r.ts': '',
      },
      from: 'pkg/src/a.ts',
      expected: [[['pkg/lib/l.ts'], ['l'], false]],
    },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

describe('Python imports', () => {
  const pkg = { 'app/__init__.py': '', 'app/core/__init__.py': '', 'app/core/db.py': '', 'app/api/__init__.py': '' };
  const cases: Case[] = [
    {
      name: 'from .mod import names (aliases name the original)',
      files: { 'shop/__init__.py': '', 'shop/views.py': 'from .models import User, Group as G\n', 'shop/models.py': '' },
      from: 'shop/views.py',
      expected: [[['shop/models.py'], ['User', 'Group'], false]],
    },
    {
      name: 'relative levels',
      files: { ...pkg, 'app/api/routes.py': 'from ..core.db import connect\nfrom ...outside import x\n' },
      from: 'app/api/routes.py',
      expected: [[['app/core/db.py'], ['connect'], false]],
    },
    {
      name: 'absolute imports from the top of the package, and import pkg.mod [as m] with members used',
      files: { ...pkg, 'app/api/routes.py': 'import app.core.db\nimport app.core.db as database\nfrom app.core.db import connect\napp.core.db.open()\ndatabase.close()\n' },
      from: 'app/api/routes.py',
      expected: [[['app/core/db.py'], ['open', 'close', 'connect'], true]],
    },
    {
      name: 'a src/ layout, seen from tests/',
      files: { 'src/lib/__init__.py': 'def name(): pass\n', 'src/lib/mod.py': '', 'tests/test_mod.py': 'from lib.mod import f\nfrom lib import name\n' },
      from: 'tests/test_mod.py',
      expected: [
        [['src/lib/mod.py'], ['f'], false],
        [['src/lib/__init__.py'], ['name'], false],
      ],
    },
    {
      name: 'from pkg import submodule takes the submodule; from . import sibling too',
      files: { ...pkg, 'app/core/cache.py': 'from app.core import db\nfrom . import db as d2\nfrom app.core import nothing_here\ndb.connect()\nd2.close()\n' },
      from: 'app/core/cache.py',
      expected: [
        [['app/core/db.py'], ['connect', 'close'], true],
        [['app/core/__init__.py'], ['nothing_here'], false],
      ],
    },
    {
      name: 'star imports; the standard library is not the workspace',
      files: { 'm/__init__.py': '', 'm/a.py': 'import os\nfrom typing import List\nfrom .b import *\n', 'm/b.py': '' },
      from: 'm/a.py',
      expected: [[['m/b.py'], [], true]],
    },
    {
      name: 'namespace packages (no __init__.py)',
      files: { 'ns/mod.py': '', 'main.py': 'from ns.mod import x\n' },
      from: 'main.py',
      expected: [[['ns/mod.py'], ['x'], false]],
    },
  ];
  for (const c of cases) it(c.name, () => check(c));
});

describe('Go imports', () => {
  const gomod = 'module example.com/m\n\ngo 1.22\n';
  const cases: Case[] = [
    {
      name: 'module-local packages with the members used; stdlib and blank imports are not',
      files: {
        'go.mod': gomod,
        'cmd/main.go': 'package main\n\nimport (\n\t"fmt"\n\t"example.com/m/util"\n\tst "example.com/m/internal/store"\n\t_ "example.com/m/plugin"\n)\n\nfunc main() { util.Help(); st.Open(); fmt.Println(util.Version) }\n',
        'util/a.go': 'package util\n',
        'util/b.go': 'package util\n',
        'util/a_test.go': 'package util\n',
        'internal/store/store.go': 'package store\n',
        'plugin/p.go': 'package plugin\n',
      },
      from: 'cmd/main.go',
      expected: [
        [['util/a.go', 'util/b.go'], ['Help', 'Version'], true],
        [['internal/store/store.go'], ['Open'], true],
      ],
    },
    {
      name: 'a /vN module path',
      files: { 'go.mod': 'module example.com/m/v2\n', 'x/x.go': 'package x\n', 'main.go': 'package main\nimport "example.com/m/v2/x"\nvar _ = x.Y\n' },
      from: 'main.go',
      expected: [[['x/x.go'], ['Y'], true]],
    },
    {
      name: 'nested module: the nearest go.mod names the import paths',
      files: { 'go.mod': gomod, 'tools/go.mod': 'module example.com/tools\n', 'tools/gen/gen.go': 'package gen\n', 'tools/main.go': 'package main\nimport "example.com/tools/gen"\nvar _ = gen.Run\n' },
      from: 'tools/main.go',
      expected: [[['tools/gen/gen.go'], ['Run'], true]],
    },
  ];
  for (const c of cases) it(c.name, () => check(c));

  it("the file's own package: the other files of its directory, with every identifier it uses first", () => {
    const files: Record<string, string> = {
      'store/a.go': 'package store\n\nfunc use() { helper(); _ = Limit }\n',
      'store/b.go': 'package store\n',
      'store/b_test.go': 'package store\n',
      'store/sub/c.go': 'package sub\n',
    };
    const view = workspaceViewOf(Object.keys(files), new Map(Object.entries(files)));
    const [own, ...rest] = resolveImports(parsers, { path: 'store/a.go', text: files['store/a.go']! }, view);
    assert.deepEqual(rest, []);
    assert.deepEqual(own?.files, ['store/b.go']);
    assert.equal(own?.whole, true);
    for (const name of ['helper', 'Limit']) assert.ok(own?.names.includes(name), name);

    const fromTest = resolveImports(parsers, { path: 'store/b_test.go', text: files['store/b_test.go']! }, view);
    assert.deepEqual(fromTest[0]?.files, ['store/a.go', 'store/b.go'], 'a test file sees the package and its other tests');
  });
});
