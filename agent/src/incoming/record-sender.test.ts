import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import { RecordSender } from './record-sender.js';

/** A connection whose output is blocked until drained by the test. */
class BlockedConnection extends EventEmitter {
  closed = false;
  needsDrain = false;
  sent: Msg[] = [];
  send(_stream: number, msg: Msg): void {
    this.sent.push(msg);
  }
  drain(): void {
    this.needsDrain = false;
    this.emit('drain');
  }
}

const seg = (offset: number, len: number) => ({ kind: 'recordedSegment' as const, connectionId: 1, direction: 'in' as const, timeUs: 1, offset, data: Buffer.alloc(len, 1) });

describe('RecordSender', () => {
  it('queues behind a slow client up to its bound, then turns the dropped bytes into one gap, in order', () => {
    const conn = new BlockedConnection();
    const sender = new RecordSender(conn as unknown as TunnelConnection, 3, 100);
    sender.send(seg(0, 10));
    expect(conn.sent).toHaveLength(1); // sent at once while the connection keeps up
    conn.needsDrain = true;
    sender.send(seg(10, 60));
    sender.send(seg(70, 60)); // over the bound: dropped
    sender.send(seg(130, 20)); // contiguous with the drop, but fits again: the gap ends
    sender.send({ kind: 'recordedConnection', connectionId: 1, client: { address: 'a', port: 1 }, server: { address: 'b', port: 2 }, startUs: 1, endUs: 9, reset: false, synSeen: true });
    expect(conn.sent).toHaveLength(1);
    conn.drain();
    expect(conn.sent.map((m) => (m.kind === 'recordedSegment' ? `seg@${m.offset}` : m.kind === 'recordedGap' ? `gap@${m.offset}+${m.length}` : m.kind)))
      .toEqual(['seg@0', 'seg@10', 'gap@70+60', 'seg@130', 'recordedConnection']);
    expect(sender.droppedBytes).toBe(60);
  });

  it('merges consecutive drops of a direction into a single gap and sends nothing after close', () => {
    const conn = new BlockedConnection();
    const sender = new RecordSender(conn as unknown as TunnelConnection, 3, 10);
    conn.needsDrain = true;
    sender.send(seg(0, 20));
    sender.send(seg(20, 20));
    sender.send(seg(40, 20));
    conn.drain();
    expect(conn.sent).toEqual([expect.objectContaining({ kind: 'recordedGap', offset: 0, length: 60 })]);
    sender.close();
    sender.send(seg(60, 1));
    conn.drain();
    expect(conn.sent).toHaveLength(1);
  });
});
