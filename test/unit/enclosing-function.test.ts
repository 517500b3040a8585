// The name of the function a line sits in, for titles such as "Write tests for <name>".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enclosingFunction } from '../../server/context/enclosing-function.js';

/** `|` marks the line asked about. */
function check(source: string, expected: string | undefined): void {
  const lines = source.split('\n');
  const line = lines.findIndex((l) => l.includes('|'));
  assert.ok(line >= 0, 'no | in the case');
  lines[line] = lines[line]!.replace('|', '');
  assert.equal(enclosingFunction(lines, line), expected, source);
}

test('the function a line is in', () => {
  const table: [string, string | undefined][] = [
    ['export function parse(s: string) {\n  const x = 1;\n  if (x) {\n    return |x;\n  }\n}', 'parse'],
    ['function a() {\n}\nconst y = |2;', undefined],
    ['function a() {\n  return 1;\n|}', 'a'],
    ['export const total = (xs: number[]) =>\n  xs.reduce((a, b) => a + |b, 0);', 'total'],
    ['const f = async x => {\n  await |x;\n};', 'f'],
    ['class Cart {\n  add(item: Item): void {\n    this.items.push(|item);\n  }\n}', 'add'],
    ['class Cart {\n  items = [|];\n}', 'Cart'],
    ['def serialize(obj):\n    if obj:\n        return |str(obj)\n', 'serialize'],
    ['def f(x):\n    return x\n\ny = |3', undefined],
    ['class Repo:\n    async def load(self, id):\n        return |id', 'load'],
    ['func (s *Server) Handle(w http.ResponseWriter) {\n\tw.Write(|nil)\n}', 'Handle'],
    ['pub fn parse(input: &str) -> u32 {\n    |0\n}', 'parse'],
    ['|function top() {}', 'top'],
    ['const x = 1;\n|', undefined],
    ['function outer() {\n  for (const x of xs) {\n    |x;\n  }\n}', 'outer'],
  ];
  for (const [source, expected] of table) check(source, expected);
});
