// The HTTP/SSE fallback: one `POST <baseUrl>/responses` with `stream: true` per request, over Node's
// global fetch (undici keep-alive). No stream_id/generate here. Knows nothing of the pool or LSP.
//
// Units: `deadline` in Date.now() milliseconds. The fetch is aborted on deadline or caller abort.

import { SparkError, SparkErrorCode } from './errors.js';
import { parseServerEvent } from './events.js';
import { ResponseAccumulator, refineModelRefusal, upstreamError, type ResponseOutcome } from './response-stream.js';
import { requestHeaders } from './headers.js';

export interface HttpRequest {
  baseUrl: string;
  apiKey: string;
  /** The create body, already carrying `stream: true`. */
  body: Record<string, unknown>;
  deadline: number;
  /** Aborted by the caller (cancel); the fetch is dropped. */
  signal: AbortSignal;
  onText: (textSoFar: string) => void;
  log: (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;
}

export function responsesUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/responses`;
}

export async function httpGenerate(req: HttpRequest): Promise<ResponseOutcome> {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, Math.max(0, req.deadline - Date.now()));
  const onAbort = (): void => ctrl.abort();
  req.signal.addEventListener('abort', onAbort, { once: true });
  if (req.signal.aborted) ctrl.abort();
  // Set once the endpoint answered: a connection lost after that is a cut stream, not an unreachable endpoint.
  let answered: number | undefined;
  try {
    const res = await fetch(responsesUrl(req.baseUrl), {
      method: 'POST',
      headers: requestHeaders(req.apiKey, { 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
      body: JSON.stringify(req.body),
      signal: ctrl.signal,
    });
    if (!res.ok) throw await httpStatusError(res);
    if (res.body === null) throw new SparkError(SparkErrorCode.Protocol, `HTTP ${res.status} without a body`);
    answered = res.status;
    return await readSse(res.body, req.onText);
  } catch (e) {
    if (e instanceof SparkError) {
      // A refused model is not a refused key: the pool must not stop over it.
      const model = req.body['model'];
      const err = typeof model === 'string' ? refineModelRefusal(e, model) : e;
      if (err.code !== SparkErrorCode.Connection || err.status !== undefined || answered === undefined) throw err;
      throw new SparkError(err.code, err.message, { status: answered, cause: err });
    }
    if (timedOut) throw new SparkError(SparkErrorCode.Timeout, 'HTTP response did not finish before its deadline');
    if (req.signal.aborted) throw new SparkError(SparkErrorCode.Cancelled, 'request cancelled');
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new SparkError(SparkErrorCode.Connection, `HTTP request to ${responsesUrl(req.baseUrl)} failed: ${detail}`, { cause: e, status: answered });
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}

async function httpStatusError(res: Response): Promise<SparkError> {
  let code: string | undefined;
  let param: string | undefined;
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; type?: unknown; param?: unknown } };
    const err = body.error;
    if (err && typeof err === 'object') {
      if (typeof err.code === 'string') code = err.code;
      else if (typeof err.type === 'string') code = err.type;
      if (typeof err.param === 'string') param = err.param;
      if (typeof err.message === 'string') message = `HTTP ${res.status}: ${err.message}`;
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return upstreamError(res.status, code, message, res.headers, param);
}

/** Reads `event:`/`data:` blocks separated by blank lines until a terminal event. */
async function readSse(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<ResponseOutcome> {
  const decoder = new TextDecoder();
  const acc = new ResponseAccumulator();
  let buffer = '';
  const handleBlock = (block: string): ResponseOutcome | 'stop' | undefined => {
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      data = data === undefined ? value : `${data}\n${value}`;
    }
    if (data === undefined) return undefined;
    if (data.trim() === '[DONE]') return 'stop';
    const parsed = parseServerEvent(data);
    if (parsed.kind === 'unknown') return undefined;
    if (parsed.kind === 'malformed') throw new SparkError(SparkErrorCode.Protocol, `malformed server event: ${parsed.reason}`);
    const step = acc.feed(parsed.event);
    if (step === undefined) return undefined;
    if (step.kind === 'text') {
      onText(step.text);
      return undefined;
    }
    if (step.kind === 'done') return step.outcome;
    throw step.error;
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (buffer.includes('\r')) buffer = buffer.replace(done ? /\r\n?/g : /\r\n|\r(?!$)/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const r = handleBlock(block);
        if (r === 'stop') throw new SparkError(SparkErrorCode.Protocol, 'HTTP event stream sent [DONE] before a terminal event');
        if (r !== undefined) return r;
      }
      if (done) {
        const r = buffer.trim() === '' ? undefined : handleBlock(buffer);
        if (r !== undefined && r !== 'stop') return r;
        throw new SparkError(SparkErrorCode.Connection, 'HTTP event stream ended before a terminal event');
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
