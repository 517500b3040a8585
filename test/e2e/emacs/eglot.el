;;; eglot.el --- spark-lsp through eglot 1.9, headless -*- lexical-binding: t -*-
;; Run by test/e2e/emacs-eglot.test.ts in a workspace holding app.ts:
;;   emacs --batch -Q -l test/e2e/emacs/eglot.el
;; eglot has no codeAction/resolve, so code actions come with the spark.edit command and the edit
;; arrives as a server-initiated workspace/applyEdit.  Exit 0 = pass; otherwise a FAIL: line.

(load (expand-file-name "eglot-common.el" (file-name-directory load-file-name)) nil t)

;; Reaches the server as initializationOptions and workspace/configuration; the test checks the
;; requests the model got carry it.
(setq spark-lsp-settings '(:reasoningEffort "low"))

(defvar spark-e2e-commands nil "Commands eglot executed, newest first.")
(advice-add 'eglot-execute-command :before
            (lambda (_server command arguments) (push (cons command arguments) spark-e2e-commands)))

(spark-e2e-main
 ;; The entry spark-lsp.el added is the one eglot picks for js-mode.
 (let ((found (eglot--lookup-mode 'js-mode)))
   (unless (eq (nth 2 found) #'spark-lsp--eglot-contact)
     (spark-e2e-fail "eglot-server-programs gives %S for js-mode" found)))
 (find-file (expand-file-name "app.ts" spark-e2e-dir))
 (unless (eq major-mode 'js-mode) (spark-e2e-fail "app.ts opened in %s" major-mode))

 ;; 1. M-x eglot: contact, class and language id all come from spark-lsp.el's entry.
 (spark-e2e-eglot-connect)
 (unless (equal (eglot--language-id spark-e2e-server) "javascript")
   (spark-e2e-fail "language id %S" (eglot--language-id spark-e2e-server)))
 (unless (eglot--server-capable :executeCommandProvider)
   (spark-e2e-fail "no executeCommandProvider"))
 (spark-e2e-step "eglot connected")

 ;; The mode line indicator, fed by spark/status; M-x spark-lsp-status asks for the whole status.
 (unless (spark-e2e-wait (lambda () (equal (spark-lsp-mode-line-string) " Spark")) 10)
   (spark-e2e-fail "mode line indicator %S (status %S)" (spark-lsp-mode-line-string) spark-lsp-status))
 ;; (format-mode-line renders nothing in batch mode: check the construct is in place.)
 (unless (member '(:eval (spark-lsp-mode-line-string)) global-mode-string)
   (spark-e2e-fail "global-mode-string is %S" global-mode-string))
 (let ((status (spark-lsp-status)))
   (unless (and (equal (plist-get status :health) "ok") (equal (plist-get status :transport) "websocket"))
     (spark-e2e-fail "spark-lsp-status: %S" status)))
 (spark-e2e-step "mode line shows the status")

 ;; 2. completion-at-point: the single item completes inline and eglot's exit function applies
 ;;    its textEdit (identifier start to cursor, re-inserting "sumO").
 (spark-e2e-goto 2)
 (completion-at-point)
 (unless (equal (spark-e2e-line 2) "const total = sumOf(prices);")
   (spark-e2e-fail "completion: line 2 is %S" (spark-e2e-line 2)))
 (spark-e2e-step "completion applied")

 ;; 3. Code action on a selection: eglot-code-actions asks completing-read (stubbed to pick by
 ;;    title); the action's spark.edit command runs and the server applies its edit.
 (let (offered)
   (spark-e2e-select (progn (spark-e2e-goto 3) (line-beginning-position))
                     (progn (spark-e2e-goto 6) (line-beginning-position)))
   (cl-letf (((symbol-function 'completing-read)
              (lambda (_prompt collection &rest _)
                (setq offered (mapcar #'car collection))
                "Spark: Improve selection")))
     ;; A non-list event: nil would make eglot open an X popup menu instead of completing-read.
     (let ((last-nonmenu-event ?a))
       (call-interactively #'eglot-code-actions)))
   (deactivate-mark)
   (unless (and (member "Spark: Improve selection" offered) (member "Spark: Document selection" offered))
     (spark-e2e-fail "actions offered: %S" offered))
   ;; No resolve in eglot: the action carried the spark.edit command with its target.
   (unless (and (eq (caar spark-e2e-commands) 'spark.edit)
                (equal (plist-get (aref (cdar spark-e2e-commands) 0) :range)
                       '(:start (:line 2 :character 0) :end (:line 5 :character 0))))
     (spark-e2e-fail "commands executed: %S" spark-e2e-commands))
   (unless (spark-e2e-wait (lambda () (equal (spark-e2e-line 4) "  return xs.reduce((s, x) => s + x, 0);")) 10)
     (spark-e2e-fail "Improve selection: buffer is\n%s" (buffer-string)))
   (unless (equal (spark-e2e-line 5) "}")
     (spark-e2e-fail "Improve selection: line 5 is %S" (spark-e2e-line 5))))
 (spark-e2e-step "code action applied via spark.edit + workspace/applyEdit")

 ;; Changed settings reach the running server (workspace/didChangeConfiguration); the test
 ;; checks the next request carries them.
 (setq spark-lsp-settings (plist-put (copy-sequence spark-lsp-settings) :reasoningEffort "high"))
 (spark-lsp-send-settings)
 (spark-e2e-step "settings sent")

 ;; 4. M-x spark-lsp-edit on a selection that starts after an emoji (two UTF-16 units), with the
 ;;    instruction typed at the read-string prompt.
 (let (prompted applied)
   (spark-e2e-goto 6 "\"bye\"")
   (spark-e2e-select (point) (+ (point) (length "\"bye\"")))
   (cl-letf (((symbol-function 'read-string)
              (lambda (prompt &rest _) (setq prompted prompt) "Translate the farewell to French")))
     (setq applied (call-interactively #'spark-lsp-edit)))
   (deactivate-mark)
   (unless prompted (spark-e2e-fail "spark-lsp-edit did not prompt for an instruction"))
   (unless applied (spark-e2e-fail "spark-lsp-edit: not applied"))
   (unless (equal (spark-e2e-line 6) "const greeting = \"😀 hi\"; const farewell = \"au revoir\";")
     (spark-e2e-fail "spark-lsp-edit: line 6 is %S" (spark-e2e-line 6))))
 (spark-e2e-step "spark-lsp-edit applied")

 ;; 5. Write the result for the test, then shut down.
 (save-buffer)
 (eglot-shutdown spark-e2e-server)
 ;; SPARK_E2E_DUMP=1 prints the protocol log on success too.
 (when (getenv "SPARK_E2E_DUMP") (funcall spark-e2e-dump-function))
 (spark-e2e-step "saved"))
(kill-emacs 0)
;;; eglot.el ends here
