import { describe, expect, it } from 'vitest';
import type { TracedEvent } from '#runtime/trace/trace-client.js';
import { LiveTraceView } from './live-view.js';

const process = { pid: 9, tid: 9, ppid: 1, uid: 0, comm: 'app' };
function exec(n: number): TracedEvent {
  return { gadget: 'exec', timeUs: 0, process, filename: '/bin/true', argv: ['true', String(n)] };
}

describe('LiveTraceView', () => {
  it('shows rate, shown, dropped, suppressed and filtered counts per gadget', () => {
    let now = 1_000;
    const view = new LiveTraceView(['exec', 'tcp'], () => now);
    for (let i = 0; i < 4; i++) view.add(exec(i));
    view.hide(exec(99));
    view.setStats([{ gadget: 'exec', events: 5, dropped: 2, suppressed: 7, filtered: 1 }]);
    now += 2_000;
    expect(view.summary('exec')).toBe('exec  2.0/s  shown 4  dropped 2  suppressed 7  filtered 2');
    expect(view.summary('tcp')).toBe('tcp  0.0/s  shown 0  dropped 0  suppressed 0  filtered 0');
  });

  it('fits the frame in the terminal, newest rows last, each gadget with its header', () => {
    const view = new LiveTraceView(['exec', 'tcp'], () => 0);
    view.status = 'kmirror trace pid/1';
    for (let i = 0; i < 50; i++) view.add(exec(i));
    const lines = view.render(60, 12);
    expect(lines.length).toBeLessThanOrEqual(12);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines[0]).toBe('kmirror trace pid/1');
    expect(lines[1]).toMatch(/^exec /);
    expect(lines[2]).toMatch(/^TIME +PID +PPID +COMM +ARGV$/);
    const execRows = lines.slice(3, lines.indexOf(''));
    expect(execRows.length).toBeGreaterThan(0);
    expect(execRows.at(-1)).toMatch(/true 49$/);
    expect(lines.some((l) => /^tcp /.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^TIME +PID +COMM +KIND/);
  });
});
