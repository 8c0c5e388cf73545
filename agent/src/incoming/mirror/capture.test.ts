import { describe, expect, it } from 'vitest';
import { MirrorCapture, type RecordedMsg } from './capture.js';
import { RECORD_EGRESS, type MirrorRecord } from './record.js';
import { SEG_FIN, SEG_RST, SEG_SYN } from './reassembly.js';

const client = { address: '10.0.0.1', port: 40000 };
const server = { address: '10.0.0.2', port: 8080 };

function rec(dir: 'in' | 'out', seq: number, flags: number, data = ''): MirrorRecord {
  const bytes = Buffer.from(data);
  const egress = dir === 'out';
  return {
    source: egress ? server : client, destination: egress ? client : server, seq, segmentLength: bytes.length, offset: 0,
    flags: flags | (egress ? RECORD_EGRESS : 0), family: 4, ifindex: 1, data: bytes,
  };
}

function capture(): { c: MirrorCapture; msgs: RecordedMsg[] } {
  let t = 0;
  const c = new MirrorCapture(() => ++t);
  const msgs: RecordedMsg[] = [];
  c.add(8080, (m) => msgs.push(m));
  return { c, msgs };
}

const summary = (msgs: RecordedMsg[]): string[] => msgs.map((m) =>
  m.kind === 'recordedSegment' ? `${m.direction}@${m.offset}:${m.data.toString()}`
    : m.kind === 'recordedGap' ? `gap ${m.direction}@${m.offset}+${m.length}`
      : m.endUs === 0 ? `open ${m.connectionId} syn=${m.synSeen}` : `end ${m.connectionId} reset=${m.reset}`);

describe('MirrorCapture', () => {
  it('gives both directions in order and ends when both sides sent FIN', () => {
    const { c, msgs } = capture();
    c.onRecord(rec('in', 100, SEG_SYN));
    c.onRecord(rec('out', 500, SEG_SYN));
    c.onRecord(rec('in', 101, 0, 'GET / HTTP/1.1\r\n\r\n'));
    c.onRecord(rec('out', 501, 0, 'HTTP/1.1 200 OK\r\n'));
    c.onRecord(rec('out', 518, SEG_FIN, 'x'));
    expect(summary(msgs).at(-1)).toBe('out@17:x'); // one FIN is not the end
    c.onRecord(rec('in', 119, SEG_FIN));
    expect(summary(msgs)).toEqual(['open 1 syn=true', 'in@0:GET / HTTP/1.1\r\n\r\n', 'out@0:HTTP/1.1 200 OK\r\n', 'out@17:x', 'end 1 reset=false']);
    const end = msgs.at(-1) as RecordedMsg & { kind: 'recordedConnection' };
    expect(end.client).toEqual(client);
    expect(end.server).toEqual(server);
    expect(end.endUs).toBeGreaterThan(end.startUs);
  });

  it('reorders segments, ends at a reset from either side, ignores stragglers, and starts anew on a reused 4-tuple', () => {
    const { c, msgs } = capture();
    c.onRecord(rec('in', 100, SEG_SYN));
    c.onRecord(rec('in', 104, 0, 'def'));
    c.onRecord(rec('in', 101, 0, 'abc'));
    c.onRecord(rec('out', 900, SEG_RST));
    c.onRecord(rec('in', 107, SEG_RST)); // the client's answer to the reset: same connection
    c.onRecord(rec('in', 5000, SEG_SYN));
    expect(summary(msgs)).toEqual(['open 1 syn=true', 'in@0:abc', 'in@3:def', 'end 1 reset=true', 'open 2 syn=true']);
  });

  it('reports a hole as a gap once given up on, and ignores ports nobody records', () => {
    const { c, msgs } = capture();
    c.onRecord({ ...rec('in', 1, 0, 'x'), destination: { address: '10.0.0.2', port: 9999 } });
    expect(msgs).toEqual([]);
    c.onRecord(rec('in', 100, SEG_SYN));
    c.onRecord(rec('in', 111, 0, 'later'), 1_000);
    c.sweep(1_000 + 3_001, 0); // nothing dropped by the kernel: waited for a retransmission
    expect(summary(msgs)).toEqual(['open 1 syn=true', 'gap in@0+10', 'in@10:later']);
  });

  it('forgets flows of a removed subscriber and tells a late subscriber about a connection before its bytes', () => {
    const { c, msgs } = capture();
    c.onRecord(rec('in', 100, SEG_SYN));
    const late: RecordedMsg[] = [];
    c.add(8080, (m) => late.push(m));
    c.onRecord(rec('in', 101, 0, 'a'));
    expect(summary(late)).toEqual(['open 1 syn=true', 'in@0:a']);
    expect(summary(msgs)).toEqual(['open 1 syn=true', 'in@0:a']);
  });
});
