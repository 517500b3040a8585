// The function (or method, class) a line sits in, by the declarations around it: a name for titles such as
// "Write tests for <name>". Pure and heuristic: declarations are recognised by common shapes in C-like
// languages, Python, Go, Rust and Ruby; a block is the lines indented deeper than its declaration.

/** Declaration shapes; the first group is the name. */
const DECLARATIONS: readonly RegExp[] = [
  // function f(, async function* f(, export default function f(
  /^\s*(?:export\s+(?:default\s+)?)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)\s*[<(]/,
  // const f = (…) =>, const f = async x =>, const f = function
  /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*(?::[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/,
  // class C, interface-free: only classes hold methods worth testing
  /^\s*(?:export\s+(?:default\s+)?)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/,
  // Python def / async def, Ruby def
  /^\s*(?:async\s+)?def\s+(?:self\.)?([A-Za-z_]\w*[?!]?)/,
  // Go func f( and func (r T) f(
  /^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)\s*[[(]/,
  // Rust fn
  /^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+([A-Za-z_]\w*)/,
  // a method in a class body: name(…) { or async name(…): T {
  /^\s+(?:(?:public|private|protected|static|async|override|readonly)\s+)*\*?([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\([^)]*\)\s*(?::[^{]+)?\{\s*$/,
];

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'else', 'do', 'with']);

function declaredAt(text: string): string | undefined {
  for (const re of DECLARATIONS) {
    const name = re.exec(text)?.[1];
    if (name && !KEYWORDS.has(name)) return name;
  }
  return undefined;
}

const indentOf = (text: string): number => /^[ \t]*/.exec(text)![0].replace(/\t/g, '    ').length;
const isClosing = (text: string): boolean => /^\s*[}\])]/.test(text) || /^\s*end\b/.test(text);

/**
 * The name declared on `line`, or of the nearest declaration above whose block still holds `line`
 * (every non-blank line in between is indented deeper than the declaration, closing brackets aside).
 * Looks at most `maxLines` lines up.
 */
export function enclosingFunction(lines: readonly string[], line: number, maxLines = 400): string | undefined {
  if (line < 0 || line >= lines.length) return undefined;
  /** The least indentation of the lines from `line` up to here: a declaration above must be shallower. */
  let deepest = Infinity;
  for (let n = line; n >= 0 && line - n <= maxLines; n--) {
    const text = lines[n] ?? '';
    if (text.trim() === '') continue;
    const indent = indentOf(text);
    const name = declaredAt(text);
    if (name !== undefined && (n === line || indent < deepest)) return name;
    if (isClosing(text)) {
      // A bracket that closes a block above the cursor's level ends the search; the cursor's own closing line belongs to its block.
      if (n !== line && indent < deepest) return undefined;
      continue;
    }
    deepest = Math.min(deepest, indent);
    if (deepest === 0 && n !== line) return undefined;
  }
  return undefined;
}
