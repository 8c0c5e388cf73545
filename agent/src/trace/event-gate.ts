// What a trace lets through to the client: the TraceStart filter (pids, comm, ports — each applies
// to the gadgets whose events have it) and the per-gadget rate limit (a one-second window), with
// the counters reported in TraceStats. Pure logic: time is passed in.
import type { TraceEvent, TraceFilter, TraceGadgetStats } from '#proto/runtime/types.js';
import type { TraceGadget } from '#proto/runtime/trace-gadgets.js';

interface Counters { events: number; dropped: number; suppressed: number; filtered: number; windowStart: number; inWindow: number }

export class EventGate {
  private readonly counters = new Map<TraceGadget, Counters>();

  constructor(gadgets: readonly TraceGadget[], private readonly filter: TraceFilter | undefined, private readonly maxPerSecond: number) {
    for (const g of gadgets) this.counters.set(g, { events: 0, dropped: 0, suppressed: 0, filtered: 0, windowStart: 0, inWindow: 0 });
  }

  /** True when `e` of `gadget` goes to the client now (counted either way). */
  admit(gadget: TraceGadget, e: TraceEvent, nowMs: number): boolean {
    const c = this.counters.get(gadget);
    if (!c) return false;
    if (!this.matches(e)) {
      c.filtered++;
      return false;
    }
    if (nowMs - c.windowStart >= 1000) {
      c.windowStart = nowMs;
      c.inWindow = 0;
    }
    if (c.inWindow >= this.maxPerSecond) {
      c.suppressed++;
      return false;
    }
    c.inWindow++;
    c.events++;
    return true;
  }

  /** The kernel's drop counter of `gadget` (cumulative). */
  setDropped(gadget: TraceGadget, dropped: number): void {
    const c = this.counters.get(gadget);
    if (c) c.dropped = dropped;
  }

  stats(): TraceGadgetStats[] {
    return [...this.counters].map(([gadget, c]) => ({ gadget, events: c.events, dropped: c.dropped, suppressed: c.suppressed, filtered: c.filtered }));
  }

  private matches(e: TraceEvent): boolean {
    const f = this.filter;
    if (!f) return true;
    const hasProcess = !e.dns;
    if (hasProcess && f.pids.length && !f.pids.includes(e.process.pid)) return false;
    if (hasProcess && f.comm && e.process.comm !== f.comm) return false;
    if (f.ports.length) {
      const ports = e.tcp ? [e.tcp.local.port, e.tcp.remote.port] : e.dns ? [e.dns.client.port, e.dns.server.port] : undefined;
      if (ports && !ports.some((p) => f.ports.includes(p))) return false;
    }
    return true;
  }
}
