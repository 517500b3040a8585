// Findings of a review -> LSP diagnostics: which reviewed file a finding names, its lines there, its severity
// and message. Pure: types only from vscode-languageserver; never talks to the connection.
// A finding is placed only on a file the review was shown, on lines that exist in the text it was shown.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Lines } from './line-map.js';
import type { Finding } from './schema.js';
import { lineBreaks } from '../edits/changed-lines.js';

/** `source` of every review diagnostic. */
export const REVIEW_SOURCE = 'spark-review';

/** A file as the review saw it. */
export interface ReviewedFile {
  uri: string;
  /** The path the prompt named it by. */
  path: string;
  /** Its text after the change (what line numbers refer to). */
  text: string;
}

export interface PlacedFinding {
  uri: string;
  /** 0-based, inclusive, in the reviewed text. */
  lines: Lines;
  finding: Finding;
}

export interface Placement {
  placed: PlacedFinding[];
  /** Findings that could not be placed, each with the reason (for the log). */
  dropped: { title: string; reason: string }[];
}

/** What a review diagnostic carries in `data`, for the quick fix and for clients that show it. */
export interface ReviewData {
  spark: 'review';
  title: string;
  body: string;
  priority: number;
  confidence: number;
}

/** Places each finding on the reviewed file it names, keeping those below `minConfidence` out. */
export function placeFindings(findings: readonly Finding[], files: readonly ReviewedFile[], minConfidence = 0): Placement {
  const placement: Placement = { placed: [], dropped: [] };
  for (const finding of findings) {
    const drop = (reason: string) => placement.dropped.push({ title: finding.title, reason });
    if (finding.confidence_score < minConfidence) {
      drop(`confidence ${finding.confidence_score} is below ${minConfidence}`);
      continue;
    }
    const file = fileNamed(finding.code_location.absolute_file_path, files);
    if (!file) {
      drop(`${finding.code_location.absolute_file_path} is not a file the review was shown`);
      continue;
    }
    const lineCount = countLines(file.text);
    const { start, end } = finding.code_location.line_range;
    if (start > lineCount) {
      drop(`line ${start} is past the end of ${file.path} (${lineCount} lines)`);
      continue;
    }
    placement.placed.push({ uri: file.uri, lines: { start: start - 1, end: Math.min(end, lineCount) - 1 }, finding });
  }
  return placement;
}

/**
 * The reviewed file a finding's path names: the same path, else the one file whose path ends with it at a
 * separator (models sometimes shorten paths), else none.
 */
export function fileNamed(path: string, files: readonly ReviewedFile[]): ReviewedFile | undefined {
  const wanted = normalise(path);
  const exact = files.find((f) => normalise(f.path) === wanted);
  if (exact) return exact;
  const bare = wanted.replace(/^\.\//, '');
  const suffix = files.filter((f) => normalise(f.path).endsWith(`/${bare}`));
  return suffix.length === 1 ? suffix[0] : undefined;
}

const normalise = (path: string) => path.trim().replace(/\\/g, '/');

export function severityOf(priority: number): DiagnosticSeverity {
  if (priority <= 1) return DiagnosticSeverity.Error;
  if (priority === 2) return DiagnosticSeverity.Warning;
  return DiagnosticSeverity.Information;
}

/** The title as shown: with its [Pn] prefix, added when the model left it out. */
export function titleOf(finding: Finding): string {
  const title = finding.title.replace(/\s+/g, ' ').trim();
  return /^\[P[0-3]\]/.test(title) ? title : `[P${finding.priority}] ${title}`;
}

/**
 * The diagnostic for a finding on `lines` of `text` (the document as it is now): from the first non-blank
 * character of the first line to the end of the last. `related` adds the body as related information.
 */
export function toDiagnostic(finding: Finding, lines: Lines, text: string, uri: string, related: boolean): Diagnostic {
  const all = text.split('\n');
  const last = Math.min(lines.end, all.length - 1);
  const first = Math.min(lines.start, last);
  const firstText = stripCr(all[first] ?? '');
  const lastText = stripCr(all[last] ?? '');
  const indent = firstText.length - firstText.trimStart().length;
  const range = {
    start: { line: first, character: indent === firstText.length ? 0 : indent },
    end: { line: last, character: lastText.length },
  };
  const data: ReviewData = {
    spark: 'review',
    title: titleOf(finding),
    body: finding.body,
    priority: finding.priority,
    confidence: finding.confidence_score,
  };
  return {
    range,
    severity: severityOf(finding.priority),
    source: REVIEW_SOURCE,
    message: data.title,
    data,
    ...(related && finding.body.trim() !== '' ? { relatedInformation: [{ location: { uri, range }, message: finding.body }] } : {}),
  };
}

/** The instruction a quick fix sends to fix a finding. */
export function fixInstruction(data: Pick<ReviewData, 'title' | 'body'>, lines: Lines): string {
  const where = lines.start === lines.end ? `line ${lines.start + 1}` : `lines ${lines.start + 1}-${lines.end + 1}`;
  const body = data.body.trim() === '' ? '' : `\n${data.body.trim()}`;
  return `A code review found this problem at ${where}; fix it with the smallest change that removes it: ${data.title}${body}`;
}

function countLines(text: string): number {
  // A final newline ends the last line; it does not start another one a finding could point at.
  return lineBreaks(text, 0, text.length - 1) + 1;
}

const stripCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);
