import { EventEmitter } from 'node:events';
import type { WriteStream } from 'node:tty';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveScreen } from './live-screen.js';
import { LiveTraceView } from './live-view.js';

/** The parts of a tty.WriteStream LiveScreen uses: size, write, resize events. */
function terminal(columns: number, rows: number): { out: WriteStream; written: string[] } {
  const written: string[] = [];
  const out = Object.assign(new EventEmitter(), { columns, rows, write: (s: string) => { written.push(s); return true; } });
  return { out: out as unknown as WriteStream, written };
}

afterEach(() => vi.useRealTimers());

describe('LiveScreen', () => {
  it('paints each frame over the previous one and leaves the last frame and the cursor visible', () => {
    vi.useFakeTimers();
    const view = new LiveTraceView(['exec'], () => 0);
    const { out, written } = terminal(80, 10);
    const screen = new LiveScreen(view, out);
    screen.start();
    expect(written[0]).toBe('\x1b[?25l');
    const first = written[1]!;
    expect(first.startsWith('\x1b[J')).toBe(true);
    const lines = first.slice(3).split('\n').length - 1;
    view.add({ gadget: 'exec', timeUs: 0, process: { pid: 1, tid: 1, ppid: 0, uid: 0, comm: 'sh' }, filename: '/bin/sh', argv: ['sh'] });
    vi.advanceTimersByTime(250);
    expect(written[2]!.startsWith(`\x1b[${lines}F\x1b[J`)).toBe(true);
    expect(written[2]).toContain('shown 1');
    screen.stop();
    expect(written.at(-1)).toBe('\x1b[?25h');
    const count = written.length;
    vi.advanceTimersByTime(1000);
    expect(written.length).toBe(count);
  });

  it('clears the screen and repaints on a resize', () => {
    const view = new LiveTraceView(['tcp'], () => 0);
    const { out, written } = terminal(80, 10);
    const screen = new LiveScreen(view, out);
    screen.start();
    out.emit('resize');
    expect(written.slice(-2)[0]).toBe('\x1b[2J\x1b[H');
    expect(written.at(-1)!.startsWith('\x1b[J')).toBe(true);
    screen.stop();
  });
});
