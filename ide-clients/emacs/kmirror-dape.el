;;; kmirror-dape.el --- kmirror-dap for dape -*- lexical-binding: t -*-

;; Adds `kmirror' (stdio), `kmirror-copy-target' (stdio, on a copy of the target pod) and
;; `kmirror-server' (dape starts `kmirror-dap --port' on a free port) to `dape-configs'.  Usage:
;;   (add-to-list 'load-path "/path/to/kmirror/ide-clients/emacs")
;;   (with-eval-after-load 'dape (require 'kmirror-dape))
;;   M-x dape RET kmirror :target "deploy/web" RET      ; program defaults to the buffer's file

;;; Code:

(require 'dape)

(defvar kmirror-dape-modes
  '(go-mode go-ts-mode python-mode python-ts-mode js-mode js-ts-mode typescript-mode typescript-ts-mode
    c-mode c-ts-mode c++-mode c++-ts-mode rust-mode rust-ts-mode csharp-mode csharp-ts-mode)
  "Major modes in which dape offers the kmirror configurations.")

(defvar kmirror-dape-command "kmirror-dap"
  "The kmirror-dap executable.")

(defun kmirror-dape--config (&rest transport)
  "A kmirror launch configuration for dape, reaching kmirror-dap through TRANSPORT."
  (append
   (list 'modes kmirror-dape-modes
         'ensure #'dape-ensure-command
         'command kmirror-dape-command)
   transport
   (list :type "kmirror"
         :request "launch"
         :target "deploy/NAME"
         :program #'dape-buffer-default
         :cwd #'dape-cwd)))

(setf (alist-get 'kmirror dape-configs) (kmirror-dape--config))
;; On a copy of the target pod that no Service selects (feature.copy_target of .kmirror.json, as a
;; nested plist); the original keeps serving.  `:scale_down t' also scales the Deployment to 0 meanwhile.
(setf (alist-get 'kmirror-copy-target dape-configs)
      (plist-put (kmirror-dape--config) :kmirror
                 '(:feature (:copy_target (:scale_down :json-false)
                             :network (:incoming (:mode "steal" :ports [8080]))))))
(setf (alist-get 'kmirror-server dape-configs)
      (kmirror-dape--config 'command-args '("--host" "127.0.0.1" "--port" :autoport)
                            'port :autoport))

(provide 'kmirror-dape)
;;; kmirror-dape.el ends here
