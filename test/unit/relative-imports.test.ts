// Which workspace files a file may import: candidate paths per import, most likely first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importCandidates } from '../../server/context/relative-imports.js';

const first = (path: string, lang: string, text: string) => importCandidates(path, lang, text).map((c) => c[0]);

test('imports followed per language', () => {
  const table: [string, string, string, (string | undefined)[]][] = [
    ['src/a.ts', 'typescript', 'import { b } from "./b";\nimport x from "lodash";\nexport * from \'../lib/c.js\';\n', ['src/b.ts', 'lib/c.js']],
    ['src/a.ts', 'typescript', 'const d = require("./d");\nconst e = await import("./e");\n', ['src/d.ts', 'src/e.ts']],
    ['a.ts', 'typescript', 'import "../outside";\nimport { y } from "./y";\nimport { y2 } from "./y";\n', ['y.ts']],
    ['pkg/mod.py', 'python', 'from .util import f\nfrom . import helpers, other as o\nfrom ..top import g\nimport os\nfrom pkg.core import h\n',
      ['pkg/util.py', 'pkg/helpers.py', 'pkg/other.py', 'top.py', 'pkg/core.py', 'os.py']],
    ['src/x.c', 'c', '#include <stdio.h>\n#include "x.h"\n', ['src/x.h']],
    ['src/lib.rs', 'rust', 'mod parser;\npub mod eval;\n', ['src/parser.rs', 'src/eval.rs']],
    ['src/parser.rs', 'rust', 'mod lexer;\n', ['src/parser/lexer.rs']],
    ['main.go', 'go', 'import "fmt"\n', []],
  ];
  for (const [path, lang, text, expected] of table) assert.deepEqual(first(path, lang, text), expected, `${path}: ${text}`);
});

test('candidates: extensions, index files, and .js naming a .ts', () => {
  const [b] = importCandidates('src/a.ts', 'typescript', 'import { b } from "./b";');
  assert.deepEqual(b!.slice(0, 3), ['src/b.ts', 'src/b.tsx', 'src/b.d.ts']);
  assert.ok(b!.includes('src/b/index.ts'));
  const [c] = importCandidates('src/a.ts', 'typescript', 'import { c } from "./c.js";');
  assert.deepEqual(c!.slice(0, 2), ['src/c.js', 'src/c.ts']);
  const [p] = importCandidates('a.py', 'python', 'from .pkg import x');
  assert.deepEqual(p, ['pkg.py', 'pkg/__init__.py', 'pkg.pyi']);
});
