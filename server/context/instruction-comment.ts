// Instructions written in the code: a comment line such as `// spark: make this iterative` above the code
// it is about. Pure: finds the comment and the block it governs; the LSP layer turns that into an action.

/** A comment line whose text starts with `spark:`, in the usual line or block comment syntaxes. */
const COMMENT = /^\s*(?:\/\/+|#+|--+|;+|%+|\/\*+|<!--)\s*spark:\s*(.*?)\s*(?:\*+\/|-->)?\s*$/i;

export interface InstructionComment {
  /** 0-based line of the comment. */
  line: number;
  instruction: string;
  /** Lines the instruction applies to: [startLine, endLine), 0-based. */
  startLine: number;
  endLine: number;
}

/** The instruction of a `spark:` comment line, or undefined when the line is not one (or it is empty). */
export function instructionOf(line: string): string | undefined {
  const found = COMMENT.exec(line)?.[1];
  return found ? found : undefined;
}

/**
 * Finds the instruction for a cursor or selection on lines [first, last]: the comment on the line above the
 * selection, or the comment the cursor sits on. With a selection the target is its lines; otherwise the
 * block of non-blank lines that follows the comment.
 */
export function findInstructionComment(lines: readonly string[], first: number, last: number, selection: boolean): InstructionComment | undefined {
  const at = (n: number) => (n >= 0 && n < lines.length ? instructionOf(lines[n] ?? '') : undefined);
  let line: number;
  if (at(first - 1) !== undefined) line = first - 1;
  else if (!selection && at(first) !== undefined) line = first;
  else return undefined;
  const instruction = at(line)!;
  if (selection && line === first - 1) return { line, instruction, startLine: first, endLine: last + 1 };
  let end = line + 1;
  while (end < lines.length && (lines[end] ?? '').trim() !== '') end++;
  if (end === line + 1) return undefined;
  return { line, instruction, startLine: line + 1, endLine: end };
}
