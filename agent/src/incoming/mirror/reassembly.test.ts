import { describe, expect, it } from 'vitest';
import { FlowReassembler, SEG_FIN, SEG_RST, SEG_SYN, seqDiff, type FlowEvent } from './reassembly.js';

const b = (s: string): Buffer => Buffer.from(s);
const text = (events: FlowEvent[]): string =>
  events.map((e) => (e.type === 'data' ? e.data.toString() : e.type === 'gap' ? `<gap ${e.offset}+${e.length}>` : `<${e.type}>`)).join('');

function run(segs: Array<[number, number, string]>, isn = 1000): string {
  const r = new FlowReassembler();
  let out = text(r.push({ seq: isn, flags: SEG_SYN, data: b('') }));
  for (const [rel, flags, data] of segs) out += text(r.push({ seq: (isn + 1 + rel) >>> 0, flags, data: b(data) }));
  return out;
}

describe('FlowReassembler', () => {
  it('delivers in-order data once and ends on FIN', () => {
    expect(run([[0, 0, 'hello '], [6, 0, 'world'], [11, SEG_FIN, '']])).toBe('hello world<fin>');
  });

  it('reorders out-of-order segments', () => {
    expect(run([[6, 0, 'world'], [0, 0, 'hello '], [11, SEG_FIN, '']])).toBe('hello world<fin>');
  });

  it('drops retransmissions and trims overlaps', () => {
    expect(run([[0, 0, 'abcd'], [0, 0, 'abcd'], [2, 0, 'cdef'], [5, 0, 'fgh'], [1, 0, 'bcdefghij']])).toBe('abcdefghij');
  });

  it('merges overlapping out-of-order segments without duplicating bytes', () => {
    expect(run([[4, 0, 'efgh'], [6, 0, 'ghij'], [2, 0, 'cdefg'], [0, 0, 'ab'], [10, SEG_FIN, '']])).toBe('abcdefghij<fin>');
  });

  it('waits for the bytes before a FIN that arrived early', () => {
    expect(run([[3, SEG_FIN, 'def'], [0, 0, 'abc']])).toBe('abcdef<fin>');
  });

  it('reports a hole it gives up on as a gap with its stream offset, then continues', () => {
    const r = new FlowReassembler();
    r.push({ seq: 0, flags: SEG_SYN, data: b('') });
    expect(text(r.push({ seq: 1, flags: 0, data: b('abc') }))).toBe('abc');
    expect(text(r.push({ seq: 10, flags: 0, data: b('xyz') }, 5))).toBe('');
    expect(r.holeSince).toBe(5);
    expect(text(r.skipHole())).toBe('<gap 3+6>xyz');
    expect(r.position).toBe(12);
  });

  it('turns a hole into a gap when out-of-order bytes exceed the bound', () => {
    const r = new FlowReassembler({ maxPendingBytes: 4 });
    r.push({ seq: 0, flags: SEG_SYN, data: b('') });
    expect(text(r.push({ seq: 3, flags: 0, data: b('cdefg') }))).toBe('<gap 0+2>cdefg');
  });

  it('ends at once on RST', () => {
    expect(run([[0, 0, 'abc'], [10, 0, 'zzz'], [3, SEG_RST, '']])).toBe('abc<rst>');
  });

  it('handles sequence numbers wrapping past 2^32', () => {
    expect(run([[0, 0, 'ab'], [2, 0, 'cd'], [4, SEG_FIN, '']], 0xfffffffd)).toBe('abcd<fin>');
    expect(seqDiff(2, 0xfffffffe)).toBe(4);
  });

  it('joins a flow mid-stream when the SYN was not seen', () => {
    const r = new FlowReassembler();
    expect(text(r.push({ seq: 5000, flags: 0, data: b('mid') }))).toBe('mid');
    expect(text(r.push({ seq: 5003, flags: SEG_FIN, data: b('!') }))).toBe('!<fin>');
  });

  it('giveUp reports missing bytes before a FIN as a gap and ends', () => {
    const r = new FlowReassembler();
    r.push({ seq: 0, flags: SEG_SYN, data: b('') });
    r.push({ seq: 1, flags: 0, data: b('ab') });
    r.push({ seq: 7, flags: SEG_FIN, data: b('') });
    expect(text(r.giveUp())).toBe('<gap 2+4><fin>');
    expect(r.finished).toBe(true);
  });

  it('reassembles a large shuffled stream byte-exactly', () => {
    const payload = Buffer.alloc(200_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;
    const segs: Array<{ seq: number; data: Buffer }> = [];
    for (let off = 0; off < payload.length; off += 1400) segs.push({ seq: 1 + off, data: payload.subarray(off, off + 1400) });
    // deterministic shuffle within windows of 8, plus duplicates
    const order: typeof segs = [];
    for (let w = 0; w < segs.length; w += 8) {
      const win = segs.slice(w, w + 8).reverse();
      order.push(...win, ...(win.length > 2 ? [win[1] as (typeof segs)[number]] : []));
    }
    const r = new FlowReassembler();
    const parts: Buffer[] = [];
    r.push({ seq: 0, flags: SEG_SYN, data: b('') });
    for (const s of order) for (const e of r.push({ seq: s.seq, flags: 0, data: s.data })) if (e.type === 'data') parts.push(e.data);
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
  });
});
