import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fullGc, startMemoryRelease } from './memory-release.js';

const MB = 1024 * 1024;

describe('startMemoryRelease', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  function watch(minBytes = 16 * MB) {
    const state = { moved: 0, order: [] as string[], released: [] as number[] };
    const stop = startMemoryRelease({
      bytesMoved: () => state.moved, minBytes, checkEveryMs: 1000, trimDelayMs: 200,
      collect: () => state.order.push('collect'), trim: () => state.order.push('trim'), onRelease: (n) => state.released.push(n),
    });
    return { state, stop };
  }

  it('collects, then trims, once the traffic has been quiet for a whole period', () => {
    const { state } = watch();
    state.moved = 100 * MB;             // a transfer in progress
    vi.advanceTimersByTime(1000);
    state.moved = 256 * MB;
    vi.advanceTimersByTime(1000);
    expect(state.order).toEqual([]);    // still moving at the last look
    vi.advanceTimersByTime(1000);       // quiet for one period
    expect(state.order).toEqual(['collect']);
    vi.advanceTimersByTime(200);
    expect(state.order).toEqual(['collect', 'trim']);
    expect(state.released).toEqual([256 * MB]);
  });

  it('does not release after little traffic, and releases once per transfer', () => {
    const { state } = watch();
    state.moved = 1 * MB;
    vi.advanceTimersByTime(10_000);
    expect(state.order).toEqual([]);
    state.moved = 40 * MB;
    vi.advanceTimersByTime(10_000);
    expect(state.order).toEqual(['collect', 'trim']);
    state.moved += 2 * MB;              // a little more: below the threshold since the last release
    vi.advanceTimersByTime(10_000);
    expect(state.released).toEqual([40 * MB]);
  });

  it('stops watching when stopped, also between the collection and the trim', () => {
    const { state, stop } = watch();
    state.moved = 64 * MB;
    vi.advanceTimersByTime(2000);
    expect(state.order).toEqual(['collect']);
    stop();
    state.moved = 200 * MB;
    vi.advanceTimersByTime(10_000);
    expect(state.order).toEqual(['collect']);
  });
});

describe('fullGc', () => {
  it("gives V8's gc() without --expose-gc and without putting it on the global object", () => {
    const gc = fullGc();
    expect(typeof gc).toBe('function');
    expect(() => gc()).not.toThrow();
    expect('gc' in globalThis).toBe(false);
  });
});
