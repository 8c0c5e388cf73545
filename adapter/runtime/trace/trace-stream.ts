// The client end of one trace stream (after TraceStarted): turns TraceEvents into typed events,
// keeps the latest TraceStats, ends on TraceEnded / Error / the tunnel closing.
import { EventEmitter, on } from 'node:events';
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { TraceEvent } from '#proto/runtime/types.js';
import type { TraceGadget, TraceGadgetStats, TraceSession, TracedEvent } from './trace-types.js';

/** How long close() waits for the agent's TraceEnded before giving up on it. */
const CLOSE_TIMEOUT_MS = 5_000;

/** The wire TraceEvent (one oneof member set) as a TracedEvent; undefined for a gadget this client does not know. */
export function toTracedEvent(e: TraceEvent): TracedEvent | undefined {
  const base = { timeUs: e.timeUs, process: e.process };
  if (e.tcp) return { ...base, gadget: 'tcp', ...e.tcp };
  if (e.dns) return { ...base, gadget: 'dns', ...e.dns };
  if (e.exec) return { ...base, gadget: 'exec', ...e.exec };
  if (e.open) return { ...base, gadget: 'open', ...e.open };
  return undefined;
}

export class TraceStreamImpl extends EventEmitter implements TraceSession, StreamHandler {
  readonly stats = new Map<string, TraceGadgetStats>();
  private reason: string | undefined;
  private endWaiters: Array<() => void> = [];

  constructor(private readonly conn: TunnelConnection, readonly streamId: number, readonly gadgets: readonly TraceGadget[], readonly netns: number) {
    super();
    conn.attach(streamId, this);
  }

  get ended(): boolean {
    return this.reason !== undefined;
  }

  get endReason(): string | undefined {
    return this.reason;
  }

  onMessage(msg: Msg): void {
    switch (msg.kind) {
      case 'traceEvents':
        for (const wire of msg.events) {
          const e = toTracedEvent(wire);
          if (e) this.emit('event', e);
        }
        return;
      case 'traceStats':
        for (const s of msg.gadgets) this.stats.set(s.gadget, s);
        this.emit('stats', msg.gadgets);
        return;
      case 'traceEnded':
        return this.end(msg.reason || 'ended by the agent');
      case 'error':
        return this.end(`${msg.code}: ${msg.message}`);
      default:
        this.conn.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `trace: unexpected ${msg.kind}`);
        this.end(`protocol violation (${msg.kind})`);
    }
  }

  onConnectionClosed(): void {
    this.end('tunnel closed');
  }

  private end(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.conn.detach(this.streamId);
    for (const w of this.endWaiters.splice(0)) w();
    this.emit('end', reason);
  }

  async close(): Promise<void> {
    if (this.reason !== undefined) return;
    const ended = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    this.conn.send(this.streamId, { kind: 'traceStop' });
    const timer = setTimeout(() => {
      // The agent did not answer: detach anyway (it also stops when the stream or tunnel closes).
      this.conn.send(this.streamId, { kind: 'close', reset: true, reason: 'trace stop timed out' });
      this.end('stopped (the agent did not confirm)');
    }, CLOSE_TIMEOUT_MS);
    await ended;
    clearTimeout(timer);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TracedEvent> {
    if (this.reason !== undefined) return;
    const stop = new AbortController();
    const onEnd = (): void => stop.abort();
    this.once('end', onEnd);
    try {
      // events.on buffers what arrives while the consumer is busy; the abort ends the loop.
      for await (const [e] of on(this, 'event', { signal: stop.signal })) yield e as TracedEvent;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    } finally {
      this.off('end', onEnd);
    }
  }
}
