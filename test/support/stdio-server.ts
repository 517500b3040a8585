// Spawns the built `spark-lsp` over stdio with an LSP client on its pipes, keeping every byte it writes
// (stdout and stderr) so tests can check what leaves the process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';

export const BIN = fileURLToPath(new URL('../../dist/server/main.js', import.meta.url));

export interface StdioServer {
  conn: ProtocolConnection;
  /** The server's process id. */
  pid: number;
  /** Everything written to stdout so far. */
  stdout(): Buffer;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends shutdown and exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Closes the server's stdin (without exit); resolves with the exit code. */
  endInput(): Promise<number | null>;
}

export function spawnServer(args: string[], env: NodeJS.ProcessEnv): StdioServer {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build`);
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.listen();
  return {
    conn,
    pid: child.pid ?? 0,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    async stop() {
      await conn.sendRequest('shutdown');
      await conn.sendNotification('exit');
      const [code] = await exited;
      conn.dispose();
      return code;
    },
    async endInput() {
      child.stdin.end();
      const [code] = await exited;
      conn.dispose();
      return code;
    },
  };
}
