// Findings -> diagnostics (file, lines, severity, message, data) and line ranges mapped through the user's
// changes: tables of edits applied with TextDocument, then the finding's lines checked against the new text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileNamed, fixInstruction, placeFindings, severityOf, titleOf, toDiagnostic, type ReviewedFile } from '../../server/review/findings.js';
import { lineEditsBetween, lineEditsOfChanges, mapLines, type ContentChange, type Lines } from '../../server/review/line-map.js';
import type { Finding } from '../../server/review/schema.js';

const finding = (path: string, start: number, end: number, extra: Partial<Finding> = {}): Finding => ({
  title: '[P1] Division by zero when values is empty',
  body: 'values.length is 0 for an empty array.',
  confidence_score: 0.9,
  priority: 1,
  code_location: { absolute_file_path: path, line_range: { start, end } },
  ...extra,
});

const STATS = ['export function mean(values: number[]) {', '  const total = sum(values);', '  return total / values.length;', '}', ''].join('\n');
const files: ReviewedFile[] = [
  { uri: 'file:///work/src/stats.ts', path: '/work/src/stats.ts', text: STATS },
  { uri: 'file:///work/src/util/sum.ts', path: '/work/src/util/sum.ts', text: 'export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);\n' },
];

describe('placeFindings', () => {
  const cases: [string, Finding, { uri: string; lines: Lines } | RegExp][] = [
    ['an exact path, 1-based lines to 0-based', finding('/work/src/stats.ts', 3, 3), { uri: files[0]!.uri, lines: { start: 2, end: 2 } }],
    ['a path shortened to its tail', finding('src/util/sum.ts', 1, 1), { uri: files[1]!.uri, lines: { start: 0, end: 0 } }],
    ['./ before a tail', finding('./util/sum.ts', 1, 1), { uri: files[1]!.uri, lines: { start: 0, end: 0 } }],
    ['a range running past the end, cut at the last line', finding('/work/src/stats.ts', 3, 40), { uri: files[0]!.uri, lines: { start: 2, end: 3 } }],
    ['a file the review was not shown', finding('/work/src/other.ts', 1, 1), /not a file the review was shown/],
    ['a tail two files share', finding('ts', 1, 1), /not a file/],
    ['a line past the end', finding('/work/src/stats.ts', 5, 6), /past the end of \/work\/src\/stats\.ts \(4 lines\)/],
    ['a finding below the confidence floor', finding('/work/src/stats.ts', 1, 1, { confidence_score: 0.1 }), /confidence 0\.1 is below 0\.2/],
  ];
  for (const [name, f, expected] of cases) {
    it(name, () => {
      const { placed, dropped } = placeFindings([f], files, 0.2);
      if (expected instanceof RegExp) {
        assert.equal(placed.length, 0);
        assert.match(dropped[0]!.reason, expected);
      } else {
        assert.deepEqual(placed, [{ ...expected, finding: f }]);
        assert.equal(dropped.length, 0);
      }
    });
  }

  it('fileNamed prefers the exact path over a tail, and takes a tail only when one file has it', () => {
    const both: ReviewedFile[] = [
      { uri: 'file:///a/x.ts', path: '/a/x.ts', text: '' },
      { uri: 'file:///b/a/x.ts', path: '/b/a/x.ts', text: '' },
    ];
    assert.equal(fileNamed('/a/x.ts', both)?.uri, 'file:///a/x.ts');
    assert.equal(fileNamed('b/a/x.ts', both)?.uri, 'file:///b/a/x.ts');
    assert.equal(fileNamed('a/x.ts', both), undefined);
  });
});

describe('toDiagnostic', () => {
  it('spans the finding from its first non-blank character to the end of its last line, with the title as message', () => {
    const d = toDiagnostic(finding('/work/src/stats.ts', 2, 3), { start: 1, end: 2 }, STATS, files[0]!.uri, true);
    assert.deepEqual(d.range, { start: { line: 1, character: 2 }, end: { line: 2, character: '  return total / values.length;'.length } });
    assert.equal(d.source, 'spark-review');
    assert.equal(d.message, '[P1] Division by zero when values is empty');
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.deepEqual(d.data, { spark: 'review', title: d.message, body: 'values.length is 0 for an empty array.', priority: 1, confidence: 0.9 });
    assert.deepEqual(d.relatedInformation, [{ location: { uri: files[0]!.uri, range: d.range }, message: 'values.length is 0 for an empty array.' }]);
  });

  it('leaves related information out when the client does not take it, and handles CRLF and blank lines', () => {
    const d = toDiagnostic(finding('x', 1, 2), { start: 0, end: 1 }, 'a = 1\r\n\r\nb\r\n', 'file:///x', false);
    assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } });
    assert.equal(d.relatedInformation, undefined);
  });

  const severities: [number, DiagnosticSeverity][] = [
    [0, DiagnosticSeverity.Error],
    [1, DiagnosticSeverity.Error],
    [2, DiagnosticSeverity.Warning],
    [3, DiagnosticSeverity.Information],
  ];
  for (const [priority, severity] of severities) {
    it(`P${priority} is severity ${severity}`, () => assert.equal(severityOf(priority), severity));
  }

  it('titles keep their [Pn] prefix, or get it from the priority', () => {
    assert.equal(titleOf(finding('x', 1, 1, { title: '[P0] Drops the table' })), '[P0] Drops the table');
    assert.equal(titleOf(finding('x', 1, 1, { title: 'Off by one\nin the loop', priority: 2 })), '[P2] Off by one in the loop');
  });

  it('the fix instruction names the lines, the title and the body', () => {
    assert.equal(
      fixInstruction({ title: '[P1] Divides by zero', body: ' when empty ' }, { start: 4, end: 6 }),
      'A code review found this problem at lines 5-7; fix it with the smallest change that removes it: [P1] Divides by zero\nwhen empty',
    );
    assert.match(fixInstruction({ title: 't', body: '' }, { start: 0, end: 0 }), /at line 1; .*: t$/);
  });
});

/** Applies `changes` to `text` as an editor's didChange would, and returns the line edits seen by the server. */
function apply(text: string, changes: ContentChange[]): { after: string; lines: (l: Lines) => Lines | undefined } {
  const doc = TextDocument.create('file:///t', 't', 1, text);
  TextDocument.update(doc, changes, 2);
  const edits = lineEditsOfChanges(changes, text, doc.getText());
  return { after: doc.getText(), lines: (l) => mapLines(l, edits) };
}

const at = (line: number, character: number) => ({ line, character });
const range = (a: number, b: number, c: number, d: number) => ({ start: at(a, b), end: at(c, d) });

describe('mapLines through content changes', () => {
  const TEXT = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', ''].join('\n');
  // A finding on lines two..three (0-based 2..3).
  const FINDING: Lines = { start: 2, end: 3 };
  const cases: [string, ContentChange[], Lines | undefined][] = [
    ['a character typed above', [{ range: range(0, 4, 0, 4), text: 'x' }], FINDING],
    ['a line inserted above', [{ range: range(1, 0, 1, 0), text: 'new\n' }], { start: 3, end: 4 }],
    ['Enter at the end of the line above', [{ range: range(1, 3, 1, 3), text: '\n' }], { start: 3, end: 4 }],
    ['two lines deleted above', [{ range: range(0, 0, 2, 0), text: '' }], { start: 0, end: 1 }],
    ['a line inserted right above the finding', [{ range: range(2, 0, 2, 0), text: 'x\ny\n' }], { start: 4, end: 5 }],
    ['a character typed inside', [{ range: range(3, 1, 3, 1), text: 'x' }], undefined],
    ['its first line deleted', [{ range: range(2, 0, 3, 0), text: '' }], undefined],
    ['a line inserted inside', [{ range: range(3, 0, 3, 0), text: 'x\n' }], undefined],
    ['a change spanning into it from above', [{ range: range(1, 2, 2, 1), text: '' }], undefined],
    ['a character typed below', [{ range: range(5, 0, 5, 0), text: 'x' }], FINDING],
    ['a line inserted right below', [{ range: range(4, 0, 4, 0), text: 'x\n' }], FINDING],
    ['Enter at the end of its last line', [{ range: range(3, 5, 3, 5), text: '\n' }], undefined],
    ['two changes above, in order', [{ range: range(0, 0, 0, 0), text: 'a\n' }, { range: range(0, 0, 0, 0), text: 'b\n' }], { start: 4, end: 5 }],
    ['a whole-text change that adds a line above', [{ text: `header\n${TEXT}` }], { start: 3, end: 4 }],
    ['a whole-text change that edits the finding', [{ text: TEXT.replace('three', 'THREE') }], undefined],
    ['a whole-text change that edits only below', [{ text: TEXT.replace('six', 'SIX') }], FINDING],
  ];
  for (const [name, changes, expected] of cases) {
    it(name, () => {
      const { after, lines } = apply(TEXT, changes);
      const mapped = lines(FINDING);
      assert.deepEqual(mapped, expected);
      if (mapped) {
        // The lines it maps to hold the same text as before.
        const was = TEXT.split('\n').slice(FINDING.start, FINDING.end + 1);
        assert.deepEqual(after.split('\n').slice(mapped.start, mapped.end + 1), was);
      }
    });
  }
});

describe('lineEditsBetween', () => {
  const cases: [string, string, string, Lines, Lines | undefined][] = [
    ['identical texts', 'a\nb\nc\n', 'a\nb\nc\n', { start: 1, end: 1 }, { start: 1, end: 1 }],
    ['lines added and removed around', 'a\nb\nc\nd\ne\n', 'A\nx\nb\nc\ne\n', { start: 1, end: 2 }, { start: 2, end: 3 }],
    ['the finding line changed', 'a\nb\nc\n', 'a\nB\nc\n', { start: 1, end: 1 }, undefined],
    ['several separate changes above', 'a\nb\nc\nd\ne\nf\n', 'a\nx\nb\ny\nc\nd\ne\nf\n', { start: 4, end: 5 }, { start: 6, end: 7 }],
    ['everything removed', 'a\nb\n', '', { start: 0, end: 0 }, undefined],
  ];
  for (const [name, before, after, lines, expected] of cases) {
    it(name, () => assert.deepEqual(mapLines(lines, lineEditsBetween(before, after)), expected));
  }
});
