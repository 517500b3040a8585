#!/usr/bin/env node
// Process entry of spark-lsp: reads argv, opens the LSP connection (stdio, socket or node-ipc, as
// vscode-languageserver offers) and starts the server. Nothing here writes to stdout but the connection.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { createServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `spark-lsp ${VERSION}: AI completions and edits from gpt-5.3-codex-spark for any LSP editor.

Usage: spark-lsp --stdio | --socket=PORT | --node-ipc [--sim]

  --stdio         speak LSP over stdin/stdout (what editors use)
  --socket=PORT   connect to an LSP client listening on PORT
  --node-ipc      speak LSP over Node IPC
  --sim           start the bundled simulator (spark-sim) on loopback and use it instead of OpenAI
  --version       print the version
  --help          print this help

Environment: OPENAI_API_KEY (required unless --sim), OPENAI_BASE_URL (default https://api.openai.com/v1).
`;

const TRANSPORTS = /^--(stdio|node-ipc|socket=\d+|pipe=.+|clientProcessId=\d+)$/;

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const unknown = argv.filter((a) => a !== '--sim' && !TRANSPORTS.test(a));
  if (unknown.length > 0 || !argv.some((a) => TRANSPORTS.test(a) && !a.startsWith('--clientProcessId'))) {
    process.stderr.write(`${unknown.length > 0 ? `spark-lsp: unknown argument ${unknown.join(' ')}\n` : 'spark-lsp: name a transport\n'}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let simulator: { baseUrl: string; apiKey: string } | undefined;
  if (argv.includes('--sim')) {
    const { startSim } = await import('./sim/index.js');
    const sim = await startSim({ port: 0 });
    simulator = { baseUrl: sim.url, apiKey: 'spark-sim' };
  }
  const connection = createConnection(ProposedFeatures.all);
  createServer(connection, { env: process.env, ...(simulator ? { simulator } : {}) });
  connection.listen();
}

void main(process.argv.slice(2));
