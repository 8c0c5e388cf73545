// Per-flow TCP reassembly for mirrored connections (pure logic, no I/O). Input: captured
// segments in capture order (a segment may arrive twice, out of order, overlapping, in chunks,
// or never: the ring buffer can overrun). Output: the flow's bytes in order, exactly once, with
// holes that were given up on reported as gaps, and the end of the flow (FIN or RST).
//
// Sequence numbers are 32-bit and wrap; everything is computed relative to `next` (the first
// byte not yet delivered). Stream offsets are counted in delivered+skipped bytes from the first
// byte of the flow (after the SYN), as a plain number (2^53 bytes per flow is enough).

export const SEG_SYN = 0x01;
export const SEG_FIN = 0x02;
export const SEG_RST = 0x04;

export interface Segment {
  seq: number;
  flags: number;
  data: Buffer;
}

export type FlowEvent =
  | { type: 'data'; offset: number; data: Buffer }
  | { type: 'gap'; offset: number; length: number }
  | { type: 'fin' }
  | { type: 'rst' };

export interface ReassemblyOptions {
  /** Out-of-order bytes kept waiting for a hole to fill; beyond it the hole becomes a gap. */
  maxPendingBytes?: number;
}

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return ((a - b) | 0);
}

export class FlowReassembler {
  private next: number | undefined; // sequence number of the first undelivered byte
  private offset = 0; // stream offset of `next`
  private finSeq: number | undefined;
  private ended = false;
  private pending: Segment[] = []; // out-of-order, sorted by seq, non-overlapping with delivered data
  private pendingBytes = 0;
  private readonly maxPendingBytes: number;
  /** When the oldest unfilled hole appeared (ms, caller's clock), for gap timeouts. */
  holeSince: number | undefined;

  constructor(opts: ReassemblyOptions = {}) {
    this.maxPendingBytes = opts.maxPendingBytes ?? 4 << 20;
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Stream offset of the next byte to deliver. */
  get position(): number {
    return this.offset;
  }

  /** Feeds one captured segment (or chunk of one); returns what became deliverable. */
  push(seg: Segment, now = 0): FlowEvent[] {
    const out: FlowEvent[] = [];
    if (this.ended) return out;
    if (seg.flags & SEG_RST) {
      this.ended = true;
      out.push({ type: 'rst' });
      return out;
    }
    let seq = seg.seq;
    if (seg.flags & SEG_SYN) {
      if (this.next === undefined) this.next = (seq + 1) >>> 0;
      seq = (seq + 1) >>> 0; // data on a SYN (TFO) starts after it
    }
    if (this.next === undefined) this.next = seq >>> 0; // joined mid-stream
    if (seg.flags & SEG_FIN) this.finSeq = (seq + seg.data.length) >>> 0;
    if (seg.data.length > 0) this.accept({ seq, flags: 0, data: seg.data }, out);
    this.drain(out);
    if (this.pending.length > 0 && this.holeSince === undefined) this.holeSince = now;
    if (this.pendingBytes > this.maxPendingBytes) this.skipHole(out, now);
    this.checkFin(out);
    return out;
  }

  /** Gives up on the current hole (the bytes are not coming): reports it as a gap and continues. */
  skipHole(out: FlowEvent[] = [], now = 0): FlowEvent[] {
    const first = this.pending[0];
    if (this.next === undefined || !first) return out;
    const length = seqDiff(first.seq, this.next);
    if (length > 0) {
      out.push({ type: 'gap', offset: this.offset, length });
      this.offset += length;
      this.next = first.seq;
    }
    this.drain(out);
    this.holeSince = this.pending.length > 0 ? now : undefined; // the next hole starts waiting now
    this.checkFin(out);
    return out;
  }

  /** A FIN whose preceding bytes never arrive: report them as a gap and end (flow teardown). */
  giveUp(): FlowEvent[] {
    const out: FlowEvent[] = [];
    while (this.pending.length > 0) this.skipHole(out);
    if (!this.ended && this.finSeq !== undefined && this.next !== undefined) {
      const length = seqDiff(this.finSeq, this.next);
      if (length > 0) out.push({ type: 'gap', offset: this.offset, length });
      this.ended = true;
      out.push({ type: 'fin' });
    }
    return out;
  }

  private accept(seg: Segment, out: FlowEvent[]): void {
    const next = this.next as number; // set by push before any data is accepted
    let { seq, data } = seg;
    const behind = seqDiff(next, seq);
    if (behind > 0) {
      if (behind >= data.length) return; // pure retransmission of delivered bytes
      data = data.subarray(behind); // overlap with delivered bytes
      seq = next;
    }
    if (seq === next) {
      out.push({ type: 'data', offset: this.offset, data });
      this.offset += data.length;
      this.next = (next + data.length) >>> 0;
      return;
    }
    this.insertPending({ seq, flags: 0, data: Buffer.from(data) }); // copy: batches are recycled
  }

  // Keeps pending sorted and free of overlaps (first copy of a byte wins).
  private insertPending(seg: Segment): void {
    let { seq, data } = seg;
    const kept: Segment[] = [];
    for (const p of this.pending) {
      const pEnd = (p.seq + p.data.length) >>> 0;
      const sEnd = (seq + data.length) >>> 0;
      if (data.length === 0) break;
      if (seqDiff(pEnd, seq) <= 0 || seqDiff(sEnd, p.seq) <= 0) continue; // disjoint
      if (seqDiff(p.seq, seq) <= 0) {
        // p covers the start of seg: trim seg's front
        const cut = seqDiff(pEnd, seq);
        data = data.subarray(Math.min(cut, data.length));
        seq = pEnd;
      } else {
        // seg starts before p: keep the part before p, continue with the rest after p
        kept.push({ seq, flags: 0, data: data.subarray(0, seqDiff(p.seq, seq)) });
        const after = seqDiff(pEnd, seq);
        data = after >= data.length ? Buffer.alloc(0) : data.subarray(after);
        seq = pEnd;
      }
    }
    if (data.length > 0) kept.push({ seq, flags: 0, data });
    for (const k of kept) {
      if (k.data.length === 0) continue;
      this.pending.push(k);
      this.pendingBytes += k.data.length;
    }
    const base = this.next as number;
    this.pending.sort((a, b) => seqDiff(a.seq, base) - seqDiff(b.seq, base));
  }

  private drain(out: FlowEvent[]): void {
    while (this.pending.length > 0 && this.next !== undefined) {
      const first = this.pending[0] as Segment;
      const behind = seqDiff(this.next, first.seq);
      if (behind < 0) break; // still a hole
      this.pending.shift();
      this.pendingBytes -= first.data.length;
      if (behind >= first.data.length) continue;
      const data = first.data.subarray(behind);
      out.push({ type: 'data', offset: this.offset, data });
      this.offset += data.length;
      this.next = (this.next + data.length) >>> 0;
    }
    if (this.pending.length === 0) this.holeSince = undefined;
  }

  private checkFin(out: FlowEvent[]): void {
    if (this.ended || this.finSeq === undefined || this.next === undefined) return;
    if (seqDiff(this.next, this.finSeq) >= 0 && this.pending.length === 0) {
      this.ended = true;
      out.push({ type: 'fin' });
    }
  }
}
