// The symbols enclosing a cursor, with their signature lines. `@@` marks the cursor.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enclosingSymbols, loadParsers, outlineSymbols } from '../../server/context/cross-file/index.js';
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
