;;; kmirror-dap-mode.el --- kmirror-dap for dap-mode -*- lexical-binding: t -*-

;; Registers the `kmirror' debug provider with dap-mode (kmirror-dap on stdio, or a running
;; `kmirror-dap --port N' over TCP) and templates for Go, Python, Node.js, native (lldb) and .NET.
;; Usage:
;;   (add-to-list 'load-path "/path/to/kmirror/ide-clients/emacs")
;;   (require 'kmirror-dap-mode)
;;   (setq kmirror-dap-default-target "deploy/web")     ; optional
;;   M-x dap-debug RET kmirror: Python file RET
;;   M-x kmirror-dap-replay RET failing.kmrec RET 3 RET   ; replay recorded requests into the debuggee

;;; Code:

(require 'dap-mode)

(defgroup kmirror nil
  "Debug with a Kubernetes pod's network, DNS, files and env."
  :group 'dap-mode)

(defcustom kmirror-dap-command '("kmirror-dap")
  "Command (program and arguments) that starts kmirror-dap on stdio."
  :type '(repeat string))

(defcustom kmirror-dap-default-target nil
  "Target for configurations without :target, passed as kmirror-dap --target (e.g. \"deploy/web\")."
  :type '(choice (const nil) string))

(defcustom kmirror-dap-server-port nil
  "When set, connect to a running `kmirror-dap --port N' on this port instead of starting one."
  :type '(choice (const nil) integer))

(defun kmirror-dap--populate (conf)
  "Fill in how dap-mode reaches kmirror-dap for the launch configuration CONF."
  (cond
   ((or (plist-get conf :dap-server-path) (plist-get conf :debugServer)) conf)
   (kmirror-dap-server-port
    (plist-put conf :host (or (plist-get conf :host) "127.0.0.1"))
    (plist-put conf :debugServer kmirror-dap-server-port))
   (t
    (plist-put conf :dap-server-path
               (append kmirror-dap-command
                       (when kmirror-dap-default-target (list "--target" kmirror-dap-default-target)))))))

(dap-register-debug-provider "kmirror" #'kmirror-dap--populate)

(defun kmirror-dap--template (name debugger program)
  "Register a launch template NAME using DEBUGGER for PROGRAM (nil: fill it in with `dap-debug-edit-template')."
  ;; No `:cwd nil': dap-mode would send "cwd": null, which kmirror-dap refuses as a bad field.
  (dap-register-debug-template
   name
   (list :type "kmirror" :request "launch" :name name :debugger debugger
         :program program)))

(kmirror-dap--template "kmirror: Go package" "go" "${fileDirname}")
(kmirror-dap--template "kmirror: Python file" "python" "${file}")
(kmirror-dap--template "kmirror: Node.js file" "node" "${file}")
(kmirror-dap--template "kmirror: native executable (lldb)" "lldb" nil)
(kmirror-dap--template "kmirror: .NET program" "dotnet" nil)
(dap-register-debug-template
 "kmirror: Python file, tracing the pod's DNS and TCP"
 ;; The target's trace events appear in the REPL (output category kmirror-trace) while debugging.
 (list :type "kmirror" :request "launch" :name "kmirror: Python file, tracing the pod's DNS and TCP"
       :debugger "python" :program "${file}" :trace ["dns" "tcp"]))
(dap-register-debug-template
 "kmirror: Node.js file on a copy of the target (copy_target)"
 ;; `:kmirror' holds .kmirror.json settings as nested plists: feature.copy_target runs the session on a
 ;; copy of the pod that no Service selects (`:scale_down t' also scales the Deployment to 0 meanwhile).
 (list :type "kmirror" :request "launch" :name "kmirror: Node.js file on a copy of the target (copy_target)"
       :debugger "node" :target "deploy/NAME" :program "${file}"
       :kmirror '(:feature (:copy_target (:scale_down :json-false)
                            :network (:incoming (:mode "steal" :ports [8080]))))))
(dap-register-debug-template
 "kmirror: attach to Node inspector"
 (list :type "kmirror" :request "attach" :name "kmirror: attach to Node inspector" :debugger "node" :port 9229))
(dap-register-debug-template
 "kmirror: attach to a Node process in the pod"
 (list :type "kmirror" :request "attach" :name "kmirror: attach to a Node process in the pod" :debugger "node"
       :target "deploy/NAME" :localRoot "${workspaceFolder}" :remoteRoot "/app"))
(dap-register-debug-template
 "kmirror: attach to a Go process in the pod"
 ;; dlv in a debugger container beside it; remoteRoot: the directory the image was built in.
 (list :type "kmirror" :request "attach" :name "kmirror: attach to a Go process in the pod" :debugger "go"
       :target "deploy/NAME" :localRoot "${workspaceFolder}" :remoteRoot "/src"))

(defun kmirror-dap-replay (file &optional ids)
  "Send the requests recorded in FILE (a .kmrec) to the current kmirror session's program.
IDS lists exchange ids (strings; \"c5\" is a whole non-HTTP connection), nil for all of them.
Interactively they are chosen with completion from the recording's list.  A breakpoint in the
program's handler then stops on a replayed request; each result arrives as console output."
  (interactive
   (let* ((file (expand-file-name (read-file-name "kmirror recording: " nil nil t)))
          (items (append (gethash "items" (dap-request (dap--cur-session-or-die) "kmirror/recording" :file file)) nil))
          (titles (mapcar (lambda (i) (cons (gethash "title" i) (gethash "id" i))) items))
          (chosen (completing-read-multiple "Replay (TAB lists, comma separates): " titles nil t)))
     (list file (mapcar (lambda (title) (cdr (assoc title titles))) chosen))))
  (let ((body (apply #'dap-request (dap--cur-session-or-die) "kmirror/replay" :file (expand-file-name file)
                     (when ids (list :ids (vconcat ids))))))
    (message "kmirror: replaying %d recorded request(s) into %s:%s"
             (length (gethash "items" body)) (gethash "host" body) (gethash "port" body))
    body))

(provide 'kmirror-dap-mode)
;;; kmirror-dap-mode.el ends here
