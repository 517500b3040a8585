// clients/emacs/spark-lsp.el byte-compiles with warnings as errors, with eglot and lsp-mode on the load path
// (as a user's Emacs has them) and without (the file must load before either).
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENTS, editor, runEditor } from './support.js';

const PACKAGES = '(progn (require (quote package)) (setq package-directory-list (list "/usr/share/emacs/site-lisp/elpa")) (package-initialize))';

test('spark-lsp.el byte-compiles cleanly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'spark-elc-'));
  try {
    const file = join(dir, 'spark-lsp.el');
    await copyFile(join(CLIENTS, 'emacs/spark-lsp.el'), file);
    for (const setup of ['nil', PACKAGES]) {
      const run = await runEditor(editor('emacs'), ['--batch', '-Q', '--eval', setup, '--eval', '(setq byte-compile-error-on-warn t)', '-f', 'batch-byte-compile', file], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: dir },
        timeoutMs: 60_000,
      });
      assert.equal(run.code, 0, `${setup}\n${run.stderr}`);
      assert.doesNotMatch(run.stderr, /Warning|Error/, run.stderr);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
