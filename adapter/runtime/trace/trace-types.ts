// Types of the client-side trace API (./trace-client.ts): typed events per gadget, the options of a
// trace and the live trace handle. The wire messages are TraceStart/TraceEvents/TraceStats/… in
// tunnel.proto; this file only reshapes a TraceEvent's oneof into a union keyed by `gadget`.
import type { EventEmitter } from 'node:events';
import type {
  SnapshotKind, SnapshotProcess, SnapshotResult, SnapshotSocket, TraceDns, TraceExec, TraceFilter, TraceGadgetStats, TraceOpen, TraceProcess, TraceTcp,
} from '#proto/runtime/types.js';
import type { TraceGadget } from '#proto/runtime/trace-gadgets.js';

export type { SnapshotKind, SnapshotProcess, SnapshotResult, SnapshotSocket, TraceDns, TraceExec, TraceFilter, TraceGadgetStats, TraceOpen, TraceProcess, TraceTcp, TraceGadget };
export { TRACE_GADGETS, TRACE_GADGET_DESCRIPTIONS, isTraceGadget } from '#proto/runtime/trace-gadgets.js';

interface EventBase {
  /** Wall clock, microseconds since the epoch (the agent's clock). */
  timeUs: number;
  /** Empty (pid 0) for dns, which is observed on packets. */
  process: TraceProcess;
}

/** One traced event; `gadget` says which fields follow. */
export type TracedEvent =
  | (EventBase & { gadget: 'tcp' } & TraceTcp)
  | (EventBase & { gadget: 'dns' } & TraceDns)
  | (EventBase & { gadget: 'exec' } & TraceExec)
  | (EventBase & { gadget: 'open' } & TraceOpen);

export type TracedEventOf<G extends TraceGadget> = Extract<TracedEvent, { gadget: G }>;

export interface TraceOptions {
  gadgets: readonly TraceGadget[];
  /** Only events matching every set field (unset: everything in the target's network namespace). */
  filter?: Partial<TraceFilter>;
  /** Per gadget; beyond it events are suppressed and counted (0/unset: the agent's default, 1000). */
  maxEventsPerSecond?: number;
  /** Bound for the agent's answer to TraceStart (default 30 s: loading BPF programs takes a while). */
  timeoutMs?: number;
}

/**
 * A running trace. Events arrive as 'event' (TracedEvent) and through async iteration (an iterator
 * started late sees only later events); 'stats' (TraceGadgetStats[]) whenever a counter changed;
 * 'end' (reason) once. close() stops the trace in the agent (its BPF programs are detached) and
 * resolves after the final stats.
 */
export interface TraceSession extends EventEmitter, AsyncIterable<TracedEvent> {
  /** The gadgets the agent started. */
  readonly gadgets: readonly TraceGadget[];
  /** Inode of the network namespace the kernel programs are scoped to. */
  readonly netns: number;
  /** Latest counters per gadget (events sent, dropped in the kernel, suppressed, filtered). */
  readonly stats: ReadonlyMap<string, TraceGadgetStats>;
  readonly ended: boolean;
  readonly endReason: string | undefined;
  close(): Promise<void>;
}
