// kmirror's custom DAP messages, declared once so clients and the adapter share the shapes.
//  * event `kmirror/status`: sent when the target layer is up and whenever its status changes;
//  * request `kmirror/status`: the same body on demand (any time, also before launch);
//  * request `kmirror/recording` `{ file }`: a recording's replayable items, titled for a picker;
//  * request `kmirror/replay` `{ file, ids?, port? }` and event `kmirror/replayResult`: recorded
//    requests sent into the running debuggee (shapes in replay-request.ts).
//  * event `kmirror/trace` (launch `traceOutput: "event"`): `{ line, data }`, one traced event (or a
//    `stats`/`started`/`end` note) of the launch field `trace`; by default the same `data` rides on
//    `output` events of category `kmirror-trace` instead.
// Progress while the agent starts uses the standard progressStart/Update/End events, only when
// the client announced `supportsProgressReporting`.

/** Body of the `kmirror/status` event and response (the workstation session's status). */
export interface KmirrorStatusBody {
  /** The target the session is connected to; null without a target. */
  target: string | null;
  /** 'ready' while the agent is connected, 'closed' once it is gone, 'none' without a target. */
  agent: 'ready' | 'closed' | 'none';
  /** Agent capabilities (tcp, udp, dns, files, env, mirror, steal, ...). */
  capabilities?: string[];
  /** Local proxy status: connected layers, traffic counters, incoming subscriptions. */
  proxy?: Record<string, unknown>;
}

export const KMIRROR_STATUS = 'kmirror/status' as const;

/**
 * Launch field the kmirror VS Code extension adds: it shows the target's progress itself as one
 * notification from the first moment, so kmirror-dap sends that progress as the kmirror/progress*
 * events below instead of progressStart/Update/End (which VS Code would show as a second toast, and
 * only after 500 ms). Other clients never set it and get the standard events.
 */
export const CLIENT_PROGRESS_FIELD = '__kmirrorProgressEvents' as const;
export const KMIRROR_PROGRESS_START = 'kmirror/progressStart' as const;
export const KMIRROR_PROGRESS_UPDATE = 'kmirror/progressUpdate' as const;
export const KMIRROR_PROGRESS_END = 'kmirror/progressEnd' as const;

/** Body of `kmirror/progressStart` (as DAP's progressStart, plus the target). */
export interface KmirrorProgressStartBody {
  progressId: string;
  title: string;
  /** The target being connected to (as named in the launch config, or 'target' when only the settings name it). */
  target: string;
}

/** Body of `kmirror/progressEnd`: whether the target is connected, and a message for the user. */
export interface KmirrorProgressEndBody {
  progressId: string;
  ok: boolean;
  /** e.g. "connected to deploy/web" or "cannot reach target ...". */
  message: string;
}
export const KMIRROR_TRACE = 'kmirror/trace' as const;
/** The `output` category of trace events (launch field `trace`). */
export const TRACE_OUTPUT_CATEGORY = 'kmirror-trace' as const;
