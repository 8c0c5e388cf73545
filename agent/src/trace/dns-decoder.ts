// DNS packets seen by the dns gadget → TraceEvents: parsed with dns-packet; an answer is matched to
// its query (client address, port and message id) for the latency. A payload dns-packet cannot
// parse (e.g. cut at the 1 KB capture limit) still yields an event from the fixed 12-byte header.
import dnsPacket from 'dns-packet';
import type { TraceDns, TraceDnsRecord, TraceEvent } from '#proto/runtime/types.js';
import type { DnsPacketRecord, MonotonicClock } from './record-decoder.js';

const MAX_PENDING_QUERIES = 4096;
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
const EMPTY_PROCESS = { pid: 0, tid: 0, ppid: 0, uid: 0, comm: '' };

function recordData(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return data.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x))).join(' '); // TXT
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    if ('exchange' in o) return `${o.preference} ${o.exchange}`;
    if ('target' in o && 'port' in o) return `${o.priority} ${o.weight} ${o.port} ${o.target}`;
    return Object.values(o).map(String).join(' ');
  }
  return data === undefined ? '' : String(data);
}

export class DnsTracker {
  /** "client|port|id" → when the query was seen. */
  private readonly queries = new Map<string, bigint>();

  constructor(private readonly clock: MonotonicClock) {}

  toEvent(rec: DnsPacketRecord): TraceEvent {
    const isAnswer = rec.source.port === 53 && rec.destination.port !== 53 ? true
      : rec.destination.port === 53 && rec.source.port !== 53 ? false : ((rec.payload[2] ?? 0) & 0x80) !== 0;
    const client = isAnswer ? rec.destination : rec.source;
    const server = isAnswer ? rec.source : rec.destination;
    const dns: TraceDns = { kind: isAnswer ? 'answer' : 'query', id: rec.payload.length >= 2 ? rec.payload.readUInt16BE(0) : 0, name: '', type: '', answers: [], rcode: '', latencyUs: 0, client, server };
    try {
      const p = dnsPacket.decode(rec.payload) as dnsPacket.DecodedPacket & { rcode?: string };
      const q = p.questions?.[0];
      dns.name = q?.name ?? '';
      dns.type = q?.type ?? '';
      if (isAnswer) {
        dns.rcode = p.rcode ?? '';
        dns.answers = (p.answers ?? []).map((a): TraceDnsRecord => ({ name: a.name, type: a.type, ttl: 'ttl' in a ? a.ttl ?? 0 : 0, data: recordData((a as { data?: unknown }).data) }));
      }
    } catch {
      if (isAnswer && rec.payload.length >= 4) dns.rcode = RCODES[(rec.payload[3] as number) & 0xf] ?? String((rec.payload[3] as number) & 0xf);
    }
    const key = `${client.address}|${client.port}|${dns.id}`;
    if (isAnswer) {
      const asked = this.queries.get(key);
      if (asked !== undefined) {
        this.queries.delete(key);
        dns.latencyUs = Number((rec.monoNs - asked) / 1000n);
      }
    } else {
      if (this.queries.size >= MAX_PENDING_QUERIES) this.queries.delete(this.queries.keys().next().value as string); // oldest: never answered
      this.queries.set(key, rec.monoNs);
    }
    return { timeUs: this.clock.wallUs(rec.monoNs), process: EMPTY_PROCESS, dns };
  }
}
