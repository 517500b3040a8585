;;; eglot-common.el --- what the eglot e2e scripts share -*- lexical-binding: t -*-
;; Loaded first by eglot.el, eglot-workspace.el and review-eglot.el: common.el, eglot (after spark-lsp.el,
;; so that its with-eval-after-load set-up runs), the server the run talks to (its events buffer is what a
;; failure dumps), and connecting to it.

(load (expand-file-name "common.el" (file-name-directory load-file-name)) nil t)
(require 'eglot)

;; Server-initiated edits would ask y-or-n-p, which reads stdin in batch mode.
(setq eglot-confirm-server-initiated-edits nil)
(defvar spark-e2e-server nil "The eglot server of spark-lsp, once connected.")
(setq spark-e2e-dump-function
      (lambda () (when spark-e2e-server (spark-e2e-dump-buffer (jsonrpc-events-buffer spark-e2e-server)))))

(defun spark-e2e-eglot-connect ()
  "M-x eglot in the current buffer; fail the run unless it connects to spark-lsp within 20 s."
  (call-interactively #'eglot)
  (unless (spark-e2e-wait (lambda () (setq spark-e2e-server (spark-lsp--eglot-server))) 20)
    (spark-e2e-fail "eglot did not connect to spark-lsp (server: %S)" (eglot-current-server))))
