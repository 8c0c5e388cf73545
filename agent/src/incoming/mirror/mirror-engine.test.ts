// MirrorEngine's flow handling with a fake program (records fed by hand): per-chunk SYN/FIN
// flags, per-subscriber streams and offsets, gaps after a hole times out, RST, unsubscribe.
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../log.js';
import { TestSink } from '../../../test/helpers/test-sink.js';
import { MirrorEngine, type MirrorProgramLike } from './mirror-engine.js';
import { SEG_FIN, SEG_RST, SEG_SYN } from './reassembly.js';
import type { MirrorRecord } from './record.js';

function fakeProgram(): MirrorProgramLike & { ports: Set<number>; closed: boolean; lost: number } {
  return {
    ports: new Set(), closed: false, lost: 0,
    attachNewInterfaces: async () => ['lo'],
    interfaces: () => ['lo'],
    setPort(port, on) { if (on) this.ports.add(port); else this.ports.delete(port); },
    stats() { return { lost: this.lost, records: 0 }; },
    close() { this.closed = true; },
  };
}

const SRC = { address: '10.0.0.1', port: 40000 };
const DST = { address: '10.0.0.2', port: 8080 };
function rec(seq: number, data: string, flags = 0, extra: Partial<MirrorRecord> = {}): MirrorRecord {
  const d = Buffer.from(data);
  return { source: SRC, destination: DST, seq, segmentLength: d.length, offset: 0, flags, family: 4, ifindex: 1, data: d, ...extra };
}

async function setUp() {
  const program = fakeProgram();
  const engine = new MirrorEngine('/nonexistent', createJsonLogger({ minLevel: 'error' }), { openProgram: async () => program });
  const sink = new TestSink();
  const release = await engine.add(8080, sink);
  const received: string[] = [];
  let ended = false;
  let reset = false;
  sink.next().then((c) => {
    c.stream.on('data', (d: Buffer) => received.push(d.toString()));
    c.stream.on('end', () => (ended = true));
    c.stream.on('error', () => (reset = true));
  }, () => {});
  const flush = () => new Promise((r) => setImmediate(r));
  return { program, engine, sink, release, received, state: () => ({ ended, reset }), flush };
}

describe('MirrorEngine', () => {
  it('delivers a flow once per subscriber and ends it on FIN', async () => {
    const t = await setUp();
    expect(t.program.ports.has(8080)).toBe(true);
    t.engine.onRecord(rec(100, '', SEG_SYN));
    t.engine.onRecord(rec(101, 'hello '));
    t.engine.onRecord(rec(101, 'hello ')); // retransmission
    t.engine.onRecord(rec(107, 'world', SEG_FIN));
    await t.flush();
    expect(t.received.join('')).toBe('hello world');
    expect(t.state().ended).toBe(true);
    expect(t.sink.connections[0]?.info).toEqual({ source: SRC, destination: DST, mode: 'mirror', transport: 'tcp' });
  });

  it('applies FIN only to the last chunk of a segment', async () => {
    const t = await setUp();
    t.engine.onRecord(rec(1, 'abc', SEG_FIN, { segmentLength: 6, offset: 0 }));
    await t.flush();
    expect(t.state().ended).toBe(false);
    t.engine.onRecord(rec(4, 'def', SEG_FIN, { segmentLength: 6, offset: 3 }));
    await t.flush();
    expect(t.received.join('')).toBe('abcdef');
    expect(t.state().ended).toBe(true);
  });

  it('reports a hole as a gap once it times out, then continues', async () => {
    const t = await setUp();
    t.engine.onRecord(rec(0, '', SEG_SYN));
    t.engine.onRecord(rec(1, 'ab'));
    t.engine.onRecord(rec(10, 'xyz')); // bytes 2..8 never arrive
    t.engine.sweep(Date.now() + 1_000); // no ring-buffer drop: could still be a retransmission
    await t.flush();
    expect(t.received.join('')).toBe('ab');
    t.engine.sweep(Date.now() + 4_000);
    await t.flush();
    expect(t.received.join('')).toBe('abxyz');
    expect(t.sink.connections[0]?.gaps).toEqual([{ offset: 2, length: 7 }]);
  });

  it('gives up on a hole sooner when the ring buffer dropped records', async () => {
    const t = await setUp();
    t.engine.onRecord(rec(0, '', SEG_SYN));
    t.engine.onRecord(rec(1, 'ab'));
    t.engine.onRecord(rec(10, 'xyz'));
    t.program.lost = 3; // the kernel counted drops
    t.engine.sweep(Date.now() + 500);
    await t.flush();
    expect(t.received.join('')).toBe('abxyz');
    expect(t.sink.connections[0]?.gaps).toEqual([{ offset: 2, length: 7 }]);
  });

  it('resets a copy whose end the ring buffer may have dropped once the flow stays silent', async () => {
    const t = await setUp();
    t.engine.onRecord(rec(1, 'abc'));
    await t.flush();
    const now = Date.now();
    t.program.lost = 1; // drops after the flow's last record: its FIN may be among them
    t.engine.sweep(now + 1_000);
    expect(t.state().reset).toBe(false);
    t.engine.sweep(now + 12_000);
    await t.flush();
    expect(t.state().reset).toBe(true);
  });

  it('resets the copy on RST', async () => {
    const t = await setUp();
    t.engine.onRecord(rec(1, 'abc'));
    t.engine.onRecord(rec(4, '', SEG_RST));
    await t.flush();
    expect(t.state().reset).toBe(true);
  });

  it('ignores other ports and unloads the program when the last subscriber leaves', async () => {
    const t = await setUp();
    t.engine.onRecord({ ...rec(1, 'zzz'), destination: { address: DST.address, port: 9999 } });
    expect(t.sink.connections).toHaveLength(0);
    t.engine.onRecord(rec(1, 'abc'));
    await t.flush();
    t.release();
    await t.flush();
    expect(t.state().ended).toBe(true); // open copies end at unsubscribe
    expect(t.program.ports.size).toBe(0);
    expect(t.program.closed).toBe(true);
  });
});
