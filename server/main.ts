#!/usr/bin/env node
// Process entry of spark-lsp: reads argv, opens the LSP connection (stdio, socket or node-ipc, as
// vscode-languageserver offers) and starts the server, or runs `--check`. Nothing here writes to stdout but
// the connection (or, with --check / --help / --version, the report that is the whole output).
import { Console } from 'node:console';
import { createWriteStream } from 'node:fs';
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { CheckExit, runCheck } from './check.js';
import { createServer } from './server.js';
import { StdinMessageReader } from './stdin-reader.js';
import { StdoutMessageWriter } from './stdout-writer.js';
import { VERSION } from './version.js';

const USAGE = `spark-lsp ${VERSION}: AI completions and edits from gpt-5.3-codex-spark for any LSP editor.

Usage: spark-lsp --stdio | --socket=PORT | --node-ipc [--sim] [--log-file PATH]
       spark-lsp --check [--api-key-command CMD] [--base-url URL] [--model NAME] [--sim]

  --stdio         speak LSP over stdin/stdout (what editors use)
  --socket=PORT   connect to an LSP client listening on PORT
  --node-ipc      speak LSP over Node IPC
  --sim           start the bundled simulator (spark-sim) on loopback and use it instead of OpenAI
  --log-file PATH append the log (at spark.logLevel) and one line per request with its latency
                  breakdown to PATH; never the key, the code only at spark.logLevel debug
  --check         check the set-up from a shell: resolve the key and endpoint as the server does, open
                  one WebSocket, send one tiny request (a few tokens), print each step with its time
                  and a verdict; exit 0 only when the round trip worked
    --api-key-command CMD   a command printing the key (as spark.apiKeyCommand)
    --base-url URL          the API base URL (as spark.baseUrl; default $OPENAI_BASE_URL, else OpenAI)
    --model NAME            the model (as spark.model; default gpt-5.3-codex-spark)
  --version       print the version
  --help          print this help

Environment: OPENAI_API_KEY (required unless --sim), OPENAI_BASE_URL (default https://api.openai.com/v1).
`;

const TRANSPORTS = /^--(stdio|node-ipc|socket=\d+|pipe=.+|clientProcessId=\d+)$/;
/** Options that take a value, as `--name value` or `--name=value`. */
const VALUED = ['--log-file', '--api-key-command', '--base-url', '--model'] as const;
type Valued = (typeof VALUED)[number];

interface Args {
  flags: Set<string>;
  values: Map<Valued, string>;
  transports: string[];
  unknown: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { flags: new Set(), values: new Map(), transports: [], unknown: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg) as Valued;
    if (VALUED.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') args.unknown.push(`${name} without a value`);
      else args.values.set(name, value);
    } else if (TRANSPORTS.test(arg)) args.transports.push(arg);
    else if (['--sim', '--check', '--help', '-h', '--version'].includes(arg)) args.flags.add(arg);
    else args.unknown.push(arg);
  }
  return args;
}

function usageError(problem: string): void {
  process.stderr.write(`spark-lsp: ${problem}\n\n${USAGE}`);
  process.exitCode = CheckExit.Usage;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.flags.has('--help') || args.flags.has('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (args.flags.has('--version')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (args.unknown.length > 0) return usageError(`unknown argument ${args.unknown.join(' ')}`);
  if (args.flags.has('--check')) {
    if (args.transports.length > 0 || args.values.has('--log-file')) return usageError('--check takes no transport and no --log-file');
    return check(args);
  }
  const checkOnly = VALUED.filter((v) => v !== '--log-file' && args.values.has(v));
  if (checkOnly.length > 0) return usageError(`${checkOnly.join(', ')} only go with --check (the server reads settings)`);
  if (!args.transports.some((a) => !a.startsWith('--clientProcessId'))) return usageError('name a transport');

  let simulator: { baseUrl: string; apiKey: string } | undefined;
  if (args.flags.has('--sim')) {
    const { startSim } = await import('./sim/index.js');
    const sim = await startSim({ port: 0 });
    simulator = { baseUrl: sim.url, apiKey: 'spark-sim' };
  }
  const logPath = args.values.get('--log-file');
  let logFile: ((line: string) => void) | undefined;
  if (logPath !== undefined) {
    const stream = createWriteStream(logPath, { flags: 'a' });
    let broken = false;
    stream.on('error', (e) => {
      if (!broken) process.stderr.write(`spark-lsp: cannot write the log file ${logPath}: ${e.message}\n`);
      broken = true;
    });
    logFile = (line) => {
      if (!broken) stream.write(`${line}\n`);
    };
  }
  const stdio = args.transports.includes('--stdio');
  const connection = stdio ? stdioConnection() : createConnection(ProposedFeatures.all);
  const server = createServer(connection, { env: process.env, ...(simulator ? { simulator } : {}), ...(logFile ? { logFile } : {}) });
  if (stdio) {
    const end = () => process.exit(server.shutdownReceived ? 0 : 1);
    process.stdin.on('end', end);
    process.stdin.on('close', end);
  }
  connection.listen();
}

/**
 * LSP over stdin/stdout with a reader that hands each message on as it arrives (stdin-reader.ts) and a
 * writer that sends each message in one write (stdout-writer.ts). Nothing else may write to stdout:
 * console output goes to stderr. When stdin ends the process exits, 0 after a shutdown request, else 1.
 */
function stdioConnection(): Connection {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
  return createConnection(ProposedFeatures.all, new StdinMessageReader(process.stdin), new StdoutMessageWriter(process.stdout));
}

async function check(args: Args): Promise<void> {
  let sim: { url: string; close(): Promise<void> } | undefined;
  if (args.flags.has('--sim')) {
    const { startSim } = await import('./sim/index.js');
    sim = await startSim({ port: 0 });
  }
  try {
    process.exitCode = await runCheck({
      env: process.env,
      apiKeyCommand: args.values.get('--api-key-command'),
      baseUrl: args.values.get('--base-url'),
      model: args.values.get('--model'),
      simulator: sim ? { baseUrl: sim.url, apiKey: 'spark-sim' } : undefined,
      write: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await sim?.close();
  }
}

void main(process.argv.slice(2));
