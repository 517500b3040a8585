// The shape of a resolved import, shared by the per-language resolvers, and how imports of one target merge.
// Pure data; knows no language.

/** What a file takes from one module of the workspace. */
export interface ImportedModule {
  /** The module as the import names it (`./util.js`, `.models`, `example.com/m/store`; '' for Go's own package). */
  specifier: string;
  /** The workspace files that declare what is imported: one, or a Go package's files (sorted). */
  files: string[];
  /** Names taken, as the target declares or exports them (`default` for a default import), unique, in order of appearance. */
  names: string[];
  /**
   * The whole module is taken (a namespace import, `import pkg.mod`, a Go package): every exported
   * declaration is relevant, and `names` lists the members the file already uses (these come first).
   */
  whole: boolean;
}

/** Merges imports of the same files, keeping first-appearance order of modules and names. */
export function mergeImports(imports: readonly ImportedModule[]): ImportedModule[] {
  const byKey = new Map<string, ImportedModule>();
  for (const m of imports) {
    if (m.files.length === 0) continue;
    const key = m.files.join('\n');
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, { specifier: m.specifier, files: [...m.files], names: unique(m.names), whole: m.whole });
    } else {
      seen.names = unique([...seen.names, ...m.names]);
      seen.whole ||= m.whole;
    }
  }
  return [...byKey.values()];
}

export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** Members used as `qualifier.member` in `text`, in order of first use (`qualifier` may be dotted). */
export function membersUsed(text: string, qualifier: string): string[] {
  const q = qualifier.split('.').map(escapeRegExp).join('\\s*\\.\\s*');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_$.])${q}\\s*\\.\\s*([\\p{L}_$][\\p{L}\\p{N}_$]*)`, 'gu');
  const out: string[] = [];
  for (const m of text.matchAll(re)) if (m[1] !== undefined) out.push(m[1]);
  return unique(out);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
