// Shows a kmirror session connecting to its target as ONE notification from the first moment: the
// extension asks kmirror-dap (launch field __kmirrorProgressEvents) for its kmirror/progress* events
// instead of DAP's standard progress, which VS Code shows only after 500 ms — often never, as an agent
// is ready in about half a second. The notification ends with "connected to <target>", kept a few
// seconds so the user sees where the session runs; a failed connection closes it at once (VS Code
// shows the launch error itself).
import * as vscode from 'vscode';

/** Set by the configuration provider on every kmirror launch (mirrors CLIENT_PROGRESS_FIELD in adapter/dap/server/dap-custom.ts). */
export const CLIENT_PROGRESS_FIELD = '__kmirrorProgressEvents';
const CONNECTED_SHOWN_MS = 4_000;

interface ProgressStart { progressId: string; target: string }
interface ProgressUpdate { progressId: string; message: string }
interface ProgressEnd { progressId: string; ok: boolean; message: string }

class TargetNotification {
  private progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
  private message: string;
  private close: (() => void) | undefined;
  private closed = false;
  ended = false;

  constructor(target: string) {
    this.message = `connecting to ${target}`;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'kmirror' }, (progress) => {
      this.progress = progress;
      progress.report({ message: this.message });
      return new Promise<void>((resolve) => {
        this.close = resolve;
        if (this.closed) resolve();
      });
    });
  }

  report(message: string, increment?: number): void {
    this.message = message;
    this.progress?.report({ message, ...(increment === undefined ? {} : { increment }) });
  }

  dispose(): void {
    this.closed = true;
    this.close?.();
  }
}

/** Listens for the kmirror/progress* events of kmirror sessions and shows them. */
export function registerTargetNotification(): vscode.Disposable {
  const open = new Map<string, TargetNotification>(); // by `${session id}/${progressId}`
  const sessionDone = (sessionId: string): void => {
    for (const [key, n] of open) {
      if (!key.startsWith(`${sessionId}/`) || n.ended) continue;
      n.dispose();
      open.delete(key);
    }
  };
  return vscode.Disposable.from(
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== 'kmirror') return;
      const body = e.body as Partial<ProgressStart & ProgressUpdate & ProgressEnd> | undefined;
      if (!body?.progressId) return;
      const key = `${e.session.id}/${body.progressId}`;
      if (e.event === 'kmirror/progressStart') {
        open.set(key, new TargetNotification(body.target ?? 'the target'));
      } else if (e.event === 'kmirror/progressUpdate' && body.message) {
        open.get(key)?.report(body.message);
      } else if (e.event === 'kmirror/progressEnd') {
        const n = open.get(key);
        if (!n) return;
        n.ended = true;
        if (!body.ok) {
          n.dispose();
          open.delete(key);
          return;
        }
        n.report(body.message ?? 'connected', 100);
        setTimeout(() => {
          n.dispose();
          open.delete(key);
        }, CONNECTED_SHOWN_MS);
      }
    }),
    vscode.debug.onDidTerminateDebugSession((s) => sessionDone(s.id)),
    { dispose: () => { for (const n of open.values()) n.dispose(); open.clear(); } },
  );
}
