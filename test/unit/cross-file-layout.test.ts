// The cross-file block: priority under a budget, order from stable to volatile, the hash of the stable part,
// open files ranked by relevance, and the token counters.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildCrossFileContext,
  boundedPieces,
  cachingTokenCounter,
  estimateTokenCount,
  loadTokenCounter,
  rankOpenFiles,
  type CrossFileInput,
  type Declaration,
  type DeclarationBlock,
  type SymbolSpan,
} from '../../server/context/cross-file/index.js';
import { DECLARATIONS_LABEL, ENCLOSING_LABEL, fitLines, OPEN_FILES_LABEL, RECENT_EDITS_LABEL } from '../../server/context/cross-file/layout.js';
import { chunkEnds, MAX_PIECE_CHARS } from '../../server/context/cross-file/tokens.js';

const count = await loadTokenCounter();

/** The exact counter, with the texts it was asked to count. */
function recordingCounter(): { count: (text: string) => number; counted: string[] } {
  const counted: string[] = [];
  return { count: (text) => (counted.push(text), count(text)), counted };
}

const decl = (name: string, text = `export function ${name}(a: number): string;`): Declaration => ({
  names: [name],
  exportedAs: [name],
  kind: 'function',
  line: 0,
  text,
});
const block = (path: string, ...names: string[]): DeclarationBlock => ({ path, language: 'typescript', declarations: names.map((n) => decl(n)) });
const span = (name: string, signature: string, line: number): SymbolSpan => ({ name, kind: 'function', start: 0, end: 1, line, signature });
const numbered = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `const ${tag}${i} = compute(${i}); // ${tag}\n`).join('');

function input(over: Partial<CrossFileInput> = {}): CrossFileInput {
  return {
    path: 'src/app.ts',
    declarations: [block('src/util.ts', 'add', 'sub'), block('src/math.ts', 'mul')],
    enclosing: [span('Cart', 'export class Cart', 3), span('add', '  add(item: Item): void', 9)],
    recentEdits: [{ path: 'src/other.ts', text: 'other.change();\n', line: 41 }],
    openFiles: [{ path: 'src/open.ts', text: numbered(5, 'open') }],
    budgetTokens: 24_000,
    countTokens: count,
    ...over,
  };
}

describe('cross-file layout', () => {
  it('emits declarations, open files, recent edits, enclosing symbols, in that order', () => {
    const ctx = buildCrossFileContext(input());
    const at = [DECLARATIONS_LABEL, OPEN_FILES_LABEL, RECENT_EDITS_LABEL, ENCLOSING_LABEL].map((l) => ctx.text.indexOf(l));
    assert.ok(at.every((i) => i >= 0), `every section present:\n${ctx.text}`);
    assert.deepEqual([...at].sort((a, b) => a - b), at);
    assert.equal(ctx.text, `${ctx.stable}\n${ctx.volatile}`);
    assert.ok(ctx.stable.includes('File: src/util.ts\n```typescript\nexport function add(a: number): string;\nexport function sub(a: number): string;\n```\n'), ctx.stable);
    assert.ok(ctx.volatile.includes('File: src/other.ts (from line 42)'), ctx.volatile);
    assert.ok(ctx.volatile.includes('line 4: export class Cart\nline 10: add(item: Item): void'), ctx.volatile);
    assert.deepEqual(ctx.included, { declarations: 3, declarationsOmitted: 0, openFiles: ['src/open.ts'], recentEdits: 1, enclosing: 2 });
  });

  it('nothing to show gives empty text and the hash of nothing', () => {
    const a = buildCrossFileContext(input({ declarations: [], enclosing: [], recentEdits: [], openFiles: [] }));
    const b = buildCrossFileContext(input({ declarations: [], enclosing: [], recentEdits: [], openFiles: [], budgetTokens: 10 }));
    assert.equal(a.text, '');
    assert.deepEqual(a.tokens, { stable: 0, volatile: 0 });
    assert.equal(a.stableHash, b.stableHash);
    assert.match(a.stableHash, /^[0-9a-f]{16}$/);
  });

  it('the stable part and its hash do not depend on the cursor or on recent edits', () => {
    const base = buildCrossFileContext(input());
    const moved = buildCrossFileContext(input({ enclosing: [span('other', 'function other()', 50)], recentEdits: [{ path: 'x.ts', text: numbered(300, 'edit') }] }));
    assert.equal(moved.stable, base.stable);
    assert.equal(moved.stableHash, base.stableHash);
    assert.notEqual(moved.volatile, base.volatile);
    // Also when the budget is tight and the volatile part would want more room.
    const tight = (over: Partial<CrossFileInput>) => buildCrossFileContext(input({ budgetTokens: 400, openFiles: [{ path: 'src/big.ts', text: numbered(400, 'big') }], ...over }));
    assert.equal(tight({ recentEdits: [] }).stableHash, tight({ recentEdits: [{ path: 'x.ts', text: numbered(300, 'edit') }] }).stableHash);
  });

  it('the hash changes when an imported declaration or an open file changes', () => {
    const base = buildCrossFileContext(input()).stableHash;
    const changedDecl = buildCrossFileContext(input({ declarations: [block('src/util.ts', 'add', 'sub', 'neg'), block('src/math.ts', 'mul')] })).stableHash;
    const changedOpen = buildCrossFileContext(input({ openFiles: [{ path: 'src/open.ts', text: numbered(6, 'open') }] })).stableHash;
    assert.equal(new Set([base, changedDecl, changedOpen]).size, 3);
  });

  it('stays within the budget, counted exactly, whatever the budget', () => {
    const big = input({
      declarations: [block('src/util.ts', ...Array.from({ length: 80 }, (_, i) => `fn${i}`)), block('src/math.ts', 'mul')],
      enclosing: [span('a', 'function a()', 1), span('b', '  function b()', 2)],
      recentEdits: Array.from({ length: 6 }, (_, i) => ({ path: `src/e${i}.ts`, text: numbered(60, `e${i}`) })),
      openFiles: Array.from({ length: 4 }, (_, i) => ({ path: `src/o${i}.ts`, text: numbered(400, `o${i}`) })),
    });
    for (const budget of [0, 30, 100, 300, 1_000, 3_000, 10_000, 24_000]) {
      const ctx = buildCrossFileContext({ ...big, budgetTokens: budget });
      const total = ctx.text === '' ? 0 : count(ctx.text);
      assert.ok(total <= budget, `budget ${budget}: ${total} tokens`);
      const summed = ctx.tokens.stable + ctx.tokens.volatile;
      assert.ok(Math.abs(total - summed) <= 2 + summed / 100, `budget ${budget}: ${summed} counted piece by piece, ${total} whole`);
    }
  });

  it('declarations come first: under a small budget open files go, then declarations one by one', () => {
    const withOpen = input({ openFiles: [{ path: 'src/o.ts', text: numbered(100, 'o') }], recentEdits: [], enclosing: [] });
    const roomy = buildCrossFileContext({ ...withOpen, budgetTokens: 20_000 });
    assert.deepEqual([roomy.included.declarations, roomy.included.openFiles], [3, ['src/o.ts']]);
    const small = buildCrossFileContext({ ...withOpen, budgetTokens: 110 });
    assert.equal(small.included.openFiles.length, 0);
    assert.ok(small.included.declarations >= 1 && small.included.declarations < 3, JSON.stringify(small.included));
    assert.equal(small.included.declarations + small.included.declarationsOmitted, 3);
    assert.ok(small.stable.includes('export function add('), 'the first imported name is kept');
  });

  it('an open file shows its head in whole lines and says what is left out', () => {
    const text = numbered(2000, 'long');
    const ctx = buildCrossFileContext(input({ openFiles: [{ path: 'src/long.ts', text }], declarations: [], enclosing: [], recentEdits: [] }));
    const m = /File: src\/long\.ts \(lines 1-(\d+) of 2000\)\n```typescript\n([\s\S]*?)```\n/.exec(ctx.stable);
    assert.ok(m !== null, ctx.stable.slice(0, 300));
    const body = m[2]!;
    assert.ok(text.startsWith(body) && body.endsWith('\n'));
    assert.equal(body.split('\n').length - 1, Number(m[1]));
    assert.ok(count(body) <= 4_096);
  });

  it('the current file, duplicate edits and blank texts are left out', () => {
    const ctx = buildCrossFileContext(
      input({
        openFiles: [{ path: 'src/app.ts', text: 'self();\n' }, { path: 'src/blank.ts', text: '  \n' }, { path: 'src/b.ts', text: 'b();\n' }],
        recentEdits: [{ path: 'src/app.ts', text: 'mine();\n' }, { path: 'src/c.ts', text: 'c();\n' }, { path: 'src/c.ts', text: 'c();\n' }],
      }),
    );
    assert.deepEqual(ctx.included.openFiles, ['src/b.ts']);
    assert.equal(ctx.included.recentEdits, 1);
    assert.ok(!ctx.text.includes('self();') && !ctx.text.includes('mine();'));
  });

  it('short of room, the innermost enclosing symbols are kept', () => {
    const spans = Array.from({ length: 40 }, (_, i) => span(`f${i}`, `${' '.repeat(i)}function f${i}(argument${i}: SomeLongTypeName${i})`, i));
    const ctx = buildCrossFileContext(input({ declarations: [], openFiles: [], recentEdits: [], enclosing: spans, budgetTokens: 300 }));
    assert.ok(ctx.included.enclosing > 0 && ctx.included.enclosing < 40, String(ctx.included.enclosing));
    assert.ok(ctx.volatile.includes('function f39('));
    assert.ok(!ctx.volatile.includes('function f0('));
  });

  it('works with the estimate too (the request path)', () => {
    const ctx = buildCrossFileContext(input({ countTokens: estimateTokenCount, budgetTokens: 200 }));
    assert.ok(estimateTokenCount(ctx.text) <= 200);
    assert.ok(ctx.included.declarations > 0);
  });
});

describe('ranking open files', () => {
  it('imported by the current file, then importing it, then same directory, then input order', () => {
    const files = ['lib/x.ts', 'src/sibling.ts', 'src/app.ts', 'test/app.test.ts', 'lib/util.ts', 'src/other.ts'].map((path) => ({ path, text: '' }));
    const ranked = rankOpenFiles('src/app.ts', files, { imports: ['lib/util.ts'], importers: ['test/app.test.ts'] });
    assert.deepEqual(
      ranked.map((f) => f.path),
      ['lib/util.ts', 'test/app.test.ts', 'src/sibling.ts', 'src/other.ts', 'lib/x.ts'],
    );
  });
});

describe('token counts', () => {
  it('o200k counts as the OpenAI models do, and text spelling a special token is plain text', () => {
    assert.equal(count('hello world'), 2);
    assert.equal(count(''), 0);
    assert.ok(count('a <|endoftext|> b') > 3);
  });

  it('the caching counter counts as the counter does, once per short text, and forgets the oldest', () => {
    const { count: counter, counted: seen } = recordingCounter();
    const cached = cachingTokenCounter(counter, 2);
    for (const t of ['a b c', 'a b c', 'def', 'a b c', 'ghi', 'def']) assert.equal(cached(t), count(t));
    assert.deepEqual(seen, ['a b c', 'def', 'ghi', 'def']);
  });

  it('a long text counts as the sum of its chunks, each cut where o200k cuts anyway: the same count as the whole', () => {
    const sources = readdirSync(new URL('../../server/context/cross-file/', import.meta.url)).map((f) => readFileSync(new URL(`../../server/context/cross-file/${f}`, import.meta.url), 'utf8'));
    const whole = sources.join('\n');
    assert.equal(cachingTokenCounter(count)(whole), count(whole));
    assert.ok(chunkEnds(whole).length > 20, 'cut into chunks');
    // Lines that begin with what o200k's pre-tokens may join to the line break before them, in random texts.
    const pieces = ['/', '//', '/*', '\r\n', '\r', '\n', '  ', '\t', '\u00a0', '\u3000x', '}', ');', 'x', 'é', '12', '#', ' ', '<|endoftext|>', '\\', 'a.b'];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) % n);
    for (let round = 0; round < 40; round++) {
      const lines = Array.from({ length: 300 }, () => Array.from({ length: random(5) }, () => pieces[random(pieces.length)]).join(''));
      const text = lines.join('\n');
      assert.equal(cachingTokenCounter(count)(text), count(text), `round ${round}`);
      // Every line break where a cut is allowed, cut at once.
      const ends = chunkEnds(text, 1, 1);
      assert.equal(
        ends.reduce((n, end, i) => n + count(text.slice(ends[i - 1] ?? 0, end)), 0),
        count(text),
        `round ${round}, cut at ${ends.length - 1} of ${lines.length - 1} line breaks`,
      );
    }
  });

  it('after an edit, a long text is counted again only around the edit', () => {
    const { count: counter, counted } = recordingCounter();
    const cached = cachingTokenCounter(counter);
    const text = numbered(3_000, 'v');
    assert.equal(cached(text), count(text));
    counted.length = 0;
    const middle = text.indexOf('const v1500 ');
    const edited = `${text.slice(0, middle)}const inserted = [1, 2, 3];\n${text.slice(middle)}`;
    assert.equal(cached(edited), count(edited));
    const recounted = counted.reduce((n, t) => n + t.length, 0);
    assert.ok(recounted > 0 && recounted < 8_000, `${recounted} of ${edited.length} characters counted again`);
  });

  it('counted ahead in turns, a long text is counted in steps, and then (or a text built from it) mostly from the cache', async () => {
    const { count: counter, counted } = recordingCounter();
    const cached = cachingTokenCounter(counter);
    const text = numbered(3_000, 'w');
    let turns = 0;
    assert.equal(await cached.inTurns(text, () => (turns++, Promise.resolve()), 16 * 1024), count(text));
    assert.ok(turns >= Math.floor(text.length / (16 * 1024)) - 1, `${turns} turns for ${text.length} characters`);
    counted.length = 0;
    turns = 0;
    assert.equal(await cached.inTurns(text, () => (turns++, Promise.resolve())), count(text));
    assert.deepEqual([turns, counted.length], [0, 0], 'all cached: no step, nothing counted');
    // The warm-up's own text: a header, then the head of the document.
    const built = `# file: src/app.ts\n\n\`\`\`typescript\n${text.slice(0, 60_000)}`;
    assert.equal(cached(built), count(built));
    const recounted = counted.reduce((n, t) => n + t.length, 0);
    assert.ok(recounted < 8_000, `${recounted} of ${built.length} characters counted again`);
  });

  it('a line longer than MAX_PIECE_CHARS is counted in pieces (the merge is quadratic in a run without breaks); other text whole', () => {
    const { count: counter, counted: calls } = recordingCounter();
    const bounded = boundedPieces(counter);
    const code = numbered(50, 'const x = 1;');
    assert.equal(bounded(code), count(code));
    assert.deepEqual(calls, [code], 'no long line: one call with the whole text');
    calls.length = 0;
    const run = 'x'.repeat(300_000);
    const text = `${code}${run}\n${code}`;
    const n = bounded(text);
    assert.ok(calls.every((c) => c.length <= Math.max(MAX_PIECE_CHARS + 1, code.length)), 'no piece longer than the cap, but for whole short lines');
    assert.equal(calls.join(''), text, 'every character counted once');
    assert.equal(n, calls.reduce((a, c) => a + count(c), 0));
    assert.ok(n >= 2 * count(code), `${n}`);
  });

  it('fitLines keeps whole lines within the limit', () => {
    const text = numbered(500, 'x');
    for (const max of [0, 5, 20, 100, 1000, 100_000]) {
      const fit = fitLines(text, max, count);
      assert.ok(text.startsWith(fit.text));
      assert.ok(fit.text === '' || fit.text.endsWith('\n'));
      assert.equal(fit.tokens, count(fit.text));
      assert.ok(fit.tokens <= max, `${max}: ${fit.tokens}`);
      if (max >= count(text)) assert.equal(fit.text, text);
    }
  });
});
