// What a review is about: the files of a change with their text before and after it. Built from the file
// changes of an applied patch. Pure; no LSP, no I/O.
import type { FileChange } from '../edits/apply-patch.js';

/** One file of a change, as a review sees it. */
export interface ChangedFile {
  uri: string;
  languageId: string;
  /** Its text before the change ('' for a new file), or null to review the file as it is, whole. */
  before: string | null;
  after: string;
}

/**
 * The files a patch changed, as the review sees them: updates and moves (at their new place) with their text
 * before and after, new files from empty. Deleted files are left out (there is nothing left to point at), and
 * so are files the patch left as they were. `languageOf` names a file's language from its URI.
 */
export function changedFilesOf(changes: readonly FileChange[], languageOf: (uri: string) => string): ChangedFile[] {
  const files: ChangedFile[] = [];
  for (const c of changes) {
    if (c.kind === 'delete') continue;
    if (c.kind === 'add') {
      files.push({ uri: c.uri, languageId: languageOf(c.uri), before: '', after: c.content });
      continue;
    }
    const uri = c.kind === 'move' ? c.newUri : c.uri;
    if (c.kind === 'update' && c.oldText === c.newText) continue;
    files.push({ uri, languageId: languageOf(uri), before: c.oldText, after: c.newText });
  }
  return files;
}
