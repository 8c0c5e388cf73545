// The tunnel side of one trace: the client's TraceStart stream. Sends TraceStarted, then the
// trace's TraceEvents/TraceStats, and TraceEnded when it ends. TraceStop ends it with a final
// TraceStats + TraceEnded; Close, Error or the connection going away end it silently. A stop that
// arrives while the programs are still loading is applied as soon as they are.
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg, MsgOf } from '#proto/runtime/messages.js';
import type { TraceEvent, TraceGadgetStats } from '#proto/runtime/types.js';
import type { Logger } from '../log.js';
import type { RunningTrace, TraceService, TraceSink } from './service.js';

class TunnelTraceSink implements TraceSink, StreamHandler {
  private trace: RunningTrace | undefined;
  private stopReason: string | undefined;
  private silent = false;
  private done = false;

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly log: Logger) {
    conn.attach(streamId, this);
  }

  started(trace: RunningTrace): void {
    this.trace = trace;
    if (!this.silent) this.conn.send(this.streamId, { kind: 'traceStarted', gadgets: [...trace.gadgets], netns: trace.netns });
    if (this.stopReason !== undefined) trace.stop(this.stopReason);
  }

  refused(): void {
    this.done = true;
    this.conn.detach(this.streamId);
  }

  events(batch: TraceEvent[]): void {
    if (!this.silent && !this.done) this.conn.send(this.streamId, { kind: 'traceEvents', events: batch });
  }

  stats(stats: TraceGadgetStats[]): void {
    if (!this.silent && !this.done) this.conn.send(this.streamId, { kind: 'traceStats', gadgets: stats });
  }

  ended(reason: string): void {
    if (this.done) return;
    this.done = true;
    if (!this.silent) this.conn.send(this.streamId, { kind: 'traceEnded', reason });
    this.conn.detach(this.streamId);
    this.log.info('trace', 'trace ended', { stream: this.streamId, reason });
  }

  onMessage(msg: Msg): void {
    if (msg.kind === 'traceStop') return this.stop('stopped by the client', false);
    if (msg.kind === 'close' || msg.kind === 'error') return this.stop('closed by the client', true);
    this.conn.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `stream ${this.streamId}: ${msg.kind} is not valid on a trace`);
    this.stop('protocol violation', true);
  }

  onConnectionClosed(): void {
    this.stop('client gone', true);
  }

  private stop(reason: string, silent: boolean): void {
    this.silent ||= silent;
    if (this.trace) this.trace.stop(reason);
    else this.stopReason ??= reason;
  }
}

/** Serves a TraceStart stream; rejects (the caller answers Error on the stream) when refused. */
export async function serveTraceStart(conn: TunnelConnection, streamId: number, service: TraceService, m: MsgOf<'traceStart'>, log: Logger): Promise<void> {
  const sink = new TunnelTraceSink(conn, streamId, log.child({ trace: streamId }));
  try {
    sink.started(await service.start({ gadgets: m.gadgets, ...(m.filter ? { filter: m.filter } : {}), maxEventsPerSecond: m.maxEventsPerSecond }, sink));
  } catch (err) {
    sink.refused();
    throw err;
  }
}
