// The HTTP side: `POST /v1/responses` as SSE (`stream: true`) or a JSON Response object, plus the
// JSON error bodies used before a stream starts (auth, bad body, WS-only fields, injected errors).
// Every reply passes through a per-request delay line of the latency model (latency.ts).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordHeaders, type SimCore } from './core.js';
import { DEFAULT_MODEL, countTokens, httpErrorBody, injectedError, newId, previousNotFound, type ErrorSpec, type Json } from './events.js';
import { makeRequest, resolveReply } from './replies.js';
import { checkCreate } from './checks.js';
import { ResponseRun, type RunResult, type RunSink } from './run.js';
import { DelayLine } from './latency.js';

export function sendHttpError(res: ServerResponse, spec: ErrorSpec): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = JSON.stringify(httpErrorBody(spec));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': newId('req'),
  };
  if (spec.retryAfterSeconds !== undefined) headers['retry-after'] = String(spec.retryAfterSeconds);
  res.writeHead(spec.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function handleResponsesPost(core: SimCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Latency model (latency.ts): everything sent back goes down one delay line, rttMs/2 late, in order.
  const out = new DelayLine(core.timers, () => core.knobs.rttMs / 2);
  res.on('close', () => out.clear());
  const fail = (spec: ErrorSpec): void => out.push(() => sendHttpError(res, spec));
  core.stats.httpRequests++;
  const auth = core.checkAuth(req.headers);
  if (!auth.ok) {
    req.resume();
    fail({ status: 401, code: auth.code, message: auth.message, type: 'invalid_request_error' });
    return;
  }
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch {
    res.destroy();
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    fail({
      status: 400,
      code: 'invalid_json',
      message: 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)',
    });
    return;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail({ status: 400, code: 'invalid_json', message: 'The request body must be a JSON object.' });
    return;
  }
  const body = parsed as Json;
  const index = core.recordCreate({
    transport: 'http',
    connection: 0,
    body,
    bytes: raw.byteLength,
    headers: recordHeaders(req.headers),
  });

  for (const wsOnly of ['stream_id', 'generate']) {
    if (body[wsOnly] !== undefined) {
      fail({
        status: 400,
        code: 'unknown_parameter',
        message: `Unknown parameter: '${wsOnly}'. It is only supported in WebSocket mode.`,
        param: wsOnly,
        type: 'invalid_request_error',
      });
      return;
    }
  }
  const previous = body['previous_response_id'];
  if (previous !== undefined && previous !== null) {
    // store:false responses live only in a WebSocket connection's cache; HTTP never sees them.
    fail(previousNotFound(String(previous)));
    return;
  }
  if (body['background'] === true) {
    fail({
      status: 400,
      code: 'unsupported_parameter',
      message: "spark-sim does not support background mode ('background': true).",
      param: 'background',
      type: 'invalid_request_error',
    });
    return;
  }

  const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;
  const refused = checkCreate(body, model, core.modelKnobs(model), new Set());
  if (refused !== undefined) {
    fail(refused);
    return;
  }

  const fault = core.takeResponseFault(false);
  if (fault?.kind === 'error') {
    fail(injectedError(fault));
    return;
  }

  const request = makeRequest(body, undefined, 'http', index);
  const reply = resolveReply(core, request);
  const inputTokens = countTokens((request.instructions ?? '') + request.inputText);
  const streaming = body['stream'] === true;
  const requestId = newId('req');
  let finished = false;

  const destroy = (): void => {
    finished = true;
    out.push(() => req.socket.destroy());
  };
  let sink: RunSink;
  let onEnd: (result: RunResult) => void;
  if (streaming) {
    out.push(() => {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-request-id': requestId,
      });
      res.flushHeaders();
    });
    sink = {
      send: (event) => {
        const chunk = `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`;
        out.push(() => res.write(chunk));
      },
      sendRaw: (text, type) => {
        out.push(() => res.write(`event: ${type}\ndata: ${text}\n\n`));
      },
      drop: destroy,
    };
    onEnd = () => {
      finished = true;
      out.push(() => res.end());
    };
  } else {
    sink = { send: () => undefined, sendRaw: () => undefined, drop: destroy };
    onEnd = (result) => {
      finished = true;
      if (result.outcome === 'failed') {
        const error = result.response['error'] as { code?: string; message?: string } | null;
        fail({
          status: 500,
          code: error?.code ?? 'server_error',
          message: error?.message ?? 'The server had an error while processing your request.',
          type: 'server_error',
        });
        return;
      }
      const payload = JSON.stringify(result.response);
      out.push(() => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-request-id': requestId,
        });
        res.end(payload);
      });
    };
  }
  const responseId = newId('resp');
  const recorded = core.stats.creates[index - 1];
  if (recorded !== undefined) recorded.responseId = responseId;
  const run = new ResponseRun(core, { id: responseId, body, reply, fault, inputTokens, cachedTokens: 0 }, sink, onEnd);
  res.on('close', () => {
    if (!finished) run.cancel();
  });
  run.start();
}
