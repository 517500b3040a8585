// URI helpers for prompts and messages. Pure.
import { fileURLToPath } from 'node:url';

/** A readable path for the model: the file system path for file: URIs, the URI otherwise. */
export function promptPath(uri: string): string {
  if (!uri.startsWith('file:')) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    return uri;
  }
}
