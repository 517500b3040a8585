;;; common.el --- shared set-up of the headless Emacs e2e scripts -*- lexical-binding: t -*-
;; Loaded by eglot.el and lsp-mode.el, run as `emacs --batch -Q -l SCRIPT' with the workspace as the
;; current directory and SPARK_CLIENTS naming the clients/ directory under test.

;; -Q drops site-lisp, where Debian installs the elpa-* packages.
(require 'package)
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'cl-lib)
(require 'subr-x)

(defvar spark-e2e-dir (file-name-as-directory (expand-file-name default-directory))
  "The workspace: the directory the test started Emacs in.")

(defvar spark-e2e-dump-function nil
  "Called before failing, to print the client's protocol log.")

(defun spark-e2e-fail (fmt &rest args)
  "Print FAIL with the client's log and exit non-zero."
  (when spark-e2e-dump-function
    (ignore-errors (funcall spark-e2e-dump-function)))
  (message "FAIL: %s" (apply #'format fmt args))
  (kill-emacs 1))

(defun spark-e2e-step (name)
  (message "step: %s" name))

(defun spark-e2e-wait (pred seconds)
  "Pump process output until PRED is non-nil or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun spark-e2e-line (n)
  "Text of line N (1-based) of the current buffer."
  (save-excursion
    (goto-char (point-min))
    (forward-line (1- n))
    (buffer-substring-no-properties (line-beginning-position) (line-end-position))))

(defun spark-e2e-goto (n &optional column-text)
  "Go to line N (1-based), at its end, or before the first COLUMN-TEXT on it."
  (goto-char (point-min))
  (forward-line (1- n))
  (if column-text
      (progn (search-forward column-text (line-end-position))
             (goto-char (match-beginning 0)))
    (end-of-line)))

(defun spark-e2e-select (beg end)
  "Make BEG..END the active region, as a user's selection (needs transient-mark-mode)."
  (transient-mark-mode 1)
  (goto-char beg)
  (push-mark beg t t)
  (goto-char end)
  (unless (use-region-p) (spark-e2e-fail "could not activate the region %d..%d" beg end)))

(defun spark-e2e-dump-buffer (buffer &optional chars)
  "Print the last CHARS (default 20000) characters of BUFFER."
  (when (buffer-live-p buffer)
    (with-current-buffer buffer
      (message "---- %s ----\n%s\n---- end ----" (buffer-name)
               (buffer-substring-no-properties (max (point-min) (- (point-max) (or chars 20000))) (point-max))))))

(defmacro spark-e2e-main (&rest body)
  "Run BODY; any error becomes a FAIL (instead of batch mode's debugger and exit 255)."
  `(condition-case err
       (progn ,@body)
     (error (spark-e2e-fail "unexpected error: %S" err))))

;; The exact client file under test.
(let ((clients (getenv "SPARK_CLIENTS")))
  (unless clients (spark-e2e-fail "SPARK_CLIENTS is not set"))
  (load (expand-file-name "emacs/spark-lsp.el" clients) nil t))
(unless (featurep 'spark-lsp) (spark-e2e-fail "spark-lsp.el did not provide spark-lsp"))

;; Emacs 28 has no TypeScript mode: .ts files get js-mode, as users of plain Emacs 28 have it.
(add-to-list 'auto-mode-alist '("\\.ts\\'" . js-mode))
;; The workspace has no VCS: make it the project instead of having the clients prompt for a root.
(setq project-find-functions (list (lambda (_dir) (cons 'transient spark-e2e-dir))))

(provide 'spark-e2e-common)
;;; common.el ends here
