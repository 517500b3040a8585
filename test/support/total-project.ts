// A small TypeScript project that the workspace-edit tests (integration and end-to-end) edit: a module that
// imports another, and its test file. One copy, so each test's expected texts derive from the same sources.

export const TOTAL = [
  "import { add } from './math';",
  '',
  'export function total(xs: number[]): number {',
  '  let sum = 0;',
  '  for (const x of xs) sum = add(sum, x);',
  '  return sum;',
  '}',
  '',
  'export function mean(xs: number[]): number {',
  '  return total(xs) / xs.length;',
  '}',
  '',
].join('\n');
export const MATH = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
export const TESTS = "import { total } from '../src/total';\n\ntest('total', () => expect(total([1, 2])).toBe(3));\n";
