// Sends a recording subscription's Recorded* messages on its stream without letting a slow
// client grow the agent's memory: frames go out while the connection is below its high-water
// mark, wait in a bounded queue above it, and segments beyond the queue bound are dropped and
// reported as RecordedGap (merged per connection and direction) — never silently joined.
// Connection starts/ends and gaps are small and always kept.
import type { TunnelConnection } from '#proto/runtime/connection.js';
import type { RecordedMsg } from './mirror/capture.js';

const DEFAULT_MAX_QUEUED_BYTES = 32 << 20;

export class RecordSender {
  private readonly queue: RecordedMsg[] = [];
  private queuedBytes = 0;
  // Open drop runs: consecutive dropped bytes of one connection+direction become one gap.
  private readonly dropping = new Map<string, { msg: RecordedMsg & { kind: 'recordedGap' } }>();
  private closed = false;
  /** Segment bytes dropped because the client did not keep up. */
  droppedBytes = 0;

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES) {
    this.onDrain = this.onDrain.bind(this);
    conn.on('drain', this.onDrain);
  }

  send(msg: RecordedMsg): void {
    if (this.closed || this.conn.closed) return;
    if (msg.kind === 'recordedSegment') {
      const key = `${msg.connectionId}|${msg.direction}`;
      const open = this.dropping.get(key);
      if (this.queuedBytes + msg.data.length > this.maxQueuedBytes) {
        this.droppedBytes += msg.data.length;
        if (open && open.msg.offset + open.msg.length === msg.offset) open.msg.length += msg.data.length;
        else {
          const gap = { kind: 'recordedGap' as const, connectionId: msg.connectionId, direction: msg.direction, timeUs: msg.timeUs, offset: msg.offset, length: msg.data.length, reason: 'the recording client did not keep up (agent dropped output)' };
          this.dropping.set(key, { msg: gap });
          this.enqueue(gap);
        }
        return;
      }
      if (open) this.dropping.delete(key); // the drop run ends: its gap is already queued
    }
    if (this.queue.length === 0 && !this.conn.needsDrain) {
      this.conn.send(this.streamId, msg);
      return;
    }
    this.enqueue(msg);
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.conn.off('drain', this.onDrain);
  }

  private enqueue(msg: RecordedMsg): void {
    this.queue.push(msg);
    this.queuedBytes += msg.kind === 'recordedSegment' ? msg.data.length : 0;
  }

  private onDrain(): void {
    while (this.queue.length > 0 && !this.conn.needsDrain && !this.closed) {
      const msg = this.queue.shift() as RecordedMsg;
      if (msg.kind === 'recordedSegment') this.queuedBytes -= msg.data.length;
      if (msg.kind === 'recordedGap') {
        const key = `${msg.connectionId}|${msg.direction}`;
        if (this.dropping.get(key)?.msg === msg) this.dropping.delete(key); // sent: a later drop starts a new gap
      }
      this.conn.send(this.streamId, msg);
    }
  }
}
