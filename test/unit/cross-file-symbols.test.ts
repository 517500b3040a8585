// The symbols enclosing a cursor, with their signature lines. `@@` marks the cursor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeSource, enclosingSymbols, loadParsers, outlineSymbols, workspaceViewOf } from '../../server/context/cross-file/index.js';
import { parseCursor } from '../support/markers.js';

const parsers = await loadParsers();

/** [path, source with @@, expected [kind, name, signature] outermost first]. */
type Case = [string, string, [string, string, string][]];

function check([path, source, expected]: Case): void {
  const { text, offset } = parseCursor(source, '@@');
  const outline = outlineSymbols(parsers, { path, text });
  const got = enclosingSymbols(outline, offset).map((s) => [s.kind, s.name, s.signature]);
  assert.deepEqual(got, expected, source);
}

describe('enclosing symbols', () => {
  const cases: [string, Case][] = [
    [
      'a method in an exported class',
      ['a.ts', 'export class Cart {\n  add(item: Item): void {\n    this.items.push(@@item);\n  }\n}\n', [
        ['class', 'Cart', 'export class Cart'],
        ['method', 'add', '  add(item: Item): void'],
      ]],
    ],
    [
      'an arrow function named by its variable, and a callback inside it',
      ['a.ts', 'export const total = (xs: number[]) =>\n  xs.reduce((a, b) => a + @@b, 0);\n', [
        ['function', 'total', 'export const total = (xs: number[]) =>'],
        ['callback', 'xs.reduce', '  xs.reduce((a, b) =>'],
      ]],
    ],
    [
      'test callbacks are named by their title',
      ['a.test.js', "describe('cart', () => {\n  it('adds', async () => {\n    expect(@@1);\n  });\n});\n", [
        ['callback', 'cart', "describe('cart', () =>"],
        ['callback', 'adds', "  it('adds', async () =>"],
      ]],
    ],
    ['outside any symbol', ['a.ts', 'function a() {\n}\nconst y = @@2;\n', []]],
    [
      'offsets are UTF-16 code units, as in the editor',
      ['a.ts', 'const s = "日本😀";\nfunction f() {\n  @@\n}\n', [['function', 'f', 'function f()']]],
    ],
    [
      'long parameter lists are cut after five lines',
      ['a.ts', 'function many(\n  a: number,\n  b: number,\n  c: number,\n  d: number,\n  e: number,\n): void {\n  @@\n}\n', [
        ['function', 'many', 'function many(\n  a: number,\n  b: number,\n  c: number,\n  d: number, …'],
      ]],
    ],
    [
      'Python: a method in a class',
      ['m.py', 'class Repo:\n    @cached\n    async def load(self, id):\n        return @@id\n', [
        ['class', 'Repo', 'class Repo:'],
        ['function', 'load', '    async def load(self, id):'],
      ]],
    ],
    [
      'Go: a method, and a struct',
      ['s.go', 'package s\n\nfunc (s *Server) Handle(w http.ResponseWriter) {\n\tw.Write(@@nil)\n}\n', [
        ['method', 'Handle', 'func (s *Server) Handle(w http.ResponseWriter)'],
      ]],
    ],
    ['Go: a struct', ['s.go', 'package s\n\ntype Store struct {\n\tName @@string\n}\n', [['class', 'Store', 'type Store struct']]]],
    ['a language not understood has no symbols', ['a.rs', 'fn main() {\n    @@\n}\n', []]],
  ];
  for (const [name, c] of cases) it(name, () => check(c));
});

describe('half-typed code', () => {
  const samples: [string, string][] = [
    ['a.ts', "import { x } from './x';\nexport class Cart<T> {\n  private items: T[] = [];\n  add(item: T): void {\n    this.items.push(item);\n  }\n}\nexport const f = async (a: number) => {\n  return [1, 2].map((v) => v * a);\n};\n"],
    ['m.py', 'from .x import y\n\nclass Repo:\n    """Docs."""\n\n    def load(self, id: int) -> str:\n        return str(id)\n\ndef top(a, *args, **kw):\n    pass\n'],
    ['s.go', 'package s\n\nimport "fmt"\n\ntype S struct {\n\tA int\n}\n\nfunc (s *S) M(x int) error {\n\treturn fmt.Errorf("%d", x)\n}\n'],
  ];
  const view = workspaceViewOf(['x.ts', 'x.py'], new Map());

  it('any cut of a file still gives an outline of well-formed, nested spans', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.nat(), fc.nat(), ([path, full], a, b, c) => {
        const [from, to] = [a % (full.length + 1), b % (full.length + 1)].sort((x, y) => x - y) as [number, number];
        const text = full.slice(0, from) + full.slice(to);
        const analysis = analyzeSource(parsers, { path, text }, view);
        assert.ok(analysis !== undefined);
        for (const s of analysis.outline) assert.ok(0 <= s.start && s.start < s.end && s.end <= text.length, JSON.stringify(s));
        const enclosing = enclosingSymbols(analysis.outline, c % (text.length + 1));
        for (let i = 1; i < enclosing.length; i++) {
          assert.ok(enclosing[i - 1]!.start <= enclosing[i]!.start && enclosing[i]!.end <= enclosing[i - 1]!.end, 'nested');
        }
      }),
      { numRuns: 300 },
    );
  });
});
