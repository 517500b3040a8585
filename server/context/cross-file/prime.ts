// Runs the whole analysis once per loaded language over a tiny two-file project held in memory: a file that
// imports a name from its neighbour. Each language's import, declaration and outline code (and the layout
// with the real counter) is then compiled before the first document needs it; the first analysis of a real
// document otherwise paid that, about 20 ms on the event loop, right when completions began. Pure.
import { analyzeSource, collectImportedDeclarations } from './collect.js';
import { buildCrossFileContext } from './layout.js';
import { enclosingSymbols } from './symbols.js';
import type { SourceLanguage, Parsers } from './syntax.js';
import type { TokenCounter } from './tokens.js';
import { workspaceViewOf } from './view.js';

/** Per language: the importing file and the imported one, as [path, text]. */
const SAMPLES: Record<SourceLanguage, [[string, string], [string, string]]> = {
  typescript: [
    ['p/main.ts', "import { total, type Item } from './lib';\nexport function sum(items: Item[]): number {\n  return total(items);\n}\n"],
    ['p/lib.ts', 'export interface Item {\n  n: number;\n}\nexport function total(items: Item[]): number {\n  return items.length;\n}\nexport class Box {\n  size = 1;\n}\n'],
  ],
  tsx: [
    ['p/main.tsx', "import { Box } from './lib';\nexport const View = () => <Box />;\n"],
    ['p/lib.tsx', 'export function Box(): JSX.Element {\n  return <div />;\n}\n'],
  ],
  javascript: [
    ['p/main.js', "import { total } from './lib.js';\nexport function sum(items) {\n  return total(items);\n}\n"],
    ['p/lib.js', 'export function total(items) {\n  return items.length;\n}\nexport class Box {}\n'],
  ],
  python: [
    ['p/main.py', 'from .lib import total\n\ndef run(items):\n    return total(items)\n'],
    ['p/lib.py', 'def total(items: list) -> int:\n    return len(items)\n\nclass Box:\n    size = 1\n'],
  ],
  go: [
    ['p/main.go', 'package p\n\nfunc Run(items []int) int {\n\treturn Total(items)\n}\n'],
    ['p/lib.go', 'package p\n\nfunc Total(items []int) int {\n\treturn len(items)\n}\n\ntype Box struct{ Size int }\n'],
  ],
};

/** What one language's run found: symbols outlined, declarations collected from the neighbour, tokens of the stable part. */
export interface PrimeRun {
  language: SourceLanguage;
  outlined: number;
  declarations: number;
  stableTokens: number;
}

export function primeAnalysis(parsers: Parsers, count: TokenCounter): PrimeRun[] {
  return parsers.languages.map((language) => {
    const [[mainPath, mainText], [libPath, libText]] = SAMPLES[language];
    const view = workspaceViewOf([mainPath, libPath], new Map([[mainPath, mainText], [libPath, libText]]));
    const file = { path: mainPath, text: mainText };
    const analysis = analyzeSource(parsers, file, view);
    const collected = collectImportedDeclarations(parsers, file, view, analysis ? { imports: analysis.imports } : {});
    const context = buildCrossFileContext({
      path: mainPath,
      declarations: collected.blocks,
      enclosing: enclosingSymbols(analysis?.outline ?? [], mainText.length - 4),
      recentEdits: [{ path: libPath, text: libText, line: 0 }],
      openFiles: [{ path: libPath, text: libText }],
      budgetTokens: 1_000,
      countTokens: count,
    });
    return {
      language,
      outlined: analysis?.outline.length ?? 0,
      declarations: collected.blocks.reduce((n, b) => n + b.declarations.length, 0),
      stableTokens: context.tokens.stable,
    };
  });
}
