import { describe, expect, it } from 'vitest';
import { formatRate, RateMeter } from './rate.js';

describe('RateMeter', () => {
  it('averages over the time since start while it is shorter than the window', () => {
    let now = 10_000;
    const m = new RateMeter({ now: () => now });
    m.add(5);
    now += 500;
    expect(m.perSecond()).toBe(10);
    now += 1500;
    m.add(5);
    expect(m.perSecond()).toBe(5);
    expect(m.total).toBe(10);
  });

  it('forgets events older than the window', () => {
    let now = 0;
    const m = new RateMeter({ now: () => now, windowTicks: 2 });
    m.add(100);
    now = 10_000;
    expect(m.perSecond()).toBe(0);
    m.add(3);
    now = 10_500;
    // Window: ticks 8, 9 (empty) and the running tick 10 → 3 events over 2.5 s.
    expect(m.perSecond()).toBeCloseTo(3 / 2.5);
    expect(m.total).toBe(103);
  });

  it('reports 0 before any time has passed', () => {
    const m = new RateMeter({ now: () => 5 });
    m.add(1);
    expect(m.perSecond()).toBe(0);
  });
});

describe('formatRate', () => {
  it('keeps the figure short', () => {
    expect(formatRate(0)).toBe('0.0/s');
    expect(formatRate(2.25)).toBe('2.3/s');
    expect(formatRate(57.4)).toBe('57/s');
    expect(formatRate(1234)).toBe('1.2k/s');
    expect(formatRate(45_600)).toBe('46k/s');
  });
});
