;;; spark-lsp.el --- Spark AI completions and edits through eglot or lsp-mode -*- lexical-binding: t -*-

;; Tested with GNU Emacs 28.2, eglot 1.9 (jsonrpc 1.0.14 bundled with Emacs) and lsp-mode 8.0.0,
;; the Debian 12 packages emacs-nox, elpa-eglot and elpa-lsp-mode.
;;
;; Load it from your init file, before or after eglot / lsp-mode:
;;
;;   (load "/path/to/spark-lsp/clients/emacs/spark-lsp.el")
;;
;; `spark-lsp' must be on `exec-path' (or customize `spark-lsp-server-command') and the server
;; reads OPENAI_API_KEY from its environment.
;;
;; eglot: M-x eglot in one of `spark-lsp-modes' starts spark-lsp.  eglot runs a single server per
;; buffer, so with `spark-lsp-eglot-first' (the default) spark-lsp takes the place of the mode's
;; usual language server; set it to nil to keep those and only get spark-lsp where eglot knows no
;; other server.  Completion is `completion-at-point'; `eglot-code-actions' lists the Spark actions.
;;
;; lsp-mode: M-x lsp starts spark-lsp as an add-on beside the buffer's other servers.  Completion is
;; `completion-at-point' (or company); `lsp-execute-code-action' runs the Spark actions.
;;
;; With either client, M-x spark-lsp-edit edits the region (or the current line) following an
;; instruction you type; with C-u it may change anything in the file, with C-u C-u any file of the
;; workspace folder (and create files).  M-x spark-lsp-tests writes tests for the function at point
;; into the test file the project's conventions name.  Files an edit changes that were not open are
;; visited and left unsaved for you to review.  M-x spark-lsp-review asks the review model for bugs
;; in the buffer's unsaved changes (or the whole buffer, or the region).  Findings of reviews (also
;; the background review after each Spark edit) are diagnostics (flymake or flycheck) with a
;; "Spark: Fix" code action.
;;
;; The mode line shows the server's health from its `spark/status' notification (see
;; `spark-lsp-mode-line'): "Spark" when connected over WebSocket, "Spark[http]" on the HTTP/SSE
;; fallback, "Spark[...]" with the reason when degraded or failing (key refused, unreachable, rate
;; limited).  M-x spark-lsp-status shows the whole status, latency breakdown included.
;;
;; Settings for the server's `spark' section go in `spark-lsp-settings' as a plist, for example
;;   (setq spark-lsp-settings '(:reasoningEffort "low" :completion (:maxOutputTokens 128)))
;; Write false as :json-false.  They are sent as initializationOptions and answered to the
;; server's workspace/configuration requests; after changing them in a running session, call
;; `spark-lsp-send-settings'.
;;
;; Known client limits:
;; - eglot 1.9 runs an action's command with jsonrpc's 10 s request timeout; an edit that takes
;;   longer reports a timeout in Emacs although the server still applies it when the answer comes.
;;   `spark-lsp-edit' waits for the server's own edit timeout instead.
;; - eglot 1.9 asks before applying a server's edit unless `eglot-confirm-server-initiated-edits'
;;   is nil, and always asks when the edit touches a file no buffer visits.
;; - jsonrpc 1.0.14 (eglot 1.9) reads a message that arrives together with the reply to a synchronous
;;   request only when more output comes: a review published right after a command's reply (an instant
;;   review) shows once the server sends anything else.
;; - eglot 1.9 cannot create, rename or delete files in an edit: a workspace edit that needs to fails
;;   with a message saying so (lsp-mode can).
;; - lsp-mode 8.0.0 counts LSP columns in characters, not UTF-16 units: on lines holding characters
;;   beyond the BMP (emoji), its changes and the edits it applies are off by one per such character.
;;   Text in the BMP (accents, CJK) is unaffected.  eglot counts UTF-16 units as the spec says.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

;; Defined by eglot / lsp-mode, called only once they are loaded and managing the buffer.
(declare-function find-class "eieio-core" (symbol &optional errorp))
(declare-function object-of-class-p "eieio" (obj class))
(declare-function jsonrpc-request "jsonrpc" (connection method params &rest args))
(declare-function jsonrpc-notify "jsonrpc" (connection method params))
(declare-function eglot-current-server "eglot" ())
(declare-function eglot--TextDocumentIdentifier "eglot" ())
(declare-function eglot--signal-textDocument/didChange "eglot" ())
(declare-function lsp-register-custom-settings "lsp-mode" (props))
(declare-function lsp-register-client "lsp-mode" (client))
(declare-function make-lsp-client "lsp-mode" (&rest args))
(declare-function lsp-stdio-connection "lsp-mode" (command &optional test-command))
(declare-function lsp-workspaces "lsp-mode" ())
(declare-function lsp--workspace-client "lsp-mode" (workspace))
(declare-function lsp--client-server-id "lsp-mode" (client))
(declare-function lsp-request "lsp-mode" (method params &rest args))
(declare-function lsp-notify "lsp-mode" (method params))
(declare-function lsp--buffer-uri "lsp-mode" ())

(defgroup spark-lsp nil
  "Spark AI completions and edits through a language server."
  :group 'tools
  :prefix "spark-lsp-")

(defcustom spark-lsp-server-command '("spark-lsp" "--stdio")
  "Program and arguments that start the spark-lsp language server on stdio."
  :type '(repeat string))

(defcustom spark-lsp-settings nil
  "The server's `spark' settings section as a plist; nil keeps its defaults.
Keys are the setting names of the server's protocol, nested groups are plists:
  (:model \"gpt-5.3-codex-spark\" :reasoningEffort \"low\"
   :completion (:enabled t :maxOutputTokens 128) :edit (:timeoutMs 90000))
Use :json-false for false."
  :type '(plist :key-type symbol :value-type sexp))

(defcustom spark-lsp-modes
  '((js-mode . "javascript") (js2-mode . "javascript") (js-ts-mode . "javascript")
    (typescript-mode . "typescript") (typescript-ts-mode . "typescript")
    (tsx-ts-mode . "typescriptreact")
    (python-mode . "python") (python-ts-mode . "python")
    (c-mode . "c") (c-ts-mode . "c") (c++-mode . "cpp") (c++-ts-mode . "cpp")
    (rust-mode . "rust") (rust-ts-mode . "rust")
    (go-mode . "go") (go-ts-mode . "go"))
  "Major modes spark-lsp serves, with the LSP language id of each.
Modes that are not installed are harmless: they are only symbols here."
  :type '(alist :key-type symbol :value-type string))

(defcustom spark-lsp-eglot-first t
  "Non-nil: eglot runs spark-lsp, not the usual server, in `spark-lsp-modes'.
eglot manages a buffer with one server only.  nil appends spark-lsp's entries
to `eglot-server-programs', so it serves only modes eglot has no server for."
  :type 'boolean)

(defcustom spark-lsp-mode-line t
  "Non-nil: show spark-lsp's health in the mode line.
The indicator is added to `global-mode-string' when the first status arrives."
  :type 'boolean)

(defvar spark-lsp-status nil
  "The last `spark/status' notification of a spark-lsp server, as a plist.
Keys: :health (\"ok\", \"degraded\" or \"error\"), :message, :transport,
:connections, :model, :endpoint, and :reviews-running (reviews in flight).
nil before any.  The mode line reads it.")

(defvar spark-lsp-edit-history nil
  "Instructions given to `spark-lsp-edit'.")

;;;; Shared helpers

;; The settings known to the server (protocol.md section 5), top-level keys only.  lsp-mode answers
;; workspace/configuration from registered per-key paths, so it needs the list.
(defconst spark-lsp--setting-keys
  '("model" "baseUrl" "apiKey" "transport" "poolSize" "lanesPerConnection" "reasoningEffort"
    "completion" "edit" "context" "review" "logLevel"))

(defun spark-lsp--initialization-options ()
  "initializationOptions: the settings, so the first connections already use them."
  (and spark-lsp-settings (list :spark spark-lsp-settings)))

(defun spark-lsp--edit-timeout ()
  "Seconds to wait for `spark.edit': the server's edit timeout plus a margin."
  (let ((ms (plist-get (plist-get spark-lsp-settings :edit) :timeoutMs)))
    (+ 5 (/ (if (numberp ms) ms 60000) 1000.0))))

(defun spark-lsp--utf16-length (string)
  "Length of STRING in UTF-16 code units (non-BMP characters count twice)."
  (cl-loop for c across string sum (if (> c #xFFFF) 2 1)))

(defun spark-lsp--position (pos)
  "LSP position of POS: 0-based line, UTF-16 column, ignoring narrowing."
  (save-excursion
    (save-restriction
      (widen)
      (goto-char pos)
      (list :line (1- (line-number-at-pos pos))
            :character (spark-lsp--utf16-length
                        (buffer-substring-no-properties (line-beginning-position) pos))))))

(defun spark-lsp--applied-p (result)
  "Whether a `spark.edit' RESULT ({applied}) says the edit was applied."
  (let ((v (if (hash-table-p result) (gethash "applied" result) (plist-get result :applied))))
    (and v (not (eq v :json-false)))))

;;;; Status

(defun spark-lsp--get (params key)
  "Field KEY (a keyword) of PARAMS, a plist (eglot) or a hash table (lsp-mode)."
  (if (hash-table-p params)
      (gethash (substring (symbol-name key) 1) params)
    (plist-get params key)))

(defun spark-lsp--on-status (params)
  "Keep PARAMS of a `spark/status' notification for the mode line."
  (let ((reviews (spark-lsp--get params :reviews)))
    (setq spark-lsp-status
          (append (cl-loop for key in '(:health :message :transport :connections :model :endpoint)
                           append (list key (spark-lsp--get params key)))
                  (list :reviews-running (or (and reviews (spark-lsp--get reviews :running)) 0)))))
  (when (and spark-lsp-mode-line
             (not (member '(:eval (spark-lsp-mode-line-string)) global-mode-string)))
    (setq global-mode-string
          (append (if (listp global-mode-string) global-mode-string (list global-mode-string))
                  '((:eval (spark-lsp-mode-line-string))))))
  (force-mode-line-update t))

(defun spark-lsp--reason (message)
  "The first clause of MESSAGE, short enough for a mode line."
  (let ((clause (car (split-string (or message "") "[;(:]" t "[ \t]+"))))
    (truncate-string-to-width (or clause "") 32 nil nil "...")))

(defun spark-lsp-mode-line-string ()
  "The mode line indicator: \" Spark\" when healthy, else with the reason.
\"+review\" follows while a review runs.  The empty string before any status."
  (let* ((health (plist-get spark-lsp-status :health))
         (transport (plist-get spark-lsp-status :transport))
         (text (cond ((null health) "")
                     ((equal health "ok") (if (equal transport "http") " Spark[http]" " Spark"))
                     ((and (equal health "degraded") (equal transport "http")) " Spark[http]")
                     (t (format " Spark[%s%s]" (if (equal health "error") "!" "")
                                (spark-lsp--reason (plist-get spark-lsp-status :message)))))))
    (if (and health (> (or (plist-get spark-lsp-status :reviews-running) 0) 0))
        (concat text "+review")
      text)))

;;;; eglot

(defvar eglot-server-programs)
(defvar eglot-workspace-configuration)
(defvar spark-lsp--eglot-previous-configuration nil
  "Default `eglot-workspace-configuration' before spark-lsp's set-up; merged in.")

(defun spark-lsp--eglot-contact (&optional _interactive)
  "eglot contact: our class and `spark-lsp-server-command', read at each start."
  (cons 'spark-lsp-eglot-server spark-lsp-server-command))

(defun spark-lsp--eglot-entries ()
  "One `eglot-server-programs' entry per language id.
eglot 1.9 keeps one language id per server, so languages do not share a server."
  (let (groups)
    (dolist (m spark-lsp-modes)
      (let ((group (assoc (cdr m) groups)))
        (if group
            (setcdr group (append (cdr group) (list (list (car m) :language-id (cdr m)))))
          (push (list (cdr m) (list (car m) :language-id (cdr m))) groups))))
    (mapcar (lambda (g) (cons (cdr g) #'spark-lsp--eglot-contact)) (nreverse groups))))

(defun spark-lsp--as-plist (config)
  "CONFIG (a plist or an alist of sections, as eglot accepts) as a plist."
  (if (consp (car-safe config))
      (cl-loop for (section . v) in config
               collect (if (keywordp section) section (intern (format ":%s" section)))
               collect v)
    config))

(defun spark-lsp--eglot-configuration (server)
  "`eglot-workspace-configuration' function: the previous value plus :spark."
  (let* ((prev spark-lsp--eglot-previous-configuration)
         (plist (spark-lsp--as-plist (if (functionp prev) (funcall prev server) prev))))
    (if (plist-member plist :spark)
        plist
      (append plist (list :spark spark-lsp-settings)))))

(defun spark-lsp--eglot-setup ()
  "Register spark-lsp with eglot (idempotent: loading this file twice is harmless)."
  (unless (find-class 'spark-lsp-eglot-server nil)
    ;; A subclass only to send initializationOptions; `eval' keeps eieio out of load time
    ;; when eglot is absent.
    (eval '(defclass spark-lsp-eglot-server (eglot-lsp-server) ()
             :documentation "spark-lsp under eglot.")
          t)
    (eval '(cl-defmethod eglot-initialization-options ((_server spark-lsp-eglot-server))
             (or (spark-lsp--initialization-options) (make-hash-table)))
          t)
    (eval '(cl-defmethod eglot-handle-notification ((_server spark-lsp-eglot-server)
                                                    (_method (eql spark/status))
                                                    &rest params)
             (spark-lsp--on-status params))
          t))
  (setq eglot-server-programs
        (cl-remove #'spark-lsp--eglot-contact eglot-server-programs :key #'cdr))
  (setq eglot-server-programs
        (if spark-lsp-eglot-first
            (append (spark-lsp--eglot-entries) eglot-server-programs)
          (append eglot-server-programs (spark-lsp--eglot-entries))))
  ;; The variable is buffer-local; the server's requests are answered from its default value
  ;; (plus directory-local values, which then replace ours).
  (let ((current (default-value 'eglot-workspace-configuration)))
    (unless (eq current #'spark-lsp--eglot-configuration)
      (setq spark-lsp--eglot-previous-configuration current)
      (setq-default eglot-workspace-configuration #'spark-lsp--eglot-configuration))))

(with-eval-after-load 'eglot (spark-lsp--eglot-setup))

;;;; lsp-mode

(defvar lsp-language-id-configuration)
(defvar lsp-response-timeout)
(defvar lsp--cur-workspace)

(defun spark-lsp--lsp-activate-p (_file-name mode)
  "lsp-mode activation: MODE is one of `spark-lsp-modes' or derived from one."
  (apply #'provided-mode-derived-p mode (mapcar #'car spark-lsp-modes)))

(defun spark-lsp--setting (key)
  "Top-level setting KEY (a string) in `spark-lsp-settings', nil if unset."
  (plist-get spark-lsp-settings (intern (concat ":" key))))

(defun spark-lsp--lsp-mode-setup ()
  "Register spark-lsp with lsp-mode as an add-on client."
  ;; lsp-mode needs a language id for every mode it serves; keep any mapping it already has.
  (dolist (m spark-lsp-modes)
    (unless (assq (car m) lsp-language-id-configuration)
      (add-to-list 'lsp-language-id-configuration m t)))
  ;; Values are functions, so workspace/configuration sees the current `spark-lsp-settings';
  ;; unset keys answer nil and are left out, keeping the server's defaults.
  (lsp-register-custom-settings
   (mapcar (lambda (key) (list (concat "spark." key) (lambda () (spark-lsp--setting key))))
           spark-lsp--setting-keys))
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection (lambda () spark-lsp-server-command))
    :activation-fn #'spark-lsp--lsp-activate-p
    :initialization-options #'spark-lsp--initialization-options
    :notification-handlers (let ((handlers (make-hash-table :test #'equal)))
                             (puthash "spark/status" (lambda (_workspace params) (spark-lsp--on-status params))
                                      handlers)
                             handlers)
    :server-id 'spark-lsp
    :add-on? t
    :priority -1)))

(with-eval-after-load 'lsp-mode (spark-lsp--lsp-mode-setup))

;;;; Commands

(defun spark-lsp--lsp-workspace ()
  "The lsp-mode workspace of spark-lsp serving the current buffer, or nil."
  (and (bound-and-true-p lsp-mode)
       (fboundp 'lsp-workspaces)
       (cl-find-if (lambda (w) (eq (lsp--client-server-id (lsp--workspace-client w)) 'spark-lsp))
                   (lsp-workspaces))))

(defun spark-lsp--eglot-server ()
  "The eglot server managing the current buffer if it is spark-lsp, or nil."
  (and (bound-and-true-p eglot--managed-mode)
       (fboundp 'eglot-current-server)
       (let ((server (eglot-current-server)))
         (and server (object-of-class-p server 'spark-lsp-eglot-server) server))))

(defun spark-lsp--scope (prefix)
  "The edit scope PREFIX chooses: nil selection, C-u file, C-u C-u workspace."
  (cond ((null prefix) "selection")
        ((and (consp prefix) (>= (prefix-numeric-value prefix) 16)) "workspace")
        (t "file")))

(defun spark-lsp--execute (target)
  "Run `spark.edit' with TARGET (a plist) on the spark-lsp of this buffer.
Waits for the server's own edit timeout, not the client's default one; returns
non-nil when the edit was applied."
  (let* ((eglot-server (spark-lsp--eglot-server))
         (lsp-workspace (and (not eglot-server) (spark-lsp--lsp-workspace)))
         (params (list :command "spark.edit" :arguments (vector target)))
         (result
          (cond
           (eglot-server
            ;; eglot sends didChange lazily; the server must see the text the range refers to.
            (when (fboundp 'eglot--signal-textDocument/didChange)
              (eglot--signal-textDocument/didChange))
            ;; `eglot-execute-command' would wait only jsonrpc's default 10 s; edits can take longer.
            (jsonrpc-request eglot-server :workspace/executeCommand params
                             :timeout (spark-lsp--edit-timeout)))
           (lsp-workspace
            ;; Bound to our workspace so the command goes to spark-lsp only, not to every
            ;; server of the buffer that executes commands.
            (let ((lsp--cur-workspace lsp-workspace)
                  (lsp-response-timeout (spark-lsp--edit-timeout)))
              (lsp-request "workspace/executeCommand" params)))
           (t (user-error "Spark: spark-lsp does not manage this buffer (start it with M-x eglot or M-x lsp)")))))
    (spark-lsp--applied-p result)))

(defun spark-lsp--uri ()
  "The URI of the current buffer as the managing client names it."
  (if (spark-lsp--eglot-server)
      (plist-get (eglot--TextDocumentIdentifier) :uri)
    (lsp--buffer-uri)))

(defun spark-lsp-edit (beg end instruction &optional scope)
  "Edit with Spark following INSTRUCTION, within SCOPE.
SCOPE is \"selection\" (the text between BEG and END), \"file\" (anywhere in
this file) or \"workspace\" (any file of the workspace folder, new files
included); nil means \"selection\".  Interactively: no prefix argument edits
the active region, else the current line; \\[universal-argument] edits the file
and \\[universal-argument] \\[universal-argument] the workspace (an active region
then tells the model where to look).  The instruction is read from the
minibuffer.  The server computes the edit and applies it through the client
(workspace/applyEdit); files it changes that were not visited are visited, left
unsaved.  Returns non-nil when the edit was applied."
  (interactive
   (let* ((scope (spark-lsp--scope current-prefix-arg))
          (bounds (cond ((use-region-p) (list (region-beginning) (region-end)))
                        ((equal scope "selection") (list (line-beginning-position) (line-end-position)))
                        (t (list nil nil)))))
     (append bounds
             (list (read-string (if (equal scope "selection") "Spark instruction: "
                                  (format "Spark instruction (%s): " scope))
                                nil 'spark-lsp-edit-history)
                   scope))))
  (when (string-empty-p (string-trim instruction))
    (user-error "Spark: the instruction is empty"))
  (let* ((scope (or scope "selection"))
         (range (and beg end
                     (list :start (spark-lsp--position (min beg end))
                           :end (spark-lsp--position (max beg end))))))
    (when (and (equal scope "selection") (not range))
      (user-error "Spark: a selection edit needs a region"))
    (let ((applied (spark-lsp--execute
                    (append (list :uri (spark-lsp--uri) :instruction instruction :scope scope)
                            (and range (list :range range))))))
      (message "Spark: %s" (if applied "edit applied" "the edit was not applied"))
      applied)))

(defun spark-lsp--code-actions (only)
  "The code actions of kinds ONLY (strings) spark-lsp offers at point."
  (let* ((here (spark-lsp--position (point)))
         (params (list :textDocument (list :uri (spark-lsp--uri))
                       :range (list :start here :end here)
                       :context (list :diagnostics [] :only (vconcat only))))
         (eglot-server (spark-lsp--eglot-server))
         (lsp-workspace (and (not eglot-server) (spark-lsp--lsp-workspace))))
    (append
     (cond (eglot-server
            (when (fboundp 'eglot--signal-textDocument/didChange)
              (eglot--signal-textDocument/didChange))
            (jsonrpc-request eglot-server :textDocument/codeAction params))
           (lsp-workspace
            (let ((lsp--cur-workspace lsp-workspace))
              (lsp-request "textDocument/codeAction" params)))
           (t (user-error "Spark: spark-lsp does not manage this buffer (start it with M-x eglot or M-x lsp)")))
     nil)))

(defun spark-lsp-tests ()
  "Write tests with Spark for the function at point, or for the file.
Runs the server's \"Spark: Write tests for\" action: the tests go into the test
file the project's conventions name (beside the file or under a tests folder),
which is created when missing.  Returns non-nil when the edit was applied."
  (interactive)
  (let* ((action (cl-find-if (lambda (a)
                               (let ((title (spark-lsp--get a :title)))
                                 (and (stringp title) (string-prefix-p "Spark: Write tests for " title))))
                             (spark-lsp--code-actions '("source"))))
         (command (and action (spark-lsp--get action :command)))
         ;; With codeAction/resolve (lsp-mode) the target travels in data, else in the command.
         (target (if command (aref (spark-lsp--get command :arguments) 0) (and action (spark-lsp--get action :data)))))
    (unless target (user-error "Spark: no tests to write here"))
    (message "Spark: %s..." (spark-lsp--get action :title))
    (let ((applied (spark-lsp--execute target)))
      (message "Spark: %s" (if applied "tests written" "the edit was not applied"))
      applied)))

(defun spark-lsp--command (command arguments timeout)
  "Run the server's COMMAND with ARGUMENTS (a vector); wait up to TIMEOUT s.
Sent to the spark-lsp serving this buffer, through eglot or lsp-mode."
  (let* ((eglot-server (spark-lsp--eglot-server))
         (lsp-workspace (and (not eglot-server) (spark-lsp--lsp-workspace)))
         (params (list :command command :arguments arguments)))
    (cond
     (eglot-server
      (when (fboundp 'eglot--signal-textDocument/didChange)
        (eglot--signal-textDocument/didChange))
      (jsonrpc-request eglot-server :workspace/executeCommand params :timeout timeout))
     (lsp-workspace
      (let ((lsp--cur-workspace lsp-workspace)
            (lsp-response-timeout timeout))
        (lsp-request "workspace/executeCommand" params)))
     (t (user-error "Spark: spark-lsp does not manage this buffer (start it with M-x eglot or M-x lsp)")))))

(defun spark-lsp-review (&optional beg end)
  "Review this buffer with the review model; findings become diagnostics.
The unsaved changes when there are any, else the whole buffer; interactively
with an active region, or called with BEG and END, only those lines.  Returns
the number of findings, or nil when reviews are off."
  (interactive (and (use-region-p) (list (region-beginning) (region-end))))
  (let* ((target (append (list :uri (spark-lsp--uri))
                         (and beg end (list :range (list :start (spark-lsp--position (min beg end))
                                                         :end (spark-lsp--position (max beg end)))))))
         ;; A review gets spark.review.timeoutMs (180 s unless set) on the server: wait a little longer
         ;; than that default; findings that come later still arrive as diagnostics.
         (result (spark-lsp--command "spark.review" (vector target) 185))
         (reviewed (spark-lsp--get result :reviewed))
         (findings (spark-lsp--get result :findings)))
    (if (and reviewed (not (eq reviewed :json-false)))
        (progn (message "Spark review: %d finding(s)" findings) findings)
      (message "Spark: reviews are off (spark.review.enabled)")
      nil)))

(defun spark-lsp-status ()
  "Show the status of the spark-lsp serving this buffer (command `spark.status').
Returns the status; the mode line indicator is updated from it too."
  (interactive)
  (let* ((eglot-server (spark-lsp--eglot-server))
         (lsp-workspace (and (not eglot-server) (spark-lsp--lsp-workspace)))
         (params (list :command "spark.status" :arguments []))
         (status (cond (eglot-server (jsonrpc-request eglot-server :workspace/executeCommand params))
                       (lsp-workspace (let ((lsp--cur-workspace lsp-workspace))
                                        (lsp-request "workspace/executeCommand" params)))
                       (t (user-error "Spark: spark-lsp does not manage this buffer")))))
    (spark-lsp--on-status status)
    (message "Spark: %s (%s, %s): %s"
             (spark-lsp--get status :health) (spark-lsp--get status :transport)
             (spark-lsp--get status :model) (spark-lsp--get status :message))
    status))

(defun spark-lsp-send-settings ()
  "Send `spark-lsp-settings' to the spark-lsp serving this buffer."
  (interactive)
  (let ((eglot-server (spark-lsp--eglot-server))
        (lsp-workspace (spark-lsp--lsp-workspace))
        (settings (list :settings (list :spark spark-lsp-settings))))
    (cond (eglot-server (jsonrpc-notify eglot-server :workspace/didChangeConfiguration settings))
          (lsp-workspace (let ((lsp--cur-workspace lsp-workspace))
                           (lsp-notify "workspace/didChangeConfiguration" settings)))
          (t (user-error "Spark: spark-lsp does not manage this buffer")))))

(provide 'spark-lsp)
;;; spark-lsp.el ends here
