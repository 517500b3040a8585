// Whether a position request and the server agree about the document's text. A position past the last
// line, or a `textDocument.version` other than the server's copy, means they do not: such a request is
// answered empty (never at a clamped position), and said once at info per document and reason.
import type { Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Logger } from './context.js';

/** The `textDocument.version` some clients add to position requests; undefined when absent or not an integer. */
export function versionOf(params: { textDocument: object }): number | undefined {
  const version = (params.textDocument as { version?: unknown }).version;
  return typeof version === 'number' && Number.isInteger(version) ? version : undefined;
}

/** Why the request and the document disagree, or undefined when they agree. */
export function disagreement(doc: TextDocument, position: Position, version: number | undefined): string | undefined {
  if (position.line >= doc.lineCount) {
    return `line ${position.line} lies beyond the document's last line (${doc.lineCount - 1})`;
  }
  if (version !== undefined && version !== doc.version) {
    return `the request is for version ${version}, the server has version ${doc.version}`;
  }
  return undefined;
}

export class Agreement {
  private readonly said = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** True when they agree; otherwise logs the first disagreement of its kind for the document. */
  check(what: string, doc: TextDocument, position: Position, version: number | undefined): boolean {
    const why = disagreement(doc, position, version);
    if (why === undefined) return true;
    const key = `${why.startsWith('line') ? 'line' : 'version'} ${doc.uri}`;
    if (!this.said.has(key)) {
      this.said.add(key);
      this.log.info(`${what} for ${doc.uri} answered empty: ${why}; the editor and the server disagree about the text (said once per document)`);
    }
    return false;
  }

  /** The document closed: a reopened one may disagree afresh. */
  forget(uri: string): void {
    this.said.delete(`line ${uri}`);
    this.said.delete(`version ${uri}`);
  }
}
