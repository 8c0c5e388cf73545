import { describe, expect, it } from 'vitest';
import type { TracedEvent } from '../trace/trace-types.js';
import { eventCells, eventLine, formatAddr, formatBytes, formatDuration, formatResult, gadgetColumns } from './event-columns.js';

const process = { pid: 42, tid: 42, ppid: 1, uid: 0, comm: 'curl' };
const t = new Date(2026, 0, 2, 3, 4, 5, 678).getTime() * 1000;

describe('event columns', () => {
  it('gives one cell per column for every gadget', () => {
    const events: TracedEvent[] = [
      { gadget: 'tcp', timeUs: t, process, kind: 'close', local: { address: '10.1.0.5', port: 40000 }, remote: { address: 'fd00::1', port: 80 }, ipv6: true, bytesSent: 2048, bytesReceived: 100, durationUs: 12_400, error: 0 },
      { gadget: 'dns', timeUs: t, process: { pid: 0, tid: 0, ppid: 0, uid: 0, comm: '' }, kind: 'answer', id: 7, name: 'web.default.svc.cluster.local', type: 'A', answers: [{ name: 'web', type: 'A', ttl: 5, data: '10.96.0.10' }, { name: 'x', type: 'CNAME', ttl: 5, data: 'y' }], rcode: 'NOERROR', latencyUs: 830, client: { address: '10.1.0.5', port: 5353 }, server: { address: '10.96.0.10', port: 53 } },
      { gadget: 'exec', timeUs: t, process, filename: '/usr/bin/curl', argv: ['curl', '-s', 'http://web'] },
      { gadget: 'open', timeUs: t, process, path: '/etc/hosts', flags: 0o2000000, mode: 0, result: -2 },
    ];
    for (const e of events) expect(eventCells(e)).toHaveLength(gadgetColumns(e.gadget).length);
    expect(eventCells(events[0]!)).toEqual(['03:04:05.678', '42', 'curl', 'close', '10.1.0.5:40000', '[fd00::1]:80', '2.0K', '100B', '12.4ms', '']);
    expect(eventCells(events[1]!).slice(1)).toEqual(['answer', '7', 'web.default.svc.cluster.local', 'A', 'NOERROR', '830µs', '10.96.0.10:53', '10.96.0.10 CNAME y']);
    expect(eventLine(events[2]!)).toBe('[exec] 03:04:05.678 42 1 curl curl -s http://web');
    expect(eventLine(events[3]!)).toBe('[open] 03:04:05.678 42 curl ENOENT O_RDONLY|O_CLOEXEC /etc/hosts');
    expect(eventLine(events[0]!)).toContain('sent 2.0K recv 100B 12.4ms');
  });

  it('formats sizes, durations, addresses and results briefly', () => {
    expect([formatBytes(10), formatBytes(1536), formatBytes(3 * 1024 * 1024)]).toEqual(['10B', '1.5K', '3.0M']);
    expect([formatDuration(999), formatDuration(1500), formatDuration(2_500_000)]).toEqual(['999µs', '1.5ms', '2.50s']);
    expect(formatAddr(undefined)).toBe('');
    expect([formatResult(0), formatResult(-111), formatResult(-4095), formatResult(3, true)]).toEqual(['ok', 'ECONNREFUSED', 'errno 4095', 'fd 3']);
  });
});
