import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '#proto/runtime/types.js';
import { EventGate } from './event-gate.js';

const proc = (pid: number, comm: string) => ({ pid, tid: pid, ppid: 1, uid: 0, comm });
const open = (pid: number, comm = 'cat'): TraceEvent => ({ timeUs: 1, process: proc(pid, comm), open: { path: '/x', flags: 0, mode: 0, result: 3 } });
const tcp = (port: number): TraceEvent => ({ timeUs: 1, process: proc(5, 'curl'), tcp: { kind: 'connect', local: { address: '10.0.0.2', port: 40000 }, remote: { address: '10.0.0.1', port }, ipv6: false, bytesSent: 0, bytesReceived: 0, durationUs: 0, error: 0 } });

describe('EventGate', () => {
  it('passes up to the per-second limit per gadget, then counts suppressed events until the next window', () => {
    const gate = new EventGate(['open', 'tcp'], undefined, 2);
    expect([1, 2, 3].map(() => gate.admit('open', open(1), 10_000))).toEqual([true, true, false]);
    expect(gate.admit('tcp', tcp(80), 10_500)).toBe(true); // own budget
    expect(gate.admit('open', open(1), 10_999)).toBe(false);
    expect(gate.admit('open', open(1), 11_000)).toBe(true);
    expect(gate.stats()).toEqual([
      { gadget: 'open', events: 3, dropped: 0, suppressed: 2, filtered: 0 },
      { gadget: 'tcp', events: 1, dropped: 0, suppressed: 0, filtered: 0 },
    ]);
  });

  it('filters by pid, comm and port, each only where the event has it', () => {
    const gate = new EventGate(['open', 'tcp'], { pids: [7], comm: '', ports: [443] }, 100);
    expect(gate.admit('open', open(7), 0)).toBe(true);
    expect(gate.admit('open', open(8), 0)).toBe(false);
    const byPort = new EventGate(['tcp', 'open'], { pids: [], comm: 'curl', ports: [443] }, 100);
    expect(byPort.admit('tcp', tcp(443), 0)).toBe(true);
    expect(byPort.admit('tcp', tcp(80), 0)).toBe(false);
    expect(byPort.admit('open', open(9, 'curl'), 0)).toBe(true); // opens have no port
    expect(byPort.admit('open', open(9, 'cat'), 0)).toBe(false);
    byPort.setDropped('tcp', 4);
    expect(byPort.stats().find((s) => s.gadget === 'tcp')).toEqual({ gadget: 'tcp', events: 1, dropped: 4, suppressed: 0, filtered: 1 });
  });
});
