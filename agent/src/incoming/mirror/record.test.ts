import { describe, expect, it } from 'vitest';
import { decodeBatch, type MirrorRecord } from './record.js';

// Golden bytes of one struct km_mirror_event as the x86-64 kernel writes it (ebpf/mirror/mirror.h):
// 10.1.2.3:40000 -> 10.1.2.4:8080, seq 0x01020304, segment 5 bytes, offset 0, len 5, SYN|FIN, IPv4, ifindex 7.
const GOLDEN = Buffer.from(
  '00000000000000000000ffff0a010203' + // saddr (v4-mapped)
    '00000000000000000000ffff0a010204' + // daddr
    '409c' + '901f' + // sport 40000, dport 8080 (little endian)
    '04030201' + '05000000' + '00000000' + // seq, seg_len, offset
    '0500' + '03' + '04' + '07000000' + // len, flags, family, ifindex
    '68656c6c6f', // "hello"
  'hex',
);

function batchOf(...records: Buffer[]): Buffer {
  return Buffer.concat(records.flatMap((r) => { const l = Buffer.alloc(4); l.writeUInt32LE(r.length); return [l, r]; }));
}

describe('decodeBatch', () => {
  it('decodes the golden km_mirror_event', () => {
    const out: MirrorRecord[] = [];
    decodeBatch(batchOf(GOLDEN), (r) => out.push({ ...r, data: Buffer.from(r.data) }));
    expect(out).toHaveLength(1);
    const r = out[0] as MirrorRecord;
    expect(r.source).toEqual({ address: '10.1.2.3', port: 40000 });
    expect(r.destination).toEqual({ address: '10.1.2.4', port: 8080 });
    expect(r.seq).toBe(0x01020304);
    expect([r.segmentLength, r.offset, r.flags, r.family, r.ifindex]).toEqual([5, 0, 3, 4, 7]);
    expect(r.data.toString()).toBe('hello');
  });

  it('formats IPv6 addresses compressed', () => {
    const v6 = Buffer.from(GOLDEN);
    Buffer.from('fd000213000a00000000000000000001', 'hex').copy(v6, 0);
    Buffer.from('00000000000000000000000000000001', 'hex').copy(v6, 16);
    v6[51] = 6;
    const out: MirrorRecord[] = [];
    decodeBatch(batchOf(v6, GOLDEN), (r) => out.push(r));
    expect(out.map((r) => [r.source.address, r.destination.address, r.family])).toEqual([
      ['fd00:213:a::1', '::1', 6],
      ['10.1.2.3', '10.1.2.4', 4],
    ]);
  });

  it('rejects a record that overruns its batch', () => {
    const bad = batchOf(GOLDEN).subarray(0, 40);
    expect(() => decodeBatch(bad, () => {})).toThrow(/overruns/);
  });
});
