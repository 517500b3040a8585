;;; lsp-mode.el --- spark-lsp through lsp-mode 8.0.0, headless -*- lexical-binding: t -*-
;; Run by test/e2e/emacs-lsp-mode.test.ts in a workspace holding app.ts:
;;   emacs --batch -Q -l test/e2e/emacs/lsp-mode.el
;; lsp-mode advertises codeAction/resolve and documentChanges: actions come without an edit and are
;; resolved; edits are versioned documentChanges.  Exit 0 = pass; otherwise a FAIL: line.

(load (expand-file-name "common.el" (file-name-directory load-file-name)) nil t)

;; Keep lsp-mode non-interactive and out of ~/.emacs.d; log the protocol for failure reports.
(setq lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
      lsp-auto-guess-root t
      lsp-enable-file-watchers nil
      lsp-headerline-breadcrumb-enable nil
      lsp-modeline-code-actions-enable nil
      lsp-modeline-diagnostics-enable nil
      lsp-enable-snippet nil
      lsp-keep-workspace-alive nil
      lsp-restart 'ignore
      lsp-log-io t)
(require 'lsp-mode) ; after spark-lsp.el, so its with-eval-after-load set-up runs now

(setq spark-lsp-settings '(:reasoningEffort "low" :edit (:maxOutputTokens 2048)))

(defvar spark-e2e-methods nil "Requests lsp-mode sent synchronously, newest first.")
(defvar spark-e2e-edits nil "Workspace edits lsp-mode applied, newest first.")
(advice-add 'lsp-request :before (lambda (method &rest _) (push method spark-e2e-methods)))
(advice-add 'lsp--apply-workspace-edit :before (lambda (edit &rest _) (push edit spark-e2e-edits)))

(defun spark-e2e-workspace () (spark-lsp--lsp-workspace))
(setq spark-e2e-dump-function
      (lambda () (dolist (b (buffer-list))
                   (when (string-prefix-p "*lsp-log" (buffer-name b)) (spark-e2e-dump-buffer b)))))

(defun spark-e2e-document-changes-p (edit)
  "Whether EDIT uses documentChanges with a version (not plain changes)."
  (let ((changes (lsp-get edit :documentChanges)))
    (and changes (not (lsp-get edit :changes))
         (cl-every (lambda (c) (numberp (lsp-get (lsp-get c :textDocument) :version))) changes))))

(spark-e2e-main
 (find-file (expand-file-name "app.ts" spark-e2e-dir))
 (unless (eq major-mode 'js-mode) (spark-e2e-fail "app.ts opened in %s" major-mode))

 ;; 1. M-x lsp: spark-lsp is the only matching client here (an add-on; no TypeScript server installed).
 (call-interactively #'lsp)
 (unless (spark-e2e-wait (lambda () (let ((w (spark-e2e-workspace)))
                                      (and w (eq (lsp--workspace-status w) 'initialized))))
                         20)
   (spark-e2e-fail "spark-lsp did not initialize; workspaces: %S" (lsp-workspaces)))
 (unless (lsp--client-add-on? (lsp--workspace-client (spark-e2e-workspace)))
   (spark-e2e-fail "spark-lsp is not registered as an add-on"))
 (spark-e2e-step "lsp-mode initialized")

 ;; The mode line indicator, fed by spark/status; M-x spark-lsp-status asks for the whole status.
 (unless (spark-e2e-wait (lambda () (equal (spark-lsp-mode-line-string) " Spark")) 10)
   (spark-e2e-fail "mode line indicator %S (status %S)" (spark-lsp-mode-line-string) spark-lsp-status))
 (let ((status (spark-lsp-status)))
   (unless (equal (spark-lsp--get status :health) "ok")
     (spark-e2e-fail "spark-lsp-status: %S" status)))
 (spark-e2e-step "mode line shows the status")

 ;; 2. completion-at-point: lsp-mode's capf applies the single item's textEdit.
 (spark-e2e-goto 2)
 (completion-at-point)
 (unless (spark-e2e-wait (lambda () (equal (spark-e2e-line 2) "const total = sumOf(prices);")) 5)
   (spark-e2e-fail "completion: line 2 is %S" (spark-e2e-line 2)))
 (spark-e2e-step "completion applied")

 ;; 3. M-x lsp-execute-code-action on a selection, the picker stubbed to choose by title: lsp-mode
 ;;    resolves the edit-less action and applies the edit it gets back.
 (let (offered)
   (setq spark-e2e-methods nil spark-e2e-edits nil)
   (spark-e2e-select (progn (spark-e2e-goto 3) (line-beginning-position))
                     (progn (spark-e2e-goto 6) (line-beginning-position)))
   (cl-letf (((symbol-function 'completing-read)
              (lambda (_prompt collection &rest _)
                (setq offered (mapcar #'car collection))
                "Spark: Document selection")))
     (call-interactively #'lsp-execute-code-action))
   (deactivate-mark)
   (unless (and (member "Spark: Improve selection" offered) (member "Spark: Document selection" offered))
     (spark-e2e-fail "actions offered: %S" offered))
   (unless (member "codeAction/resolve" spark-e2e-methods)
     (spark-e2e-fail "no codeAction/resolve; requests: %S" spark-e2e-methods))
   (when (member "workspace/executeCommand" spark-e2e-methods)
     (spark-e2e-fail "the action ran a command instead of resolving"))
   (unless (and spark-e2e-edits (spark-e2e-document-changes-p (car spark-e2e-edits)))
     (spark-e2e-fail "the resolved edit is not versioned documentChanges: %S" spark-e2e-edits))
   (unless (equal (spark-e2e-line 3) "/** Adds up the numbers in xs. */")
     (spark-e2e-fail "Document selection: buffer is\n%s" (buffer-string))))
 (spark-e2e-step "code action applied via codeAction/resolve")

 ;; Changed settings reach the running server (workspace/didChangeConfiguration); the test
 ;; checks the next request carries them.
 (setq spark-lsp-settings (plist-put (copy-sequence spark-lsp-settings) :reasoningEffort "high"))
 (spark-lsp-send-settings)
 (spark-e2e-step "settings sent")

 ;; 4. M-x spark-lsp-edit without a selection: the current line, which has a non-ASCII character.
 (let (applied)
   (setq spark-e2e-edits nil)
   (spark-e2e-goto 8 "greeting")
   (cl-letf (((symbol-function 'read-string)
              (lambda (&rest _) "Greet in French")))
     (setq applied (call-interactively #'spark-lsp-edit)))
   (unless applied (spark-e2e-fail "spark-lsp-edit: not applied"))
   (unless (and spark-e2e-edits (spark-e2e-document-changes-p (car spark-e2e-edits)))
     (spark-e2e-fail "the applied edit is not versioned documentChanges: %S" spark-e2e-edits))
   (unless (equal (spark-e2e-line 8) "const greeting = \"Bonjour, café\";")
     (spark-e2e-fail "spark-lsp-edit: line 8 is %S" (spark-e2e-line 8))))
 (spark-e2e-step "spark-lsp-edit applied")

 ;; 5. Write the result for the test, then shut down.
 (save-buffer)
 (lsp-workspace-shutdown (spark-e2e-workspace))
 ;; SPARK_E2E_DUMP=1 prints the protocol log on success too.
 (when (getenv "SPARK_E2E_DUMP") (funcall spark-e2e-dump-function))
 (spark-e2e-step "saved"))
(kill-emacs 0)
;;; lsp-mode.el ends here
