// Progress while kmirror-dap connects a session to its target (agent placement, tunnel, local proxy).
// Standard DAP progress events when the client supports them; the kmirror/progress* events instead when
// the launch config carries CLIENT_PROGRESS_FIELD (the VS Code extension shows them itself, see
// dap-custom.ts). The end carries a message: "connected to <target>" or why it failed.
import {
  CLIENT_PROGRESS_FIELD, KMIRROR_PROGRESS_END, KMIRROR_PROGRESS_START, KMIRROR_PROGRESS_UPDATE,
  type KmirrorProgressEndBody, type KmirrorProgressStartBody,
} from './dap-custom.js';

export interface EventSink {
  sendEvent(event: string, body?: unknown): void;
}

export interface TargetProgress {
  update(message: string): void;
  end(ok: boolean, message: string): void;
}

export interface TargetProgressOptions {
  /** The raw launch config (CLIENT_PROGRESS_FIELD is not a documented launch field). */
  config: object;
  /** The client announced supportsProgressReporting in `initialize`. */
  clientSupportsProgress: boolean;
  target: string;
}

/** Starts reporting (sends the start event at once); nothing is sent when the client wants no progress. */
export function startTargetProgress(sink: EventSink, opts: TargetProgressOptions): TargetProgress {
  const progressId = `kmirror-target-${Date.now()}`;
  const start: KmirrorProgressStartBody = { progressId, title: `kmirror: connecting to ${opts.target}`, target: opts.target };
  if ((opts.config as Record<string, unknown>)[CLIENT_PROGRESS_FIELD] === true) {
    sink.sendEvent(KMIRROR_PROGRESS_START, start);
    return {
      update: (message) => sink.sendEvent(KMIRROR_PROGRESS_UPDATE, { progressId, message }),
      end: (ok, message) => sink.sendEvent(KMIRROR_PROGRESS_END, { progressId, ok, message } satisfies KmirrorProgressEndBody),
    };
  }
  if (!opts.clientSupportsProgress) return { update: () => undefined, end: () => undefined };
  sink.sendEvent('progressStart', { progressId, title: start.title, cancellable: false });
  return {
    update: (message) => sink.sendEvent('progressUpdate', { progressId, message }),
    end: (_ok, message) => sink.sendEvent('progressEnd', { progressId, message }),
  };
}
