// The state behind the live table of `kmirror trace` on a terminal: per gadget the latest rows, the
// event rate and the agent's counters (dropped in the kernel, suppressed by the rate limit,
// filtered), and render() → the lines of one frame for a terminal of a given size. Pure (the
// clock is injected); live-screen.ts paints the frames.
import { eventCells, gadgetColumns } from '#runtime/trace-view/event-columns.js';
import type { TraceGadget, TraceGadgetStats, TracedEvent } from '#runtime/trace/trace-client.js';
import { formatRate, RateMeter } from './rate.js';
import { clip, layoutTable } from './table-layout.js';

interface GadgetState {
  rows: string[][];
  rate: RateMeter;
  /** Events that arrived but did not match --filter here (the agent's own filter counts apart). */
  hiddenHere: number;
  stats?: TraceGadgetStats;
}

/** Rows kept per gadget: more than any terminal shows. */
const KEPT_ROWS = 200;

export class LiveTraceView {
  private readonly states = new Map<TraceGadget, GadgetState>();
  status = '';

  constructor(readonly gadgets: readonly TraceGadget[], now: () => number = Date.now) {
    for (const g of gadgets) this.states.set(g, { rows: [], rate: new RateMeter({ now }), hiddenHere: 0 });
  }

  private state(gadget: string): GadgetState | undefined {
    return this.states.get(gadget as TraceGadget);
  }

  /** An event that passed --filter. */
  add(event: TracedEvent): void {
    const s = this.state(event.gadget);
    if (!s) return;
    s.rate.add();
    s.rows.push(eventCells(event));
    if (s.rows.length > KEPT_ROWS) s.rows.splice(0, s.rows.length - KEPT_ROWS);
  }

  /** An event that did not pass --filter: counted, not shown. */
  hide(event: TracedEvent): void {
    const s = this.state(event.gadget);
    if (s) s.hiddenHere++;
  }

  setStats(stats: readonly TraceGadgetStats[]): void {
    for (const st of stats) {
      const s = this.state(st.gadget);
      if (s) s.stats = st;
    }
  }

  /** `tcp  12/s  shown 340  dropped 0  suppressed 5  filtered 2` */
  summary(gadget: TraceGadget): string {
    const s = this.states.get(gadget)!;
    const st = s.stats;
    return [gadget, formatRate(s.rate.perSecond()), `shown ${s.rate.total}`, `dropped ${st?.dropped ?? 0}`,
      `suppressed ${st?.suppressed ?? 0}`, `filtered ${(st?.filtered ?? 0) + s.hiddenHere}`].join('  ');
  }

  /** The lines of one frame, at most `height` lines of at most `width` characters. */
  render(width: number, height: number): string[] {
    const lines: string[] = [];
    if (this.status) lines.push(clip(this.status, width));
    // Each gadget gets its summary line, the table header and an equal share of the remaining rows.
    const fixed = lines.length + this.gadgets.length * 2 + Math.max(0, this.gadgets.length - 1);
    const perGadget = Math.max(0, Math.floor((height - fixed) / Math.max(1, this.gadgets.length)));
    this.gadgets.forEach((g, i) => {
      if (i > 0) lines.push('');
      const s = this.states.get(g)!;
      lines.push(clip(this.summary(g), width));
      const rows = perGadget > 0 ? s.rows.slice(-perGadget) : [];
      lines.push(...layoutTable(gadgetColumns(g), rows, width));
    });
    return lines.slice(0, Math.max(1, height));
  }
}
