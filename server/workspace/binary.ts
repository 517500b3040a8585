// Telling binary files from text: by extension (cheap, for listings) and by content (a NUL byte in the first
// BINARY_SNIFF_BYTES, git's own heuristic; or bytes that are not UTF-8). Pure.
import path from 'node:path';
import binaryExtensions from 'binary-extensions';
import { BINARY_SNIFF_BYTES } from './policy.js';

const BINARY_EXTENSIONS: ReadonlySet<string> = new Set(binaryExtensions);

/** Whether the file name's extension is a known binary format (images, archives, executables, fonts, …). */
export function hasBinaryExtension(fileName: string): boolean {
  const ext = path.extname(fileName).slice(1).toLowerCase();
  return ext !== '' && BINARY_EXTENSIONS.has(ext);
}

/** Whether the first bytes of a file hold a NUL byte. */
export function looksBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, BINARY_SNIFF_BYTES);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The text of UTF-8 bytes without a byte order mark, or undefined when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
