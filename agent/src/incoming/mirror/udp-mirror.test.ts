// Mirrored UDP records to subscriber streams: one stream per pod peer and subscriber, one chunk
// per datagram (reassembled from its ring-buffer chunks), streams ended on unsubscribe.
import { PassThrough, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IncomingConnectionInfo, IncomingSink } from '../service.js';
import { RECORD_UDP, type MirrorRecord } from './record.js';
import { UdpMirror } from './udp-mirror.js';

function sink(): IncomingSink & { opened: Array<{ info: IncomingConnectionInfo; chunks: Buffer[]; stream: Duplex }> } {
  const opened: Array<{ info: IncomingConnectionInfo; chunks: Buffer[]; stream: Duplex }> = [];
  return {
    opened,
    openConnection(info) {
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.write = ((c: Buffer) => { chunks.push(c); return true; }) as typeof stream.write;
      opened.push({ info, chunks, stream });
      return stream;
    },
    gap: () => undefined,
    closed: () => undefined,
  };
}

function rec(srcPort: number, datagram: Buffer, offset: number, len: number): MirrorRecord {
  return {
    source: { address: '10.0.0.9', port: srcPort }, destination: { address: '10.0.0.2', port: 5353 },
    seq: 0, segmentLength: datagram.length, offset, flags: RECORD_UDP, family: 4, ifindex: 2,
    data: datagram.subarray(offset, offset + len),
  };
}

describe('UdpMirror', () => {
  it('delivers each datagram whole, one stream per peer, to every subscriber', () => {
    const m = new UdpMirror();
    const a = sink();
    const b = sink();
    m.add(5353, a);
    m.add(5353, b);
    const big = Buffer.alloc(20000, 7);
    m.onRecord(rec(4000, big, 0, 16384));
    m.onRecord(rec(4000, big, 16384, 20000 - 16384));
    m.onRecord(rec(4000, Buffer.from('second'), 0, 6));
    m.onRecord(rec(4001, Buffer.from('other peer'), 0, 10));
    for (const s of [a, b]) {
      expect(s.opened.map((o) => [o.info.source.port, o.info.mode, o.info.transport])).toEqual([[4000, 'mirror', 'udp'], [4001, 'mirror', 'udp']]);
      expect(s.opened[0]!.chunks).toEqual([big, Buffer.from('second')]);
      expect(s.opened[1]!.chunks).toEqual([Buffer.from('other peer')]);
    }
    expect(m.counters).toEqual({ datagrams: 6, dropped: 0 });
  });

  it('drops a datagram whose chunks arrive out of order, and ignores ports nobody mirrors', () => {
    const m = new UdpMirror();
    const a = sink();
    m.add(5353, a);
    const big = Buffer.alloc(20000, 1);
    m.onRecord(rec(4000, big, 16384, 20000 - 16384));
    m.onRecord({ ...rec(4000, Buffer.from('x'), 0, 1), destination: { address: '10.0.0.2', port: 9 } });
    expect(a.opened).toEqual([]);
    expect(m.counters.dropped).toBe(1);
  });

  it('ends the streams of a subscriber that leaves, and of peers gone idle', () => {
    const m = new UdpMirror();
    const a = sink();
    m.add(5353, a);
    m.onRecord(rec(4000, Buffer.from('one'), 0, 3), 0);
    m.onRecord(rec(4001, Buffer.from('two'), 0, 3), 50_000);
    m.sweep(61_000); // peer 4000 idle for more than a minute
    expect(a.opened.map((o) => o.stream.writableEnded)).toEqual([true, false]);
    m.remove(5353, a);
    expect(a.opened.map((o) => o.stream.writableEnded)).toEqual([true, true]);
    expect(m.has(5353)).toBe(false);
  });
});
