// $/progress for an edit while its answer streams (message text or patch): begun with the instruction,
// reported at most every PROGRESS_INTERVAL_MS, ended when the edit settles.
import type { WorkDoneProgressServerReporter } from 'vscode-languageserver';
import type { ServerContext } from './context.js';

/** Milliseconds between two $/progress reports while an edit streams. */
const PROGRESS_INTERVAL_MS = 100;

export interface Progress {
  onText?: (textSoFar: string) => void;
  done(): void;
}

/** Progress is created without waiting for the client, so the model call starts at once. */
export function startProgress(ctx: ServerContext, instruction: string): Progress {
  if (!ctx.negotiated.workDoneProgress) return { done() {} };
  let reporter: WorkDoneProgressServerReporter | undefined;
  let finished = false;
  let last = 0;
  ctx.connection.window.createWorkDoneProgress().then(
    (created) => {
      if (finished) return;
      reporter = created;
      created.begin('Spark', undefined, truncate(instruction, 60), false);
    },
    () => undefined,
  );
  return {
    onText(textSoFar) {
      const now = Date.now();
      if (!reporter || now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      reporter.report(`${textSoFar.length} characters received`);
    },
    done() {
      finished = true;
      reporter?.done();
    },
  };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
