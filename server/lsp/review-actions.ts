// The code actions of reviews: "Spark: Fix <title>" for a spark-review diagnostic (an instructed patch edit of
// the file whose instruction is the finding) and "Spark: Review this file" (the spark.review command).
// Listing only; the edit itself goes through the usual resolve or command path.
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { z } from 'zod';
import { enclosingBlocks } from '../review/enclosing.js';
import { fixInstruction, REVIEW_SOURCE, titleOf } from '../review/findings.js';
import { Command } from './commands.js';
import type { ServerContext } from './context.js';
import type { EditTarget } from './edit-target.js';

export const REVIEW_FILE_TITLE = 'Spark: Review this file';

/** The part of a review diagnostic's `data` a fix reads; the client hands it back, so it is checked. */
const FixDataSchema = z.looseObject({ spark: z.literal('review'), title: z.string().min(1).max(300), body: z.string().max(8_000) });

/** A fix lets the model see a whole function around the finding, at most this long. */
const MAX_FIX_LINES = 120;

/** The quick fix of a spark-review diagnostic, or undefined for any other diagnostic. */
export function reviewFix(ctx: ServerContext, doc: TextDocument, d: Diagnostic): { title: string; target: EditTarget } | undefined {
  if (d.source !== REVIEW_SOURCE) return undefined;
  const message = typeof d.message === 'string' ? d.message : d.message.value;
  const data = FixDataSchema.safeParse(d.data);
  // Clients that drop `data` still get the body: the finding is looked up among the ones this server published.
  const known = ctx.reviewer.findingsOf(doc.uri).find((p) => p.lines.start === d.range.start.line && titleOf(p.finding) === message);
  const title = data.success ? data.data.title : message;
  const body = data.success ? data.data.body : (known?.finding.body ?? '');
  const lines = { start: d.range.start.line, end: Math.max(d.range.start.line, d.range.end.line) };
  const all = doc.getText().split('\n');
  const [block] = enclosingBlocks(all, [lines], MAX_FIX_LINES);
  const around = block ?? lines;
  const endLine = Math.min(around.end + 1, doc.lineCount);
  return {
    title: `Spark: Fix ${truncate(title, 70)}`,
    target: {
      uri: doc.uri,
      // The whole file may change (a fix may need an import or a guard elsewhere); the range says where to look.
      range: { start: { line: around.start, character: 0 }, end: { line: endLine, character: 0 } },
      scope: 'file',
      instruction: fixInstruction({ title, body }, lines),
      diagnostics: [{ message: title, line: lines.start, severity: 'error', source: REVIEW_SOURCE }],
    },
  };
}

/** "Spark: Review this file", when reviews are on. */
export function reviewFileAction(ctx: ServerContext, uri: string): CodeAction | undefined {
  if (!ctx.config.review.enabled) return undefined;
  return {
    title: REVIEW_FILE_TITLE,
    kind: CodeActionKind.Source,
    command: { title: REVIEW_FILE_TITLE, command: Command.Review, arguments: [{ uri }] },
  };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
