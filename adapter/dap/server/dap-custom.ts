// kmirror's custom DAP messages, declared once so clients and the adapter share the shapes.
//  * event `kmirror/status`: sent when the target layer is up and whenever its status changes;
//  * request `kmirror/status`: the same body on demand (any time, also before launch);
//  * request `kmirror/recording` `{ file }`: a recording's replayable items, titled for a picker;
//  * request `kmirror/replay` `{ file, ids?, port? }` and event `kmirror/replayResult`: recorded
//    requests sent into the running debuggee (shapes in replay-request.ts).
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
