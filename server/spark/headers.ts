// The request headers of both transports, and their redacted form for debug traces: the key travels in
// the Authorization header and nowhere else.
import { VERSION } from '../version.js';

export function requestHeaders(apiKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${apiKey}`, 'User-Agent': `spark-lsp/${VERSION}`, ...extra };
}

/** Headers safe to log: credentials replaced by `***`. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = /^(authorization|proxy-authorization|openai-api-key|api-key|x-api-key|cookie)$/i.test(name)
      ? value.replace(/^(\S+\s+)?.*$/, (_, scheme: string | undefined) => `${scheme ?? ''}***`)
      : value;
  }
  return out;
}
