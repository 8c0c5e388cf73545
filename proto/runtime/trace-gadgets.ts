// The trace gadgets both sides know: the client validates TraceStart against this list and the
// agent answers UNKNOWN_GADGET (listing these) for any other name.
export const TRACE_GADGETS = ['tcp', 'dns', 'exec', 'open'] as const;
export type TraceGadget = (typeof TRACE_GADGETS)[number];

/** What each gadget reports, for help texts and error messages. */
export const TRACE_GADGET_DESCRIPTIONS: Readonly<Record<TraceGadget, string>> = {
  tcp: 'TCP connect, accept and close (v4 and v6) with bytes and duration',
  dns: 'DNS queries and answers (UDP port 53) with records and latency',
  exec: 'process executions with pid, ppid and argv',
  open: 'file opens with path, flags and result',
};

/** Events per second per gadget when TraceStart.max_events_per_second is 0. */
export const DEFAULT_TRACE_EVENTS_PER_SECOND = 1000;

export function isTraceGadget(name: string): name is TraceGadget {
  return (TRACE_GADGETS as readonly string[]).includes(name);
}
