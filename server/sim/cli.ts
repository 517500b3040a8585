#!/usr/bin/env node
// The `spark-sim` bin: parses flags, loads an optional reply script and review script, starts the
// simulator, prints the base URL, and closes it on SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { scriptedReviewer, startSim, type SimLatency, type SimModel, type SimOptions, type SimReply, type SimReviewScript } from './index.js';

const USAGE = `Usage: spark-sim [options]

Local simulator of the OpenAI Responses API (WebSocket mode + HTTP/SSE fallback).

Options:
  --port N                TCP port (default 8787; 0 picks a free port)
  --host H                Interface to bind (default 127.0.0.1)
  --tokens-per-second N   Generation speed (default 1000; 0 = instant)
  --first-token-ms N      Delay before each response's first event (default 0)
  --handshake-delay-ms N  Delay before answering a WebSocket upgrade (default 0)
  --lifetime-ms N         Connection lifetime before websocket_connection_limit_reached (default 3600000)
  --reasoning             Emit a reasoning item before each message
  --obfuscation           Add an obfuscation field to delta events
  --script FILE.json      {"replies": ["text", {"text": "...", "incomplete": true}, ...]} served in order;
                          a reply may be {"toolInput": "*** Begin Patch\\n..."} (streamed as a custom_tool_call
                          when the request declares a custom tool, else as text; "toolName" picks the tool)
                          or {"json": {...}} (sent serialized, for text.format json_schema requests)
  --review-script FILE.json
                          Findings per file for json_schema (review) requests, before --script replies:
                          {"files": {"src/stats.ts": [{"title": "[P1] ...", "body": "...",
                          "line_range": {"start": 3, "end": 4}, "priority": 1, "confidence_score": 0.9}]},
                          "overall_explanation": "..."}. A request gets the findings of every scripted
                          file its input names, at the absolute path it names; the verdict follows
  --model-speed NAME=TPS[,FIRST_TOKEN_MS]
                          Speed (and first-token delay, ms) of one model, e.g. gpt-5.3-codex=100,800
                          (repeatable); other models use --tokens-per-second / --first-token-ms
  --refuse-model NAME     Answer requests for NAME with 400 model_not_found, as for an unknown model
                          (repeatable)
  --deny-model NAME       Answer requests for NAME with 403 model_not_found, as for a model the key may
                          not use (repeatable)
  --refuse-custom-tools NAME
                          Refuse requests for model NAME that declare custom tools: 400
                          invalid_request_error, param "tools" (repeatable)
  --api-key KEY           Accepted bearer token (repeatable; default: any non-empty token)
  --verbose               Diagnostics on stderr
  --help                  Show this help

Latency model (a simulation, for measuring transports and caching; times in ms, default 0):
  --rtt-ms N                        Network round trip: every client->server message is handled
                                    N/2 late, every server->client message (event frame, SSE chunk)
                                    is sent N/2 late; order per connection is kept
  --handshake-round-trips N         Round trips a new connection costs (TCP + TLS + upgrade; default 3):
                                    a WebSocket upgrade waits N x rtt before the 101; the first HTTP
                                    request on a fresh socket waits (N - 1) x rtt extra, a kept-alive
                                    socket none. Only matters when --rtt-ms > 0
  --ttft-base-ms N                  Time to first token = base + uncached input tokens x per-uncached
  --ttft-per-uncached-token-ms N      + cached input tokens x per-cached (cached = the chained prefix,
  --ttft-per-cached-token-ms N        as usage.input_tokens_details.cached_tokens); then generation
                                    at --tokens-per-second. A generate:false warm-up pays its prefill
                                    before response.completed
  With every latency flag 0 nothing is delayed and no timer is added.
`;

class UsageError extends Error {}

interface CliConfig {
  options: SimOptions;
  script: string | undefined;
  reviewScript: string | undefined;
  verbose: boolean;
  help: boolean;
}

function parseNumber(flag: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`${flag} expects a non-negative number, got '${raw}'`);
  const value = Number(raw);
  if (value > max) throw new UsageError(`${flag} must be at most ${max}, got ${raw}`);
  return value;
}

function parseArgs(argv: string[]): CliConfig {
  const options: SimOptions = { port: 8787, host: '127.0.0.1' };
  const apiKeys: string[] = [];
  const latency: SimLatency = {};
  const models: Record<string, SimModel> = {};
  const model = (name: string): SimModel => (models[name] ??= {});
  let script: string | undefined;
  let reviewScript: string | undefined;
  let verbose = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined;
    const value = (): string | undefined => {
      if (inline !== undefined) return inline;
      i++;
      return argv[i];
    };
    const stringValue = (): string => {
      const v = value();
      if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const port = parseNumber(flag, value(), 65535);
        if (!Number.isInteger(port)) throw new UsageError(`--port expects an integer, got ${port}`);
        options.port = port;
        break;
      }
      case '--host':
        options.host = stringValue();
        break;
      case '--tokens-per-second':
        options.tokensPerSecond = parseNumber(flag, value());
        break;
      case '--first-token-ms':
        options.firstTokenMs = parseNumber(flag, value());
        break;
      case '--handshake-delay-ms':
        options.handshakeDelayMs = parseNumber(flag, value());
        break;
      case '--lifetime-ms':
        options.connectionLifetimeMs = parseNumber(flag, value());
        break;
      case '--rtt-ms':
        latency.rttMs = parseNumber(flag, value());
        break;
      case '--handshake-round-trips':
        latency.handshakeRoundTrips = parseNumber(flag, value());
        break;
      case '--ttft-base-ms':
        latency.ttftBaseMs = parseNumber(flag, value());
        break;
      case '--ttft-per-uncached-token-ms':
        latency.ttftPerUncachedTokenMs = parseNumber(flag, value());
        break;
      case '--ttft-per-cached-token-ms':
        latency.ttftPerCachedTokenMs = parseNumber(flag, value());
        break;
      case '--reasoning':
      case '--obfuscation':
      case '--verbose':
      case '--help':
        if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
        if (flag === '--reasoning') options.reasoning = true;
        else if (flag === '--obfuscation') options.obfuscation = true;
        else if (flag === '--verbose') verbose = true;
        else help = true;
        break;
      case '--script':
        script = stringValue();
        break;
      case '--review-script':
        reviewScript = stringValue();
        break;
      case '--model-speed': {
        const raw = stringValue();
        const m = /^([^=]+)=([^,]+)(?:,(.+))?$/.exec(raw);
        if (m === null) throw new UsageError(`--model-speed expects NAME=TPS[,FIRST_TOKEN_MS], got '${raw}'`);
        const knobs = model(m[1]!);
        knobs.tokensPerSecond = parseNumber(flag, m[2]);
        if (m[3] !== undefined) knobs.firstTokenMs = parseNumber(flag, m[3]);
        break;
      }
      case '--refuse-model':
        model(stringValue()).refuse = 'not-found';
        break;
      case '--deny-model':
        model(stringValue()).refuse = 'no-access';
        break;
      case '--refuse-custom-tools':
        model(stringValue()).refuseCustomTools = true;
        break;
      case '--api-key':
        apiKeys.push(stringValue());
        break;
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument '${arg}'`);
    }
  }
  if (apiKeys.length > 0) options.apiKeys = apiKeys;
  if (Object.keys(latency).length > 0) options.latency = latency;
  if (Object.keys(models).length > 0) options.models = models;
  return { options, script, reviewScript, verbose, help };
}

function loadScript(path: string): SimReply[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--script ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const replies = (parsed as { replies?: unknown } | null)?.replies;
  if (!Array.isArray(replies)) throw new UsageError(`--script ${path}: expected {"replies": [...]}`);
  return replies.map((reply, index): SimReply => {
    if (typeof reply === 'string') return reply;
    const r = (reply ?? {}) as { text?: unknown; toolInput?: unknown; toolName?: unknown; json?: unknown; incomplete?: unknown; tokensPerSecond?: unknown; firstTokenMs?: unknown };
    if (typeof reply === 'object' && (typeof r.text === 'string' || typeof r.toolInput === 'string' || r.json !== undefined)) {
      return {
        ...(typeof r.text === 'string' ? { text: r.text } : {}),
        ...(typeof r.toolInput === 'string' ? { toolInput: r.toolInput } : {}),
        ...(typeof r.toolName === 'string' ? { toolName: r.toolName } : {}),
        ...(r.json !== undefined ? { json: r.json } : {}),
        ...(r.incomplete === true ? { incomplete: true } : {}),
        ...(typeof r.tokensPerSecond === 'number' ? { tokensPerSecond: r.tokensPerSecond } : {}),
        ...(typeof r.firstTokenMs === 'number' ? { firstTokenMs: r.firstTokenMs } : {}),
      };
    }
    throw new UsageError(`--script ${path}: replies[${index}] must be a string or an object with "text", "toolInput" or "json"`);
  });
}

function loadReviewScript(path: string): SimReviewScript {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--review-script ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const files = (parsed as { files?: unknown } | null)?.files;
  if (files === null || typeof files !== 'object' || Array.isArray(files)) throw new UsageError(`--review-script ${path}: expected {"files": {"<path>": [findings]}}`);
  for (const [file, findings] of Object.entries(files as Record<string, unknown>)) {
    if (!Array.isArray(findings)) throw new UsageError(`--review-script ${path}: files[${JSON.stringify(file)}] must be an array of findings`);
    findings.forEach((f: unknown, i) => {
      const finding = f as { title?: unknown; line_range?: { start?: unknown; end?: unknown } } | null;
      const range = finding?.line_range;
      if (typeof finding?.title !== 'string' || typeof range?.start !== 'number' || typeof range.end !== 'number') {
        throw new UsageError(`--review-script ${path}: files[${JSON.stringify(file)}][${i}] needs "title" and "line_range": {"start", "end"}`);
      }
    });
  }
  const explanation = (parsed as { overall_explanation?: unknown }).overall_explanation;
  return { files: files as SimReviewScript['files'], ...(typeof explanation === 'string' ? { overall_explanation: explanation } : {}) };
}

async function main(): Promise<void> {
  let config: CliConfig;
  let replies: SimReply[] = [];
  try {
    config = parseArgs(process.argv.slice(2));
    if (config.help) {
      process.stdout.write(USAGE);
      return;
    }
    if (config.script !== undefined) replies = loadScript(config.script);
    if (config.reviewScript !== undefined) config.options.reviewer = scriptedReviewer(loadReviewScript(config.reviewScript));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`spark-sim: ${error.message}\nRun 'spark-sim --help' for usage.\n`);
      process.exit(2);
    }
    throw error;
  }
  if (config.verbose) config.options.log = (line) => process.stderr.write(`${line}\n`);

  const sim = await startSim(config.options);
  if (replies.length > 0) sim.enqueue(...replies);
  console.log(`spark-sim listening on ${sim.url}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    if (config.verbose) process.stderr.write(`spark-sim: ${signal}, closing\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`spark-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
