// Launch field `trace`: the target's trace gadgets stream into the client while the session runs.
// Each event becomes an `output` event (category "kmirror-trace", `output` one readable line,
// `data` the event as `kmirror trace --json` prints it), or with `traceOutput: "event"` a
// `kmirror/trace` event with the same `data` only (clients that show traces themselves: the VS Code
// extension's "kmirror trace" output channel). Counter changes that matter (events dropped in the
// kernel or suppressed by the rate limit) are reported the same way with `data.stats`.
// Lifecycle: started after the target layer is up and before the debugger, so the debuggee's first
// lookups are seen; stopped before the layer closes. A trace the agent refuses (no BPF rights, no
// BTF, a missing kernel hook) is one `important` line: debugging goes on without it.
import type { TraceGadget, TraceGadgetStats, TraceSession, TracedEvent } from '#runtime/trace/trace-client.js';
import { eventLine } from '#runtime/trace-view/event-columns.js';
import { eventJson } from '#runtime/trace-view/event-json.js';
import type { ServerLayer } from './layer.js';
import { KMIRROR_TRACE, TRACE_OUTPUT_CATEGORY } from './dap-custom.js';

export type SendEvent = (event: string, body: unknown) => void;

export class TraceForwarder {
  private trace: TraceSession | undefined;
  /** Set when close() starts: the trace's own end is then not news. */
  private stopping = false;
  /** Set when close() is done: nothing more is sent. */
  private closed = false;
  private readonly reported = new Map<string, { dropped: number; suppressed: number }>();

  constructor(private readonly send: SendEvent, private readonly mode: 'debugConsole' | 'event') {}

  async start(layer: ServerLayer, gadgets: readonly TraceGadget[]): Promise<void> {
    if (!layer.startTrace) return;
    try {
      const trace = await layer.startTrace({ gadgets });
      if (this.stopping) return void (await trace.close());
      this.trace = trace;
      trace.on('event', (e: TracedEvent) => this.forward(eventLine(e), eventJson(e)));
      trace.on('stats', (s: TraceGadgetStats[]) => this.onStats(s));
      trace.once('end', (reason: string) => {
        if (!this.stopping) this.forward(`[trace] ended: ${reason}`, { end: reason });
      });
      this.forward(`[trace] watching ${gadgets.join(', ')} in the target (network namespace ${trace.netns})`, { started: [...trace.gadgets], netns: trace.netns });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      this.send('output', { category: 'important', output: `kmirror-dap: trace ${gadgets.join(', ')} not started: ${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}\n` });
    }
  }

  private forward(line: string, data: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.mode === 'event') this.send(KMIRROR_TRACE, { line, data });
    else this.send('output', { category: TRACE_OUTPUT_CATEGORY, output: `${line}\n`, data });
  }

  /** Only growth of dropped/suppressed is news: every other counter is visible in the events. */
  private onStats(stats: readonly TraceGadgetStats[]): void {
    const grew = stats.filter((s) => {
      const before = this.reported.get(s.gadget) ?? { dropped: 0, suppressed: 0 };
      return s.dropped > before.dropped || s.suppressed > before.suppressed;
    });
    if (!grew.length) return;
    for (const s of grew) this.reported.set(s.gadget, { dropped: s.dropped, suppressed: s.suppressed });
    this.forward(`[trace] ${grew.map((s) => `${s.gadget}: ${s.dropped} dropped, ${s.suppressed} suppressed so far`).join('; ')}`, { stats: grew });
  }

  /** Stops the trace in the agent (its programs are detached); events read until then still go out, nothing after. */
  async close(): Promise<void> {
    this.stopping = true;
    const trace = this.trace;
    this.trace = undefined;
    await trace?.close().catch(() => undefined);
    this.closed = true;
  }
}
