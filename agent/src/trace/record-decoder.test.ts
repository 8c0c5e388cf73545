// Pins the offsets of ebpf/trace/trace.h: records are built byte by byte here as the kernel lays them out.
import { describe, expect, it } from 'vitest';
import { MonotonicClock, decodeTraceBatch, type TraceRecord } from './record-decoder.js';

function header(gadget: number, size: number, pid = 100): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(gadget, 0);
  b.writeUInt32LE(4026532000, 4); // netns
  b.writeBigUInt64LE(5_000_000_000n, 8); // ts_ns
  b.writeUInt32LE(pid, 16);
  b.writeUInt32LE(pid + 1, 20); // tid
  b.writeUInt32LE(1, 24); // ppid
  b.writeUInt32LE(1000, 28); // uid
  b.write('curl', 32);
  return b;
}
const v4 = (b: Buffer, at: number, a: number[]): void => { b[at + 10] = 0xff; b[at + 11] = 0xff; Buffer.from(a).copy(b, at + 12); };
const batch = (...records: Buffer[]): Buffer => Buffer.concat(records.flatMap((r) => { const len = Buffer.alloc(4); len.writeUInt32LE(r.length); return [len, r]; }));

describe('decodeTraceBatch', () => {
  const clock = new MonotonicClock();
  const decode = (b: Buffer): TraceRecord[] => { const out: TraceRecord[] = []; decodeTraceBatch(b, clock, (r) => out.push(r)); return out; };

  it('decodes tcp, exec and open records with their process', () => {
    const tcp = header(0, 120);
    v4(tcp, 48, [10, 0, 0, 2]);
    tcp.set(Buffer.from('fd000000000000000000000000000001', 'hex'), 64);
    tcp.writeUInt16LE(40000, 80); tcp.writeUInt16LE(443, 82); tcp[84] = 3; tcp[85] = 6; tcp.writeInt32LE(-111, 88);
    tcp.writeBigUInt64LE(3000n, 96); tcp.writeBigUInt64LE(7000n, 104); tcp.writeBigUInt64LE(2_500_000n, 112);
    const exec = header(2, 1336);
    exec.writeUInt32LE(12, 48); exec.write('/bin/true', 56); exec.write('/bin/true\0x\0', 312);
    const open = header(3, 320);
    open.writeInt32LE(-2, 48); open.writeUInt32LE(0o2101, 52); open.writeUInt32LE(0o644, 56); open.write('/etc/hosts', 64);
    const [t, e, o] = decode(batch(tcp, exec, open)) as Array<Extract<TraceRecord, { event: unknown }>>;
    expect(t?.event.process).toEqual({ pid: 100, tid: 101, ppid: 1, uid: 1000, comm: 'curl' });
    expect(t?.event.tcp).toEqual({ kind: 'close', local: { address: '10.0.0.2', port: 40000 }, remote: { address: 'fd00::1', port: 443 }, ipv6: true, error: -111, bytesSent: 3000, bytesReceived: 7000, durationUs: 2500 });
    expect(t?.monoNs).toBe(5_000_000_000n);
    expect(e?.event.exec).toEqual({ filename: '/bin/true', argv: ['/bin/true', 'x'] });
    expect(o?.event.open).toEqual({ path: '/etc/hosts', flags: 0o2101, mode: 0o644, result: -2 });
  });

  it('decodes a dns record with its payload and no process', () => {
    const dns = header(1, 96 + 5, 0);
    v4(dns, 48, [127, 0, 0, 1]); v4(dns, 64, [127, 0, 0, 53]);
    dns.writeUInt16LE(5353, 80); dns.writeUInt16LE(53, 82); dns.writeUInt16LE(5, 84); dns.writeUInt16LE(5, 86); dns[88] = 4; dns[89] = 1;
    dns.write('hello', 96);
    const [d] = decode(batch(dns));
    expect(d).toMatchObject({ gadget: 'dns', ingress: true, source: { address: '127.0.0.1', port: 5353 }, destination: { address: '127.0.0.53', port: 53 } });
    expect((d as Extract<TraceRecord, { gadget: 'dns' }>).payload.toString()).toBe('hello');
  });

  it('refuses a record that overruns the batch or names an unknown gadget', () => {
    const full = batch(header(3, 320));
    expect(() => decode(full.subarray(0, 100))).toThrow(/overruns/);
    expect(() => decode(batch(header(9, 64)))).toThrow(/unknown gadget id 9/);
  });
});
