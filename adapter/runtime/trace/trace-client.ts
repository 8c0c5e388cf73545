// Client-side trace and snapshot API over an AgentSession (contract: ./README.md):
//   const t = await startTrace(session, { gadgets: ['tcp', 'dns'] });
//   for await (const e of t) …          // or t.on('event', …); t.on('stats', …)
//   await t.close();
//   const snap = await takeSnapshot(session, ['processes', 'sockets']);
import { hasCapability } from '#proto/runtime/capabilities.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { AgentSession } from '../tunnel/agent-session.js';
import { TRACE_GADGETS, isTraceGadget, type SnapshotKind, type SnapshotResult, type TraceOptions, type TraceSession } from './trace-types.js';

/** Checks the gadget names here (the agent checks again) and starts the trace in the agent. */
export async function startTrace(session: AgentSession, opts: TraceOptions): Promise<TraceSession> {
  if (opts.gadgets.length === 0) throw new TunnelError('INVALID_ARGUMENT', `trace: no gadget given (known: ${TRACE_GADGETS.join(', ')})`);
  const unknown = opts.gadgets.filter((g) => !isTraceGadget(g));
  if (unknown.length) throw new TunnelError('UNKNOWN_GADGET', `trace: unknown gadget ${unknown.map((g) => `"${g}"`).join(', ')} (known: ${TRACE_GADGETS.join(', ')})`);
  if (!hasCapability(session, 'trace') || !session.startTrace) {
    throw new TunnelError('NOT_SUPPORTED', `trace in ${session.target}: the agent does not announce "trace" (it needs CAP_BPF, CAP_PERFMON and a kernel with BTF; see the agent log)`);
  }
  return session.startTrace(opts);
}

/** The target's processes and/or sockets as the agent reads them from /proc. */
export async function takeSnapshot(session: AgentSession, kinds: readonly SnapshotKind[] = ['processes', 'sockets']): Promise<SnapshotResult> {
  if (!hasCapability(session, 'snapshot') || !session.snapshot) {
    throw new TunnelError('NOT_SUPPORTED', `snapshot of ${session.target}: the agent does not announce "snapshot" (an older agent)`);
  }
  return session.snapshot(kinds);
}

export type * from './trace-types.js';
export { TRACE_GADGETS, TRACE_GADGET_DESCRIPTIONS, isTraceGadget } from './trace-types.js';
export { formatOpenFlags } from './open-flags.js';
