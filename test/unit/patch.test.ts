import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyUpdate } from '../../server/edits/apply-hunks.js';
import { applyPatch, type FileChange, type PatchFileState } from '../../server/edits/apply-patch.js';
import { APPLY_PATCH_GRAMMAR, type Patch, PatchError, parsePatch, patchPaths } from '../../server/edits/patch.js';

const wrap = (body: string): string => `*** Begin Patch\n${body}\n*** End Patch\n`;

/** The error a call throws, which must be a PatchError. */
function patchError(run: () => unknown): PatchError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof PatchError, `expected a PatchError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a PatchError, got a result');
}

/** `expected` is the operations, or the fragments the error message must contain. */
function checkParse(text: string, expected: Patch['operations'] | string[]): void {
  if (Array.isArray(expected) && expected.every((e) => typeof e === 'string')) {
    const e = patchError(() => parsePatch(text));
    for (const fragment of expected) assert.ok(e.message.includes(fragment), `${JSON.stringify(e.message)} lacks ${JSON.stringify(fragment)}`);
    return;
  }
  assert.deepEqual(parsePatch(text).operations, expected);
}

const ctx = (text: string) => ({ op: ' ' as const, text });
const del = (text: string) => ({ op: '-' as const, text });
const ins = (text: string) => ({ op: '+' as const, text });

describe('parsePatch', () => {
  const table: [name: string, text: string, expected: Patch['operations'] | string[]][] = [
    [
      'every kind of operation',
      wrap('*** Add File: new.txt\n+one\n+two\n*** Delete File: old.txt\n*** Update File: a.py\n*** Move to: b.py\n@@ def f():\n-    pass\n+    return 1'),
      [
        { kind: 'add', path: 'new.txt', content: 'one\ntwo\n', patchLine: 2 },
        { kind: 'delete', path: 'old.txt', patchLine: 5 },
        {
          kind: 'update',
          path: 'a.py',
          moveTo: 'b.py',
          patchLine: 6,
          chunks: [{ headers: ['def f():'], lines: [del('    pass'), ins('    return 1')], endOfFile: false, patchLine: 8 }],
        },
      ],
    ],
    [
      'whitespace around the patch and its markers, no final newline',
      '\n\n  *** Begin Patch \n  *** Update File:   a.txt  \n@@\n-x\n+y\n *** End Patch ',
      [{ kind: 'update', path: 'a.txt', moveTo: undefined, patchLine: 4, chunks: [{ headers: [], lines: [del('x'), ins('y')], endOfFile: false, patchLine: 5 }] }],
    ],
    [
      'CRLF patch text',
      '*** Begin Patch\r\n*** Update File: a.txt\r\n@@\r\n a\r\n-b\r\n+c\r\n*** End Patch\r\n',
      [{ kind: 'update', path: 'a.txt', moveTo: undefined, patchLine: 2, chunks: [{ headers: [], lines: [ctx('a'), del('b'), ins('c')], endOfFile: false, patchLine: 3 }] }],
    ],
    [
      'a first hunk without @@',
      wrap('*** Update File: a.txt\n a\n+b'),
      [{ kind: 'update', path: 'a.txt', moveTo: undefined, patchLine: 2, chunks: [{ headers: [], lines: [ctx('a'), ins('b')], endOfFile: false, patchLine: 3 }] }],
    ],
    [
      'several @@ lines in a row narrow the search, outermost first',
      wrap('*** Update File: a.py\n@@ class A:\n@@     def f(self):\n-        pass\n+        return 1'),
      [
        {
          kind: 'update',
          path: 'a.py',
          moveTo: undefined,
          patchLine: 2,
          chunks: [{ headers: ['class A:', 'def f(self):'], lines: [del('        pass'), ins('        return 1')], endOfFile: false, patchLine: 3 }],
        },
      ],
    ],
    [
      'git-style @@ lines: the numbers are dropped',
      wrap('*** Update File: a.py\n@@ -3,7 +3,8 @@ def f():\n-x\n+y\n@@ -20 +21 @@\n-p\n+q'),
      [
        {
          kind: 'update',
          path: 'a.py',
          moveTo: undefined,
          patchLine: 2,
          chunks: [
            { headers: ['def f():'], lines: [del('x'), ins('y')], endOfFile: false, patchLine: 3 },
            { headers: [], lines: [del('p'), ins('q')], endOfFile: false, patchLine: 6 },
          ],
        },
      ],
    ],
    [
      'an empty line inside a hunk is an empty context line; blank lines before a hunk are not',
      wrap('*** Update File: a.txt\n\n@@\n a\n\n-b\n+c'),
      [{ kind: 'update', path: 'a.txt', moveTo: undefined, patchLine: 2, chunks: [{ headers: [], lines: [ctx('a'), ctx(''), del('b'), ins('c')], endOfFile: false, patchLine: 4 }] }],
    ],
    [
      '*** End of File ends a hunk and anchors it',
      wrap('*** Update File: a.txt\n@@\n last\n+after\n*** End of File\n@@\n-x'),
      [
        {
          kind: 'update',
          path: 'a.txt',
          moveTo: undefined,
          patchLine: 2,
          chunks: [
            { headers: [], lines: [ctx('last'), ins('after')], endOfFile: true, patchLine: 3 },
            { headers: [], lines: [del('x')], endOfFile: false, patchLine: 7 },
          ],
        },
      ],
    ],
    [
      'a context line that merely starts with *** is not a marker',
      wrap('*** Update File: notes.md\n@@\n ***\n-old\n+new'),
      [{ kind: 'update', path: 'notes.md', moveTo: undefined, patchLine: 2, chunks: [{ headers: [], lines: [ctx('***'), del('old'), ins('new')], endOfFile: false, patchLine: 3 }] }],
    ],
    [
      'Add File: empty lines between + lines are empty lines of the file; trailing blank lines are not',
      wrap('*** Add File: a.txt\n+one\n\n+three\n\n*** Delete File: b.txt'),
      [
        { kind: 'add', path: 'a.txt', content: 'one\n\nthree\n', patchLine: 2 },
        { kind: 'delete', path: 'b.txt', patchLine: 7 },
      ],
    ],
    ['Add File without lines is an empty file', wrap('*** Add File: empty.txt'), [{ kind: 'add', path: 'empty.txt', content: '', patchLine: 2 }]],
    ['Update File with only a Move to is a rename', wrap('*** Update File: a.txt\n*** Move to: b.txt'), [{ kind: 'update', path: 'a.txt', moveTo: 'b.txt', chunks: [], patchLine: 2 }]],

    ['no begin marker', 'hello\n*** End Patch', ['line 1', "expected '*** Begin Patch'", "'hello'"]],
    ['no end marker: a cut-off patch is refused', '*** Begin Patch\n*** Add File: a.txt\n+one', ['line 3', "'*** End Patch'", 'cut off']],
    ['no operation', wrap(''), ['the patch changes no file']],
    ['an Update File without hunks', wrap('*** Update File: a.txt'), ['line 2', 'has no hunk']],
    ['a hunk line without its prefix', wrap('*** Update File: a.txt\n@@\n a\nb\n+c'), ['line 5', "starting with ' ', '-' or '+'", "'b'"]],
    ['an unknown operation', wrap('*** Rename File: a.txt'), ['line 2', "'*** Rename File: a.txt'"]],
    ['text where an operation should start', wrap('*** Delete File: a.txt\n+stray'), ['line 3', "'+stray'"]],
    ['an Add File line without +', wrap('*** Add File: a.txt\n+one\ntwo'), ['line 4', "'+' line", "'two'"]],
    ['an @@ without lines', wrap('*** Update File: a.txt\n@@ def f():'), ['line 3', 'has no lines']],
    ['*** End of File outside a hunk', wrap('*** Update File: a.txt\n*** End of File'), ['line 3', 'must end a hunk']],
    ['an operation without a path', wrap('*** Delete File:   '), ['line 2', 'needs a path']],
  ];
  for (const [name, text, expected] of table) it(name, () => checkParse(text, expected));

  it('patchPaths lists every path once, Move to destinations included', () => {
    const patch = parsePatch(wrap('*** Update File: a\n*** Move to: b\n@@\n-x\n*** Delete File: c\n*** Update File: a\n@@\n-y'));
    assert.deepEqual(patchPaths(patch), ['a', 'b', 'c']);
  });

  it('the grammar is the Lark definition the tool declares', () => {
    assert.match(APPLY_PATCH_GRAMMAR, /^start: begin_patch hunk\+ end_patch\n/);
    for (const rule of ['add_hunk:', 'delete_hunk:', 'update_hunk:', 'change_move:', 'change_context:', 'eof_line:', '%import common.LF']) {
      assert.ok(APPLY_PATCH_GRAMMAR.includes(rule), rule);
    }
  });
});

/**
 * `body` is the Update File's hunks; `expected` is the new text, or fragments of the error message
 * (`count` failures when given).
 */
function checkUpdate(before: string, body: string, expected: string | { error: string[]; count?: number }): void {
  const patch = parsePatch(wrap(`*** Update File: src/f.txt\n${body}`));
  const op = patch.operations[0];
  assert.ok(op?.kind === 'update');
  if (typeof expected === 'string') {
    assert.equal(applyUpdate('src/f.txt', before, op.chunks), expected);
    return;
  }
  const e = patchError(() => applyUpdate('src/f.txt', before, op.chunks));
  for (const fragment of expected.error) assert.ok(e.message.includes(fragment), `${JSON.stringify(e.message)} lacks ${JSON.stringify(fragment)}`);
  if (expected.count !== undefined) assert.equal(e.failures.length, expected.count, e.message);
}

const twoFunctions = 'def f():\n    x = 1\n    return x\n\ndef g():\n    x = 1\n    return x\n';

describe('applyUpdate', () => {
  const table: [name: string, before: string, body: string, expected: string | { error: string[]; count?: number }][] = [
    ['one line replaced between context lines', 'a\nb\nc\n', '@@\n a\n-b\n+B\n c', 'a\nB\nc\n'],
    ['a hunk at line 1', 'first\nsecond\nthird\n', '@@\n-first\n+FIRST\n second', 'FIRST\nsecond\nthird\n'],
    ['a deletion-only hunk', 'a\nb\nc\nd\n', '@@\n a\n-b\n-c\n d', 'a\nd\n'],
    ['several hunks in order', 'a\nb\nc\nd\ne\nf\n', '@@\n a\n-b\n+B\n@@\n d\n-e\n+E\n f', 'a\nB\nc\nd\nE\nf\n'],
    ['End of File: replace the last line', 'a\nb\nc\n', '@@\n b\n-c\n+C\n*** End of File', 'a\nb\nC\n'],
    ['End of File: append after the last line', 'a\nb\n', '@@\n b\n+c\n*** End of File', 'a\nb\nc\n'],
    ['End of File decides between two copies of the lines', 'x\nend\nx\nend\n', '@@\n x\n-end\n+END\n*** End of File', 'x\nend\nx\nEND\n'],
    ['End of File: lines that are not at the end are not found', 'x\nend\ny\n', '@@\n-end\n+END\n*** End of File', { error: ['at the end of the file', 'end'] }],
    ['an empty context line matches a blank line', 'a\n\nb\n', '@@\n a\n\n-b\n+B', 'a\n\nB\n'],
    ['a blank line before the next hunk is dropped when the file has none there', 'a\nb\nc\nd\n', '@@\n-a\n+A\n\n@@\n c\n-d\n+D', 'A\nb\nc\nD\n'],
    ['a pure insertion goes at the end of the file', 'a\nb\n', '@@\n+c\n+d', 'a\nb\nc\nd\n'],
    ['a pure insertion goes after its header', 'def f():\n    pass\ndef g():\n    pass\n', '@@ def f():\n+    """Doc."""', 'def f():\n    """Doc."""\n    pass\ndef g():\n    pass\n'],
    [
      'a pure insertion at the end, then a replacement before it',
      'one\ntwo\nthree\n',
      '@@\n+four\n@@\n one\n-two\n-three\n+TWO',
      'one\nTWO\nfour\n',
    ],
    ['the header moves the search to the second function', twoFunctions, '@@ def g():\n     x = 1\n-    return x\n+    return x + 1', twoFunctions.replace(/return x\n$/, 'return x + 1\n')],
    [
      'nested headers: class, then method',
      'class A:\n    def f(self):\n        return 0\nclass B:\n    def f(self):\n        return 0\n',
      '@@ class B:\n@@     def f(self):\n-        return 0\n+        return 1',
      'class A:\n    def f(self):\n        return 0\nclass B:\n    def f(self):\n        return 1\n',
    ],
    ['the header line repeated as the first context line', twoFunctions, '@@ def g():\n def g():\n     x = 1\n-    return x\n+    return -x', twoFunctions.replace(/return x\n$/, 'return -x\n')],
    ['a header names the start of its line', 'class Base:\n    pass\nclass Foo(Base):\n    pass\n', '@@ class Foo\n-    pass\n+    x = 1', 'class Base:\n    pass\nclass Foo(Base):\n    x = 1\n'],
    ['order decides: the copy after the previous hunk', 'a\nx\nb\nx\n', '@@\n-b\n+B\n@@\n-x\n+X', 'a\nx\nB\nX\n'],
    ['lines found in two places are refused', twoFunctions, '@@\n     x = 1\n-    return x\n+    return 2', { error: ['src/f.txt', 'patch line 3', 'fits 2 places (lines 2, 6)', "'@@'", '    x = 1\n    return x'] }],
    [
      'a header found twice that leads to two places is refused',
      'class A:\n    def f(self):\n        return 0\nclass B:\n    def f(self):\n        return 0\n',
      '@@     def f(self):\n-        return 0\n+        return 1',
      { error: ['fits 2 places (lines 3, 6)'] },
    ],
    ['a pure insertion after a header found twice is refused', 'def f():\n    pass\ndef f():\n    pass\n', '@@ def f():\n+    # note', { error: ['fits 2 places (lines 1, 3)', "inserts after '@@ def f():'"] }],
    ['a header that is not there', twoFunctions, '@@ def h():\n-    return x\n+    return 0', { error: ["names '@@ def h():'", 'no such line'] }],
    ['pass 2: trailing whitespace in the file is ignored', 'a  \nb\t\nc\n', '@@\n a\n-b\n+B', 'a  \nB\nc\n'],
    ['pass 3: different indentation is ignored, and context keeps the file\'s text', '\tif x:\n\t\ty()\n', '@@\n    if x:\n-        y()\n+\t\tz()', '\tif x:\n\t\tz()\n'],
    [
      'pass 4: Unicode dashes, quotes and spaces read as ASCII',
      'msg = \u201cdon\u2019t \u2014 stop\u201d\nnbsp\u00a0here\n',
      '@@\n-msg = "don\'t - stop"\n nbsp here\n+msg = "go"',
      'nbsp\u00a0here\nmsg = "go"\n',
    ],
    ['an exact match wins over a looser one elsewhere', '  x = 1\nx = 1\n', '@@\n-x = 1\n+x = 2', '  x = 1\nx = 2\n'],
    ['CRLF file stays CRLF', 'a\r\nb\r\nc\r\n', '@@\n a\n-b\n+B\n+B2\n c', 'a\r\nB\r\nB2\r\nc\r\n'],
    ['CRLF file without final newline: added lines are CRLF too', 'a\r\nb', '@@\n b\n+c\n*** End of File', 'a\r\nb\r\nc'],
    ['a unified-diff "No newline at end of file" line is ignored', 'a\nb', '@@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file', 'a\nB'],
    ['mixed line endings: untouched lines keep theirs', 'a\r\nb\nc\r\nd\r\n', '@@\n c\n-d\n+D', 'a\r\nb\nc\r\nD\r\n'],
    ['no final newline: changing the last line keeps it so', 'a\nb', '@@\n a\n-b\n+B', 'a\nB'],
    ['no final newline: appending keeps it so', 'a\nb', '@@\n b\n+c\n*** End of File', 'a\nb\nc'],
    ['no final newline: deleting the last line keeps it so', 'a\nb\nc', '@@\n b\n-c', 'a\nb'],
    ['a final newline is kept', 'a\nb\n', '@@\n-b\n+B', 'a\nB\n'],
    ['an empty file gets lines ending with a newline', '', '@@\n+first', 'first\n'],
    ['a hunk longer than the file is not found', 'only\n', '@@\n only\n-two\n+2\n three', { error: ['not found', 'only\ntwo\nthree'] }],
    ['missing lines: the error names the file and the exact lines', 'a\nb\n', '@@\n a\n-c\n+C', { error: ['src/f.txt', 'patch line 3', 'not found', '\na\nc'], count: 1 }],
    ['missing lines after a header: the error says where it looked', twoFunctions, '@@ def g():\n-    return y\n+    return 0', { error: ["after '@@ def g():'", '    return y'] }],
    [
      'every failing hunk of the file is reported',
      'a\nb\nc\n',
      '@@\n-nope\n+x\n@@\n b\n-c\n+C\n@@\n-gone\n+y',
      { error: ['patch line 3', 'nope', 'patch line 10', 'gone'], count: 2 },
    ],
  ];
  for (const [name, before, body, expected] of table) it(name, () => checkUpdate(before, body, expected));
});

describe('applyUpdate on generated hunks', () => {
  const text = fc.string({ maxLength: 12 }).map((t) => t.replace(/[\r\n]/g, ' '));
  it('a hunk cut from its place applies there, in LF and CRLF files, with or without a final newline', () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.array(text, { maxLength: 3 }),
        fc.boolean(),
        (words, at, removed, before, after, added, finalNewline) => {
          // Every line is unique, so the hunk fits one place only.
          const lines = words.map((w, i) => `${i}: ${w}`);
          const start = at % lines.length;
          const end = Math.min(lines.length, start + removed);
          const from = Math.max(0, start - before);
          const to = Math.min(lines.length, end + after);
          fc.pre(to > from);
          const body = [
            '@@',
            ...lines.slice(from, start).map((l) => ` ${l}`),
            ...lines.slice(start, end).map((l) => `-${l}`),
            ...added.map((l) => `+${l}`),
            ...lines.slice(end, to).map((l) => ` ${l}`),
          ].join('\n');
          const result = [...lines.slice(0, start), ...added, ...lines.slice(end)];
          for (const eol of ['\n', '\r\n']) {
            const join = (ls: string[], e: string): string => ls.join(e) + (finalNewline && ls.length > 0 ? e : '');
            // A file without any line break has no line-ending convention: added lines get LF.
            const original = join(lines, eol);
            checkUpdate(original, body, join(result, original.includes('\n') ? eol : '\n'));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

interface Known {
  text?: string;
  shown?: boolean;
  version?: number;
}

/** `files` maps a path to what the server knows (absent: no such file); uris are file:///w/<path>, `./` dropped. */
function lookupOf(files: Record<string, Known>, calls: string[] = []): (path: string) => PatchFileState {
  return (path) => {
    calls.push(path);
    const clean = path.replace(/^\.\//, '');
    const known = files[clean];
    return { path, uri: `file:///w/${clean}`, text: known?.text, version: known?.version ?? null, shown: known?.shown ?? false };
  };
}

/** A change in short: `update a.txt: <new text>`, `add b.txt: <content>`, `delete c.txt`, `move a -> b: <new text>`. */
function summary(c: FileChange): string {
  switch (c.kind) {
    case 'update':
      return `update ${c.path}@${c.version}: ${c.newText}`;
    case 'add':
      return `add ${c.path}: ${c.content}`;
    case 'delete':
      return `delete ${c.path}@${c.version}`;
    case 'move':
      return `move ${c.path}@${c.version} -> ${c.newPath} (${c.newUri}): ${c.newText}`;
  }
}

function checkPatch(files: Record<string, Known>, body: string, expected: string[] | { error: string[]; count?: number }): void {
  const patch = parsePatch(wrap(body));
  if (Array.isArray(expected)) {
    assert.deepEqual(applyPatch(patch, lookupOf(files)).map(summary), expected);
    return;
  }
  const e = patchError(() => applyPatch(patch, lookupOf(files)));
  for (const fragment of expected.error) assert.ok(e.message.includes(fragment), `${JSON.stringify(e.message)} lacks ${JSON.stringify(fragment)}`);
  if (expected.count !== undefined) assert.equal(e.failures.length, expected.count, e.message);
}

describe('applyPatch', () => {
  const files: Record<string, Known> = {
    'a.txt': { text: 'a\nb\n', version: 3 },
    'c.txt': { text: 'gone\n' },
    'm.txt': { text: 'm\n' },
    'shown.txt': { text: 'old\r\ncontent\r\n', shown: true },
    'hidden.txt': { text: 'secret plans\n' },
  };
  const table: [name: string, body: string, expected: string[] | { error: string[]; count?: number }][] = [
    [
      'update, add, delete and move, in the order the patch names them',
      '*** Update File: a.txt\n@@\n-b\n+B\n*** Add File: new/b.txt\n+hello\n*** Delete File: c.txt\n*** Update File: m.txt\n*** Move to: n/m.txt\n@@\n-m\n+M',
      ['update a.txt@3: a\nB\n', 'add new/b.txt: hello\n', 'delete c.txt@null', 'move m.txt@null -> n/m.txt (file:///w/n/m.txt): M\n'],
    ],
    ['a move without hunks keeps the content', '*** Update File: m.txt\n*** Move to: m2.txt', ['move m.txt@null -> m2.txt (file:///w/m2.txt): m\n']],
    ['Add File over a shown file replaces its content, in its line endings', '*** Add File: shown.txt\n+new\n+content', ['update shown.txt@null: new\r\ncontent\r\n']],
    ['Add File over a file that was not shown is refused', '*** Add File: hidden.txt\n+x', { error: ['hidden.txt', 'Add File at patch line 2', 'already exists', 'not shown'], count: 1 }],
    ['Update File of a missing file names it', '*** Update File: nope.txt\n@@\n-x\n+y', { error: ['nope.txt: Update File at patch line 2: no such file'] }],
    ['Delete File of a missing file names it', '*** Delete File: nope.txt', { error: ['nope.txt: Delete File at patch line 2: no such file'] }],
    ['Move to onto an existing file is refused', '*** Update File: m.txt\n*** Move to: a.txt', { error: ['a.txt: Move to a.txt at patch line 2: a file already exists there'] }],
    ['two updates of one file apply in turn', '*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: a.txt\n@@\n-b\n+B', ['update a.txt@3: A\nB\n']],
    ['an update after an add edits the new file', '*** Add File: n.txt\n+one\n+two\n*** Update File: n.txt\n@@\n-two\n+2', ['add n.txt: one\n2\n']],
    ['delete then add of a shown file is a replacement', '*** Delete File: shown.txt\n*** Add File: shown.txt\n+fresh', ['update shown.txt@null: fresh\r\n']],
    ['delete then add of a file that was not shown is refused', '*** Delete File: hidden.txt\n*** Add File: hidden.txt\n+x', { error: ['hidden.txt', 'not shown'] }],
    ['the same file added twice is refused', '*** Add File: n.txt\n+1\n*** Add File: n.txt\n+2', { error: ['n.txt: Add File at patch line 4 cannot be combined with the earlier Add File at patch line 2'] }],
    ['a file updated then deleted is refused', '*** Update File: a.txt\n@@\n-a\n+A\n*** Delete File: a.txt', { error: ['a.txt: Delete File at patch line 6 cannot be combined with the earlier Update File at patch line 2'] }],
    ['a move destination touched again is refused', '*** Update File: m.txt\n*** Move to: z.txt\n*** Update File: z.txt\n@@\n+x', { error: ['z.txt: Update File at patch line 4 cannot be combined', 'Move to of m.txt'] }],
    ['two spellings of one path are one file', '*** Update File: ./a.txt\n@@\n-a\n+A\n*** Update File: a.txt\n@@\n-b\n+B', ['update ./a.txt@3: A\nB\n']],
    [
      'every failure of the whole patch is reported, and nothing is applied',
      '*** Update File: a.txt\n@@\n-zzz\n+y\n*** Delete File: nope.txt\n*** Add File: hidden.txt\n+x\n*** Update File: c.txt\n@@\n-gone\n+here',
      { error: ['a.txt: the hunk at patch line 3', 'zzz', 'nope.txt', 'hidden.txt'], count: 3 },
    ],
  ];
  for (const [name, body, expected] of table) it(name, () => checkPatch(files, body, expected));

  it('asks about each path once', () => {
    const calls: string[] = [];
    const patch = parsePatch(wrap('*** Update File: a.txt\n@@\n-a\n+A\n*** Update File: a.txt\n@@\n-b\n+B\n*** Update File: m.txt\n*** Move to: q.txt'));
    applyPatch(patch, lookupOf(files, calls));
    assert.deepEqual(calls, ['a.txt', 'm.txt', 'q.txt']);
  });
});
