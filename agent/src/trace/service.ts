// The hook between the tunnel and the trace gadgets. The agent's connection handler routes
// TraceStart here (./tunnel-trace.ts); the eBPF implementation is ./ebpf-trace-service.ts.
import type { TraceEvent, TraceFilter, TraceGadgetStats } from '#proto/runtime/types.js';
import type { TraceGadget } from '#proto/runtime/trace-gadgets.js';

export interface TraceRequest {
  gadgets: readonly string[];
  filter?: TraceFilter;
  /** 0: the default (DEFAULT_TRACE_EVENTS_PER_SECOND). */
  maxEventsPerSecond: number;
}

/** Provided by the tunnel side for one trace of one client. */
export interface TraceSink {
  events(batch: TraceEvent[]): void;
  stats(stats: TraceGadgetStats[]): void;
  /** The trace is over (after its final stats); sent once. */
  ended(reason: string): void;
}

export interface RunningTrace {
  readonly gadgets: readonly TraceGadget[];
  /** Inode of the network namespace the programs are scoped to. */
  readonly netns: number;
  /** Detaches everything, then (asynchronously) sends the final stats and ends the sink. Idempotent; never throws. */
  stop(reason: string): void;
}

export interface TraceService {
  /** Throws TunnelError (UNKNOWN_GADGET, KERNEL_UNSUPPORTED, NOT_SUPPORTED, INVALID_ARGUMENT…) on refusal. */
  start(req: TraceRequest, sink: TraceSink): Promise<RunningTrace>;
  /** Capability strings this service adds to HelloAck ("trace" when it can work). */
  readonly capabilities: readonly string[];
  /** Stops every running trace (agent shutdown). */
  close(): Promise<void>;
}
