import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractPatch, parseCompletion, parseEdit } from '../../server/context/parse.js';
import { parseCursor, parseRange } from '../support/markers.js';

/** `doc` marks the cursor with `|` (or `@` when the code needs `|`). */
function checkCompletion(doc: string, raw: string, expected: string, marker = '|'): void {
  const { text, offset } = parseCursor(doc, marker);
  const got = parseCompletion(raw, { before: text.slice(0, offset), after: text.slice(offset) });
  assert.equal(got, expected);
}

/** `doc` marks the target range with [[...]]. */
function checkEdit(doc: string, raw: string, expected: string | undefined): void {
  const { text, start, end } = parseRange(doc);
  const got = parseEdit(raw, { original: text.slice(start, end), before: text.slice(0, start), after: text.slice(end) });
  assert.equal(got, expected);
}

describe('parseCompletion', () => {
  const table: [name: string, doc: string, raw: string, expected: string][] = [
    ['plain text is taken as is', 'const x = |;\n', '42', '42'],
    ['several lines', 'function f() {\n  |\n}\n', 'const a = 1;\n  return a;', 'const a = 1;\n  return a;'],
    ['one fenced block is unwrapped', 'const x = |\n', '```ts\nfoo(1);\n```', 'foo(1);'],
    ['fence with surrounding blank lines', 'const x = |\n', '\n```\nfoo(1);\n```\n', 'foo(1);'],
    ['fence with prose around is kept as text', '# Notes\n|', 'See:\n```js\nx\n```', 'See:\n```js\nx\n```'],
    ['echoed cursor marker removed', 'const x = |;\n', '<|cursor|>42', '42'],
    ['echoed marker with loose spacing removed', 'const x = |;\n', '42<| cursor |>', '42'],
    ['echo of the whole current line is stripped', '  const total = comp|\n', '  const total = computeTotal(items);', 'uteTotal(items);'],
    ['echo of the current line without indentation', '    return fo|\n', 'return foo + 1;', 'o + 1;'],
    ['echo of previous lines and current line', 'a = 1;\nb = |\n', 'a = 1;\nb = 2;', '2;'],
    ['echo of the identifier at the cursor', 'total = items.map|\n', 'map(f)', '(f)'],
    ['echoed indentation is stripped', 'if (x) {\n    |\n}\n', '    return 1;', 'return 1;'],
    ['no false strip of one common bracket', 'foo(|)\n', '(a))', '(a)'],
    ['no false strip of a short word overlap', 'return a|\n', 'a + b', 'a + b'],
    ['no false strip of a single comma', 'f(a,|\n', ', b)', ', b)'],
    ['no false strip of a repeated closing brace line', '  if (a) {\n    b();\n  }\n|', '  }\n', '  }'],
    ['suffix echo: rest of the line', 'const x = foo(|);\n', 'a, b);', 'a, b'],
    ['suffix echo: closing bracket already present', 'bar(|)\n', 'x)', 'x'],
    ['suffix: own balanced brackets are kept', 'bar(|)\n', 'baz()', 'baz()'],
    ['suffix: closing bracket needed for an inner call is kept', 'f(g(a, |)\n', 'b)', 'b)'],
    ['suffix echo: semicolon already ending the line', 'const x = |;\n', '42;', '42'],
    ['suffix: a lone semicolon mid-line is not guessed at', 'for (let i = 0|; i < n; i++)\n', ';', ';'],
    ['whole echo of the line through the cursor marker', 'const x = |;\n', 'const x = <|cursor|>42;', '42'],
    ['suffix echo: closing quote', 'const s = "hel|";\n', 'lo";', 'lo'],
    ['suffix echo: following lines', 'function f() {\n  |\n  return x;\n}\n', 'const x = 1;\n  return x;\n}', 'const x = 1;'],
    ['suffix echo: the next lines repeated after a new block', 'if (a) {\n  b();|\n}\n', '\n  c();\n}', '\n  c();'],
    ['trailing blank lines dropped', 'x = |\n', '1;\n\n   \n', '1;'],
    ['trailing newline kept when code follows on the line', 'a;\n|b;\n', 'x;\n', 'x;\n'],
    ['CRLF document gets CRLF line breaks', 'f() {\r\n  |\r\n}\r\n', 'a();\n  b();', 'a();\r\n  b();'],
    ['empty reply', 'x = |\n', '', ''],
    ['whitespace-only reply', 'x = |\n', '  \n\n', ''],
    ['only an echo left', '  foo(|)\n', '  foo()', ''],
    ['only an empty fence', 'x = |\n', '```\n```', ''],
  ];
  for (const [name, doc, raw, expected] of table) it(name, () => checkCompletion(doc, raw, expected));

  it('cursor notation can use another marker when the code needs `|`', () =>
    checkCompletion('const ok = a ||@\n', ' b;', ' b;', '@'));
});

describe('parseEdit', () => {
  const table: [name: string, doc: string, raw: string, expected: string | undefined][] = [
    ['unfenced reply is the replacement', 'a\n[[b\n]]c\n', 'B\n', 'B\n'],
    ['fenced reply', 'a\n[[b\n]]c\n', '```ts\nB\n```', 'B\n'],
    ['prose around a fence is dropped', 'a\n[[b\n]]c\n', 'Here you go:\n```ts\nB\n```\nThis renames b.', 'B\n'],
    ['unclosed fence runs to the end', 'a\n[[b\n]]c\n', '```\nB\nC', 'B\nC\n'],
    ['several blocks: the first that differs from the original', 'a\n[[b\n]]c\n', 'Before:\n```\nb\n```\nAfter:\n```\nB\n```\n', 'B\n'],
    ['several blocks all different: the first', 'a\n[[b\n]]c\n', '```\nX\n```\n```\nY\n```', 'X\n'],
    ['markers echoed on their own lines', 'a\n[[b\n]]c\n', '<|target|>\nB\n<|/target|>\n', 'B\n'],
    ['markers echoed inline', 'x = [[1]];\n', '<|target|>2<|/target|>', '2'],
    ['adds the trailing newline the original had', 'a\n[[b\n]]c\n', 'B', 'B\n'],
    ['drops a trailing newline the original did not have', 'x = [[foo()]];\n', 'bar()\n', 'bar()'],
    ['keeps CRLF convention', 'a\r\n[[b\r\nc\r\n]]d\r\n', 'B\nC', 'B\r\nC\r\n'],
    ['leading echo of the lines before is stripped', 'function f() {\n[[  a();\n]]}\n', 'function f() {\n  b();\n', '  b();\n'],
    ['leading echo of the partial line before a mid-line range', '  const x = [[foo()]];\n', '  const x = bar()', 'bar()'],
    ['echoed indentation before a mid-line range', '    [[foo();]]\n', '    bar();', 'bar();'],
    ['trailing echo of the lines after is stripped', 'function f() {\n[[  a();\n]]}\n', '  b();\n}\n', '  b();\n'],
    ['trailing echo of the closing brace without final newline', 'function f() {\n[[  a();\n]]}\n', '  b();\n}', '  b();\n'],
    ['a brace that closes a new block is kept', 'function f() {\n[[  a();\n]]}\n', '  if (x) {\n    a();\n  }\n', '  if (x) {\n    a();\n  }\n'],
    ['a line the original starts with is never stripped', '  x++;\n[[  x++;\n  y++;\n]]z\n', '  x++;\n', '  x++;\n'],
    ['a line the original ends with is never stripped', '[[  y++;\n  x++;\n]]  x++;\n', '  x++;\n', '  x++;\n'],
    ['empty reply is not a deletion', 'a\n[[b\n]]c\n', '', undefined],
    ['whitespace-only reply is not a deletion', 'a\n[[b\n]]c\n', ' \n\n', undefined],
    ['empty fence is not a deletion', 'a\n[[b\n]]c\n', '```\n```', undefined],
    ['reply that only echoes context is empty', 'function f() {\n[[  a();\n]]}\n', 'function f() {\n', undefined],
    ['insertion before code keeps its line break', 'a\n[[]]c\n', 'b\n', 'b\n'],
    ['insertion at the end of a line drops its line break', 'a[[]]\nc\n', 'b\n', 'b'],
  ];
  for (const [name, doc, raw, expected] of table) it(name, () => checkEdit(doc, raw, expected));
});

describe('extractPatch', () => {
  const patch = '*** Begin Patch\n*** Update File: a.md\n@@\n ```ts\n-old\n+new\n ```\n*** End Patch\n';
  const table: [name: string, message: string, expected: string | undefined][] = [
    ['a bare patch', patch, patch],
    ['prose before and after a bare patch', `I will change it.\n\n${patch}\nDone.`, patch],
    ['a fenced patch', `Here:\n\`\`\`diff\n${patch}\`\`\`\n`, patch],
    ['a fence of tildes without info string', `~~~\n${patch}~~~`, patch],
    ['CRLF message', patch.replace(/\n/g, '\r\n'), patch],
    ['no end marker inside a fence: up to the fence', '```\n*** Begin Patch\n*** Delete File: a\n```\nthanks', '*** Begin Patch\n*** Delete File: a\n'],
    ['no end marker and no fence: to the end', 'Sure.\n*** Begin Patch\n*** Delete File: a', '*** Begin Patch\n*** Delete File: a\n'],
    ['two patches: the first', `${patch}${patch.replace('a.md', 'b.md')}`, patch],
    ['no patch at all', '```ts\nconst x = 1;\n```', undefined],
    ['a mention of the marker inside a line is not a patch', 'Write `*** Begin Patch` first.', undefined],
  ];
  for (const [name, message, expected] of table) it(name, () => assert.equal(extractPatch(message), expected));
});
