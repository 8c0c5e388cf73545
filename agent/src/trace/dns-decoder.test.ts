import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { DnsTracker } from './dns-decoder.js';
import { MonotonicClock, type DnsPacketRecord } from './record-decoder.js';

const client = { address: '10.0.0.2', port: 40000 };
const server = { address: '10.0.0.1', port: 53 };
const rec = (payload: Buffer, monoNs: bigint, answer: boolean): DnsPacketRecord => ({ gadget: 'dns', monoNs, ingress: answer, source: answer ? server : client, destination: answer ? client : server, payload });

describe('DnsTracker', () => {
  it('reads the question, the answers and the rcode, and times the answer against its query', () => {
    const t = new DnsTracker(new MonotonicClock());
    const q = t.toEvent(rec(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'A', name: 'web.svc' }] }), 1_000_000n, false));
    expect(q.dns).toMatchObject({ kind: 'query', id: 7, name: 'web.svc', type: 'A', client, server, latencyUs: 0 });
    const a = t.toEvent(rec(dnsPacket.encode({ type: 'response', id: 7, questions: [{ type: 'A', name: 'web.svc' }],
      answers: [{ type: 'CNAME', name: 'web.svc', ttl: 5, data: 'web.default.svc' }, { type: 'A', name: 'web.default.svc', ttl: 30, data: '10.96.0.7' }] }), 3_500_000n, true));
    expect(a.dns).toMatchObject({ kind: 'answer', id: 7, rcode: 'NOERROR', latencyUs: 2500, client, server });
    expect(a.dns?.answers).toEqual([{ name: 'web.svc', type: 'CNAME', ttl: 5, data: 'web.default.svc' }, { name: 'web.default.svc', type: 'A', ttl: 30, data: '10.96.0.7' }]);
    expect(a.process.pid).toBe(0);
  });

  it('still reports a cut packet from its header (NXDOMAIN), without latency when the query was not seen', () => {
    const t = new DnsTracker(new MonotonicClock());
    const full = dnsPacket.encode({ type: 'response', id: 9, flags: 3, questions: [{ type: 'AAAA', name: 'missing.example' }] });
    const e = t.toEvent(rec(full.subarray(0, 14), 10n, true));
    expect(e.dns).toMatchObject({ kind: 'answer', id: 9, rcode: 'NXDOMAIN', latencyUs: 0, name: '' });
  });
});
