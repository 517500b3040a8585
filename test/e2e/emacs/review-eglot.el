;;; review-eglot.el --- reviews through eglot 1.9, headless -*- lexical-binding: t -*-
;; Run by test/e2e/emacs-review.test.ts in a workspace holding stats.ts:
;;   emacs --batch -Q -l test/e2e/emacs/review-eglot.el
;; A Spark edit is reviewed in the background; the finding reaches flymake; its "Spark: Fix" action runs
;; spark.edit (eglot has no resolve); M-x spark-lsp-review reviews on demand.  Exit 0 = pass.

(load (expand-file-name "eglot-common.el" (file-name-directory load-file-name)) nil t)
(require 'flymake)

(defun spark-e2e-review-diags ()
  "Flymake's diagnostics from spark-review in this buffer, as (LINE TYPE TEXT), sorted by line."
  ;; Batch Emacs has no idle time: start flymake so it asks eglot for what the server published.
  (flymake-start)
  (sort (cl-loop for d in (flymake-diagnostics)
                 when (string-match-p "spark-review" (flymake-diagnostic-text d))
                 collect (list (line-number-at-pos (flymake-diagnostic-beg d))
                               (flymake-diagnostic-type d)
                               (flymake-diagnostic-text d)))
        (lambda (a b) (< (car a) (car b)))))

(defvar spark-e2e-mode-lines nil
  "The mode line indicator as it read at each spark/status, newest first.")
(advice-add 'spark-lsp--on-status :after
            (lambda (&rest _) (push (spark-lsp-mode-line-string) spark-e2e-mode-lines)))

(spark-e2e-main
 (find-file (expand-file-name "stats.ts" spark-e2e-dir))
 (spark-e2e-eglot-connect)
 (spark-e2e-step "eglot connected")

 ;; 1. A Spark edit; its review runs in the background and the finding reaches flymake.
 (spark-e2e-goto 2)
 (unless (spark-lsp-edit (line-beginning-position) (line-end-position) "drop the empty check")
   (spark-e2e-fail "the edit was not applied"))
 (let ((diags (spark-e2e-wait
               (lambda () (let ((d (spark-e2e-review-diags))) (and (= (length d) 1) d)))
               15)))
   (unless diags (spark-e2e-fail "no review diagnostic; flymake has %S" (flymake-diagnostics)))
   (pcase-let ((`(,line ,type ,text) (car diags)))
     (unless (and (= line 5) (eq type 'eglot-error)
                  (string-match-p "\\[P1\\] Division by zero when values is empty" text))
       (spark-e2e-fail "review diagnostic: %S" (car diags)))))
 (spark-e2e-step "review diagnostic shown")
 (unless (spark-e2e-wait (lambda () (and (member " Spark+review" spark-e2e-mode-lines)
                                         (equal (car spark-e2e-mode-lines) " Spark")))
                         10)
   (spark-e2e-fail "mode line indicators at each status: %S" (reverse spark-e2e-mode-lines)))
 (spark-e2e-step "mode line: \" Spark+review\" while the review ran, then \" Spark\"")

 ;; 2. The quick fix: eglot-code-actions on the finding's line, picked by title, runs spark.edit.
 (let (offered)
   (spark-e2e-select (progn (spark-e2e-goto 5) (line-beginning-position)) (line-end-position))
   (cl-letf (((symbol-function 'completing-read)
              (lambda (_prompt collection &rest _)
                (setq offered (mapcar #'car collection))
                "Spark: Fix [P1] Division by zero when values is empty")))
     (let ((last-nonmenu-event ?a))
       (call-interactively #'eglot-code-actions)))
   (deactivate-mark)
   (unless (member "Spark: Fix [P1] Division by zero when values is empty" offered)
     (spark-e2e-fail "actions offered: %S" offered))
   (unless (member "Spark: Review this file" offered)
     (spark-e2e-fail "no review action among %S" offered))
   (unless (spark-e2e-wait (lambda () (equal (spark-e2e-line 5) "  return values.length === 0 ? 0 : total / values.length;")) 15)
     (spark-e2e-fail "the fix was not applied:\n%s" (buffer-string))))
 (unless (spark-e2e-wait (lambda () (null (spark-e2e-review-diags))) 15)
   (spark-e2e-fail "the finding stayed: %S" (spark-e2e-review-diags)))
 (spark-e2e-step "quick fix applied, finding gone")

 ;; 3. M-x spark-lsp-review: the unsaved changes, on demand.
 (let ((count (spark-lsp-review)))
   (unless (equal count 1) (spark-e2e-fail "spark-lsp-review returned %S" count)))
 (let ((diags (spark-e2e-wait (lambda () (spark-e2e-review-diags)) 15)))
   (unless (and diags (eq (nth 1 (car diags)) 'eglot-warning) (= (car (car diags)) 2))
     (spark-e2e-fail "on-demand review diagnostics: %S" diags)))
 (spark-e2e-step "spark-lsp-review shown")

 (save-buffer)
 (eglot-shutdown spark-e2e-server)
 (when (getenv "SPARK_E2E_DUMP") (funcall spark-e2e-dump-function))
 (spark-e2e-step "saved"))
(kill-emacs 0)
;;; review-eglot.el ends here
