;;; eglot-workspace.el --- spark-lsp edits beyond the buffer through eglot 1.9, headless -*- lexical-binding: t -*-
;; Run by test/e2e/emacs-eglot.test.ts in a workspace holding src/total.ts, src/math.ts and
;; test/total.test.ts, with only src/total.ts visited:
;;   emacs --batch -Q -l test/e2e/emacs/eglot-workspace.el
;; C-u C-u M-x spark-lsp-edit (workspace scope) changes src/math.ts, which no buffer visits; then
;; M-x spark-lsp-tests extends test/total.test.ts, which no buffer visits either.  eglot asks before
;; editing a file it does not visit (y-or-n-p, answered yes here as a user would).  Exit 0 = pass.

(load (expand-file-name "eglot-common.el" (file-name-directory load-file-name)) nil t)

(defvar spark-e2e-asked nil "Questions eglot asked, newest first.")

(defun spark-e2e-visiting (relative)
  "The buffer visiting RELATIVE (to the workspace), or nil."
  (find-buffer-visiting (expand-file-name relative spark-e2e-dir)))

(spark-e2e-main
 (find-file (expand-file-name "src/total.ts" spark-e2e-dir))
 (spark-e2e-eglot-connect)
 (spark-e2e-step "eglot connected")

 ;; 1. C-u C-u M-x spark-lsp-edit: the workspace scope, no region.
 (when (spark-e2e-visiting "src/math.ts") (spark-e2e-fail "src/math.ts is visited before the edit"))
 (let (prompted applied)
   (cl-letf (((symbol-function 'read-string)
              (lambda (prompt &rest _) (setq prompted prompt) "give add a default for b"))
             ((symbol-function 'y-or-n-p)
              (lambda (question) (push question spark-e2e-asked) t)))
     (let ((current-prefix-arg '(16)))
       (setq applied (call-interactively #'spark-lsp-edit))))
   (unless (equal prompted "Spark instruction (workspace): ")
     (spark-e2e-fail "prompt %S" prompted))
   (unless applied (spark-e2e-fail "spark-lsp-edit: not applied"))
   (unless (and spark-e2e-asked (string-match-p "src/math\\.ts" (car spark-e2e-asked)))
     (spark-e2e-fail "eglot did not ask about src/math.ts: %S" spark-e2e-asked))
   (let ((math (spark-e2e-visiting "src/math.ts")))
     (unless math (spark-e2e-fail "src/math.ts was not visited by the edit"))
     (with-current-buffer math
       (unless (equal (spark-e2e-line 1) "export function add(a: number, b = 0): number {")
         (spark-e2e-fail "src/math.ts line 1 is %S" (spark-e2e-line 1))))))
 (spark-e2e-step "workspace edit applied to a file that was not open")

 ;; 2. M-x spark-lsp-tests in mean(): extends test/total.test.ts, not visited.
 (when (spark-e2e-visiting "test/total.test.ts") (spark-e2e-fail "the test file is visited before the edit"))
 (spark-e2e-goto 10 "return")
 (let (applied)
   (cl-letf (((symbol-function 'y-or-n-p)
              (lambda (question) (push question spark-e2e-asked) t)))
     (setq applied (call-interactively #'spark-lsp-tests)))
   (unless applied (spark-e2e-fail "spark-lsp-tests: not applied"))
   (let ((tests (spark-e2e-visiting "test/total.test.ts")))
     (unless tests (spark-e2e-fail "test/total.test.ts was not visited by the edit"))
     (with-current-buffer tests
       (unless (string-match-p "mean of nothing" (buffer-string))
         (spark-e2e-fail "test/total.test.ts is %S" (buffer-string))))))
 (spark-e2e-step "tests written into the existing test file")

 ;; 3. Save what the edits changed, as a user reviewing them would, then shut down.
 (save-some-buffers t)
 (eglot-shutdown spark-e2e-server)
 (when (getenv "SPARK_E2E_DUMP") (funcall spark-e2e-dump-function))
 (spark-e2e-step "saved"))
(kill-emacs 0)
;;; eglot-workspace.el ends here
