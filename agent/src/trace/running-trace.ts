// One running trace: km_trace programs for the requested gadgets, decoded records through the
// EventGate (filter, rate limit) to the sink in batches, and TraceStats once a second when a
// counter changed. stop() detaches everything first, delivers the records already read, then
// sends the final stats and the end.
import type { TraceEvent, TraceFilter } from '#proto/runtime/types.js';
import type { TraceGadget } from '#proto/runtime/trace-gadgets.js';
import type { Logger } from '../log.js';
import { DnsTracker } from './dns-decoder.js';
import { EventGate } from './event-gate.js';
import { MonotonicClock, decodeTraceBatch } from './record-decoder.js';
import type { RunningTrace, TraceSink } from './service.js';
import { TraceProgram } from './trace-program.js';

const STATS_INTERVAL_MS = 1000;
/** Events per TraceEvents frame (a frame stays far below the tunnel's frame limit). */
const EVENTS_PER_FRAME = 256;

export interface TraceSpec {
  netnsPath: string;
  netnsIno: number;
  gadgets: readonly TraceGadget[];
  filter?: TraceFilter;
  maxEventsPerSecond: number;
}

export class EbpfRunningTrace implements RunningTrace {
  private program: TraceProgram | undefined;
  private readonly gate: EventGate;
  private readonly clock = new MonotonicClock();
  private readonly dns: DnsTracker;
  private timer: NodeJS.Timeout | undefined;
  private lastStats = '';
  private stopping = false;
  private stopped = false;

  private constructor(private readonly spec: TraceSpec, private readonly sink: TraceSink, private readonly log: Logger, private readonly onStop: () => void) {
    this.gate = new EventGate(spec.gadgets, spec.filter, spec.maxEventsPerSecond);
    this.dns = new DnsTracker(this.clock);
  }

  get gadgets(): readonly TraceGadget[] {
    return this.spec.gadgets;
  }

  get netns(): number {
    return this.spec.netnsIno;
  }

  static async start(spec: TraceSpec, sink: TraceSink, log: Logger, onStop: () => void): Promise<EbpfRunningTrace> {
    const trace = new EbpfRunningTrace(spec, sink, log, onStop);
    trace.program = await TraceProgram.open(spec.netnsPath, spec.gadgets, (batch) => trace.onBatch(batch));
    trace.timer = setInterval(() => trace.sendStats(), STATS_INTERVAL_MS);
    trace.timer.unref();
    log.info('trace', 'started', { gadgets: spec.gadgets, netns: spec.netnsIno, interfaces: spec.gadgets.includes('dns') ? trace.program.interfaces() : undefined });
    return trace;
  }

  private onBatch(batch: Buffer): void {
    if (this.stopped) return;
    const out: TraceEvent[] = [];
    const now = Date.now();
    try {
      decodeTraceBatch(batch, this.clock, (rec) => {
        const event = rec.gadget === 'dns' ? this.dns.toEvent(rec) : rec.event;
        if (this.gate.admit(rec.gadget, event, now)) out.push(event);
      });
    } catch (err) {
      this.log.error('trace', 'undecodable batch', { err: (err as Error).message });
    }
    for (let i = 0; i < out.length; i += EVENTS_PER_FRAME) this.sink.events(out.slice(i, i + EVENTS_PER_FRAME));
  }

  /** Once a second: the counters, when one changed. */
  private sendStats(): void {
    for (const [gadget, n] of this.program?.drops() ?? []) this.gate.setDropped(gadget, n);
    const stats = this.gate.stats();
    const key = JSON.stringify(stats);
    if (key === this.lastStats) return;
    this.lastStats = key;
    this.sink.stats(stats);
  }

  /** Detaches, reads the final drop counts, delivers what was already read, then ends. */
  stop(reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    void this.finish(reason);
  }

  private async finish(reason: string): Promise<void> {
    try {
      this.program?.detach();
      for (const [gadget, n] of this.program?.drops() ?? []) this.gate.setDropped(gadget, n);
      await this.program?.close();
    } catch (err) {
      this.log.warn('trace', 'stop failed', { err: (err as Error).message });
    }
    this.stopped = true;
    this.sink.stats(this.gate.stats());
    this.log.info('trace', 'stopped', { reason, stats: this.gate.stats() });
    this.onStop();
    this.sink.ended(reason);
  }
}
