// Decodes the km_trace records (ebpf/trace/trace.h) the addon's ring reader hands over in batches
// of { u32le length, record }. tcp/exec/open become TraceEvents at once; dns records carry the raw
// UDP payload, parsed by ./dns-decoder.ts. Offsets are pinned by record-decoder.test.ts.
import type { TraceEvent, TraceProcess } from '#proto/runtime/types.js';
import { formatAddress } from '../incoming/mirror/record.js';

export const GADGET_IDS = ['tcp', 'dns', 'exec', 'open'] as const; // km_trace_gadget order
const HEADER_BYTES = 48;
const SIZES = { tcp: 120, dns: 96, exec: 1336, open: 320 } as const; // dns: without its payload
const TCP_KINDS = { 1: 'connect', 2: 'accept', 3: 'close' } as const;

/** A DNS packet seen on an interface of the target's namespace. */
export interface DnsPacketRecord {
  gadget: 'dns';
  monoNs: bigint;
  source: { address: string; port: number };
  destination: { address: string; port: number };
  ingress: boolean;
  /** A view into the batch (the captured UDP payload, at most 1 KB). */
  payload: Buffer;
}
export interface ProcessRecord {
  gadget: 'tcp' | 'exec' | 'open';
  monoNs: bigint;
  event: TraceEvent;
}
export type TraceRecord = DnsPacketRecord | ProcessRecord;

/** CLOCK_MONOTONIC (bpf_ktime_get_ns, process.hrtime) → wall-clock microseconds. */
export class MonotonicClock {
  private readonly offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  wallUs(monoNs: bigint): number {
    return Number((monoNs + this.offsetNs) / 1000n);
  }
}

function cString(buf: Buffer, at: number, max: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 || end > at + max ? at + max : end);
}

function processOf(b: Buffer, r: number): TraceProcess {
  return { pid: b.readUInt32LE(r + 16), tid: b.readUInt32LE(r + 20), ppid: b.readUInt32LE(r + 24), uid: b.readUInt32LE(r + 28), comm: cString(b, r + 32, 16) };
}

function decodeRecord(b: Buffer, r: number, len: number, clock: MonotonicClock): TraceRecord {
  const gadget = GADGET_IDS[b.readUInt32LE(r)];
  if (!gadget) throw new Error(`trace record with unknown gadget id ${b.readUInt32LE(r)}`);
  if (len < SIZES[gadget]) throw new Error(`trace ${gadget} record of ${len} bytes (expected ${SIZES[gadget]})`);
  const monoNs = b.readBigUInt64LE(r + 8);
  const timeUs = clock.wallUs(monoNs);
  switch (gadget) {
    case 'tcp': {
      const kind = TCP_KINDS[b[r + 84] as 1 | 2 | 3];
      if (!kind) throw new Error(`trace tcp record with unknown kind ${b[r + 84]}`);
      return { gadget, monoNs, event: { timeUs, process: processOf(b, r), tcp: {
        kind, local: { address: formatAddress(b, r + 48), port: b.readUInt16LE(r + 80) }, remote: { address: formatAddress(b, r + 64), port: b.readUInt16LE(r + 82) },
        ipv6: b[r + 85] === 6, error: b.readInt32LE(r + 88),
        bytesSent: Number(b.readBigUInt64LE(r + 96)), bytesReceived: Number(b.readBigUInt64LE(r + 104)), durationUs: Number(b.readBigUInt64LE(r + 112) / 1000n),
      } } };
    }
    case 'exec': {
      const argvLen = Math.min(b.readUInt32LE(r + 48), 1024);
      const argv = b.toString('utf8', r + 312, r + 312 + argvLen).split('\0');
      if (argv.at(-1) === '') argv.pop(); // the terminating NUL
      return { gadget, monoNs, event: { timeUs, process: processOf(b, r), exec: { filename: cString(b, r + 56, 256), argv } } };
    }
    case 'open':
      return { gadget, monoNs, event: { timeUs, process: processOf(b, r), open: {
        path: cString(b, r + 64, 256), flags: b.readUInt32LE(r + 52), mode: b.readUInt32LE(r + 56), result: b.readInt32LE(r + 48),
      } } };
    case 'dns': {
      const cap = Math.min(b.readUInt16LE(r + 86), len - SIZES.dns);
      return {
        gadget, monoNs, ingress: b[r + 89] === 1,
        source: { address: formatAddress(b, r + 48), port: b.readUInt16LE(r + 80) },
        destination: { address: formatAddress(b, r + 64), port: b.readUInt16LE(r + 82) },
        payload: b.subarray(r + SIZES.dns, r + SIZES.dns + cap),
      };
    }
  }
}

/** Calls onRecord per record; throws on a malformed batch (a bug, not input). */
export function decodeTraceBatch(batch: Buffer, clock: MonotonicClock, onRecord: (r: TraceRecord) => void): void {
  let at = 0;
  while (at < batch.length) {
    if (at + 4 > batch.length) throw new Error(`trace batch truncated at ${at}`);
    const len = batch.readUInt32LE(at);
    const rec = at + 4;
    if (len < HEADER_BYTES || rec + len > batch.length) throw new Error(`trace record of ${len} bytes at ${at} overruns the batch`);
    onRecord(decodeRecord(batch, rec, len, clock));
    at = rec + len;
  }
}
