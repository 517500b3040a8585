// Instructions written in the code: a comment line such as `// spark: make this iterative` above the code
// it is about, or `// spark(file): …` / `// spark(workspace): …` for an instruction about the whole file or
// the workspace. Pure: finds the comment and what it governs; the LSP layer turns that into an action.

/** A comment line whose text starts with `spark:` (or `spark(file):`, `spark(workspace):`), in the usual syntaxes. */
const COMMENT = /^\s*(?:\/\/+|#+|--+|;+|%+|\/\*+|<!--)\s*spark(?:\(\s*(file|workspace)\s*\))?:\s*(.*?)\s*(?:\*+\/|-->)?\s*$/i;

/** `block`: the code below the comment; `file`: the whole file; `workspace`: any file of the workspace. */
export type CommentScope = 'block' | 'file' | 'workspace';

export interface InstructionComment {
  /** 0-based line of the comment. */
  line: number;
  instruction: string;
  scope: CommentScope;
  /** Lines a `block` instruction applies to: [startLine, endLine), 0-based (empty for the wider scopes when no block follows). */
  startLine: number;
  endLine: number;
}

/** The instruction and scope of a `spark:` comment line, or undefined when the line is not one (or it is empty). */
export function parseInstructionComment(line: string): { instruction: string; scope: CommentScope } | undefined {
  const m = COMMENT.exec(line);
  const instruction = m?.[2];
  if (!m || !instruction) return undefined;
  return { instruction, scope: (m[1]?.toLowerCase() as 'file' | 'workspace' | undefined) ?? 'block' };
}

/** The instruction of a `spark:` comment line of any scope, or undefined. */
export function instructionOf(line: string): string | undefined {
  return parseInstructionComment(line)?.instruction;
}

/**
 * Finds the instruction for a cursor or selection on lines [first, last]: the comment on the line above the
 * selection, or the comment the cursor sits on. With a selection the target is its lines; otherwise the
 * block of non-blank lines that follows the comment. A `block` comment followed by no code governs nothing;
 * a wider one stands on its own.
 */
export function findInstructionComment(lines: readonly string[], first: number, last: number, selection: boolean): InstructionComment | undefined {
  const at = (n: number) => (n >= 0 && n < lines.length ? parseInstructionComment(lines[n] ?? '') : undefined);
  let line: number;
  if (at(first - 1) !== undefined) line = first - 1;
  else if (!selection && at(first) !== undefined) line = first;
  else return undefined;
  const { instruction, scope } = at(line)!;
  if (selection && line === first - 1) return { line, instruction, scope, startLine: first, endLine: last + 1 };
  let end = line + 1;
  while (end < lines.length && (lines[end] ?? '').trim() !== '') end++;
  if (end === line + 1 && scope === 'block') return undefined;
  return { line, instruction, scope, startLine: line + 1, endLine: end };
}
