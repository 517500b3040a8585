import { loadParsers } from './server/context/cross-file/index.ts';
import { allSteps } from './server/context/cross-file/steps.ts';
const parsers = await loadParsers();
const samples: Record<string, [any, string]> = {
  ts: ['typescript', "import { Foo } from './lib/foo';\nimport * as u from './util';\n\nexport class App {\n  run(): void {\n    new Foo(u.x); // é 😀\n  }\n}\n\nexport function helper(a: number): number {\n  return a + 1;\n}\n"],
  py: ['python', 'from .models import User\nimport py.util\n\n\ndef main():\n    return User()\n\n\nclass Service:\n    def run(self):\n        pass\n'],
  go: ['go', 'package main\n\nimport "example.com/m/store"\n\nfunc main() { store.Open() }\n\nfunc helper(a int) int {\n\treturn a + 1\n}\n'],
};
const pieces = ['\n', 'x', '}', '{', '\nexport function added(): void {}\n', '\ndef added():\n    pass\n', '\nfunc added() {}\n', 'é😀', '(', ''];
let seed = 42;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
let freshBad = 0, incBad = 0, n = 0;
for (const [lang, original] of Object.values(samples)) {
  let text = original;
  let prev: { tree: any; text: string } | undefined;
  for (let k = 0; k < 40; k++) {
    const at = random(text.length + 1);
    const cut = Math.min(text.length - at, random(4));
    text = text.slice(0, at) + pieces[random(pieces.length)]! + text.slice(at + cut);
    const whole = parsers.parse(lang, text);
    const expected = whole.rootNode.toString(); whole.delete();
    const fresh = allSteps(parsers.parseInSlices(lang, text, undefined, 0));
    if (fresh.rootNode.toString() !== expected) freshBad++;
    fresh.delete();
    if (prev) {
      const inc = allSteps(parsers.parseInSlices(lang, text, prev, 0));
      if (inc.rootNode.toString() !== expected) incBad++;
      prev.tree.delete();
      prev = { tree: inc, text };
    } else prev = { tree: parsers.parse(lang, text), text };
    // the same incremental, unsliced
    n++;
  }
}
console.log({ n, freshBad, incBad });
