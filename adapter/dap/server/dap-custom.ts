// kmirror's custom DAP messages, declared once so clients and the adapter share the shapes.
//  * event `kmirror/status`: sent when the target layer is up and whenever its status changes;
//  * request `kmirror/status`: the same body on demand (any time, also before launch).
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

export const KMIRROR_TRACE = 'kmirror/trace' as const;
/** The `output` category of trace events (launch field `trace`). */
export const TRACE_OUTPUT_CATEGORY = 'kmirror-trace' as const;
