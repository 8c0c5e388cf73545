import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseIdleExitSeconds, startIdleExit } from './idle-exit.js';

describe('startIdleExit', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('fires once after the grace period with no client, counted from start-up', () => {
    const onIdle = vi.fn();
    startIdleExit({ clientCount: () => 0, graceMs: 10_000, onIdle, now: () => Date.now() });
    vi.advanceTimersByTime(9_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('restarts the grace period whenever a client was connected', () => {
    let clients = 1;
    const onIdle = vi.fn();
    startIdleExit({ clientCount: () => clients, graceMs: 5_000, onIdle, now: () => Date.now() });
    vi.advanceTimersByTime(60_000);
    expect(onIdle).not.toHaveBeenCalled();
    clients = 0;                    // the port-forward dropped
    vi.advanceTimersByTime(3_000);
    clients = 1;                    // the client reconnected within the grace period
    vi.advanceTimersByTime(10_000);
    expect(onIdle).not.toHaveBeenCalled();
    clients = 0;
    vi.advanceTimersByTime(6_500);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('a shared agent: a long grace until the first session, a short one after the last leaves', () => {
    let clients = 0;
    const onIdle = vi.fn();
    startIdleExit({ clientCount: () => clients, graceMs: 10_000, afterLastClientMs: 200, onIdle, now: () => Date.now(), checkEveryMs: 50 });
    vi.advanceTimersByTime(5_000);
    clients = 2;                    // two sessions
    vi.advanceTimersByTime(1_000);
    clients = 1;                    // one left: the other keeps the agent
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
    clients = 0;
    vi.advanceTimersByTime(300);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('a session that came and went between two looks still shortens the grace', () => {
    const onIdle = vi.fn();
    startIdleExit({ clientCount: () => 0, clientsSeen: () => 1, graceMs: 10_000, afterLastClientMs: 200, onIdle, now: () => Date.now(), checkEveryMs: 50 });
    vi.advanceTimersByTime(300);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('stops when asked', () => {
    const onIdle = vi.fn();
    const stop = startIdleExit({ clientCount: () => 0, graceMs: 1_000, onIdle, now: () => Date.now() });
    stop();
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});

describe('parseIdleExitSeconds', () => {
  it('accepts positive seconds and rejects the rest', () => {
    expect(parseIdleExitSeconds('10')).toBe(10);
    expect(parseIdleExitSeconds('2.5')).toBe(2.5);
    for (const bad of ['0', '-1', 'ten', '']) expect(() => parseIdleExitSeconds(bad)).toThrow(/--idle-exit expects/);
  });
});
