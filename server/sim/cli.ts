#!/usr/bin/env node
// The `spark-sim` bin: parses flags, loads an optional reply script, starts the simulator,
// prints the base URL, and closes it on SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { startSim, type SimLatency, type SimOptions, type SimReply } from './index.js';

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
  --script FILE.json      {"replies": ["text", {"text": "...", "incomplete": true}, ...]} served in order
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
  let script: string | undefined;
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
  return { options, script, verbose, help };
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
    if (reply && typeof reply === 'object' && typeof (reply as { text?: unknown }).text === 'string') {
      const r = reply as { text: string; incomplete?: unknown; tokensPerSecond?: unknown; firstTokenMs?: unknown };
      return {
        text: r.text,
        ...(r.incomplete === true ? { incomplete: true } : {}),
        ...(typeof r.tokensPerSecond === 'number' ? { tokensPerSecond: r.tokensPerSecond } : {}),
        ...(typeof r.firstTokenMs === 'number' ? { firstTokenMs: r.firstTokenMs } : {}),
      };
    }
    throw new UsageError(`--script ${path}: replies[${index}] must be a string or {"text": string, ...}`);
  });
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
