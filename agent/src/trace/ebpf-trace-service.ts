// The trace gadgets of this agent: validates TraceStart (known gadgets, filter) and starts an
// EbpfRunningTrace on the target's network namespace. Whether tracing can work at all is decided
// once at start-up (capabilities, kernel BTF); when it cannot, start() says why and the rest of
// the agent is unaffected.
import { existsSync, readFileSync } from 'node:fs';
import { TunnelError } from '#proto/runtime/errors.js';
import { DEFAULT_TRACE_EVENTS_PER_SECOND, TRACE_GADGETS, isTraceGadget, type TraceGadget } from '#proto/runtime/trace-gadgets.js';
import { TRACE_CAPABILITIES } from '#proto/runtime/capabilities.js';
import type { Logger } from '../log.js';
import type { AgentTarget } from '../target/target.js';
import { EbpfRunningTrace } from './running-trace.js';
import type { RunningTrace, TraceRequest, TraceService, TraceSink } from './service.js';

const BTF_PATH = '/sys/kernel/btf/vmlinux';
const CAPS = { CAP_NET_ADMIN: 12n, CAP_SYS_ADMIN: 21n, CAP_PERFMON: 38n, CAP_BPF: 39n } as const;

/** Why tracing cannot work here (the error code and message), or undefined. */
export function traceUnavailable(status = readFileSync('/proc/self/status', 'utf8'), btf = existsSync(BTF_PATH)): TunnelError | undefined {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const eff = hex ? BigInt(`0x${hex}`) : 0n;
  const has = (cap: bigint): boolean => (eff & (1n << cap)) !== 0n;
  const admin = has(CAPS.CAP_SYS_ADMIN);
  const missing = [!has(CAPS.CAP_BPF) && !admin && 'CAP_BPF', !has(CAPS.CAP_PERFMON) && !admin && 'CAP_PERFMON', !has(CAPS.CAP_NET_ADMIN) && 'CAP_NET_ADMIN'].filter(Boolean);
  if (missing.length) return new TunnelError('NOT_SUPPORTED', `trace: this agent lacks ${missing.join(', ')} (trace gadgets need CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)`);
  if (!btf) return new TunnelError('KERNEL_UNSUPPORTED', `trace: the kernel has no BTF (${BTF_PATH} missing; build it with CONFIG_DEBUG_INFO_BTF=y) — the trace gadgets need it, the rest of kmirror does not`);
  return undefined;
}

/** The gadgets of a TraceStart, deduplicated, or the error that refuses it. */
export function validateGadgets(names: readonly string[]): TraceGadget[] {
  const known = TRACE_GADGETS.join(', ');
  if (names.length === 0) throw new TunnelError('INVALID_ARGUMENT', `trace: no gadget given (known: ${known})`);
  const unknown = names.filter((n) => !isTraceGadget(n));
  if (unknown.length) throw new TunnelError('UNKNOWN_GADGET', `trace: unknown gadget ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${known})`);
  return [...new Set(names as TraceGadget[])];
}

export class EbpfTraceService implements TraceService {
  private readonly running = new Set<RunningTrace>();
  private readonly unavailable: TunnelError | undefined;

  constructor(private readonly target: AgentTarget, private readonly log: Logger, unavailable = traceUnavailable()) {
    this.unavailable = unavailable;
    if (unavailable) log.warn('trace', 'trace gadgets unavailable', { err: unavailable.message });
  }

  get capabilities(): readonly string[] {
    return this.unavailable ? [] : TRACE_CAPABILITIES;
  }

  async start(req: TraceRequest, sink: TraceSink): Promise<RunningTrace> {
    const gadgets = validateGadgets(req.gadgets);
    if (this.unavailable) throw this.unavailable;
    const max = req.maxEventsPerSecond || DEFAULT_TRACE_EVENTS_PER_SECOND;
    let trace: RunningTrace | undefined;
    trace = await EbpfRunningTrace.start(
      { netnsPath: this.target.netnsPath, netnsIno: this.target.netnsIno, gadgets, ...(req.filter ? { filter: req.filter } : {}), maxEventsPerSecond: max },
      sink, this.log.child({ trace: gadgets.join(',') }), () => { if (trace) this.running.delete(trace); });
    this.running.add(trace);
    return trace;
  }

  async close(): Promise<void> {
    for (const t of [...this.running]) t.stop('agent shutting down');
  }
}
