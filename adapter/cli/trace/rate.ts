// Events per second over a sliding window, for the live table's header. Counts go into one bucket
// per tick (default 1 s); the rate is the sum of the last `windowTicks` full buckets plus the
// running one, divided by the time they cover, so it reacts within a second and does not jump
// to zero between bursts. The clock is injected (tests, and one clock for all gadgets).

export interface RateMeterOptions {
  /** Milliseconds per bucket. Default 1000. */
  tickMs?: number;
  /** Full buckets kept. Default 5. */
  windowTicks?: number;
  now?: () => number;
}

export class RateMeter {
  private readonly tickMs: number;
  private readonly windowTicks: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** buckets[i] counts tick `firstTick + i`. */
  private buckets: number[] = [0];
  private firstTick: number;
  total = 0;

  constructor(opts: RateMeterOptions = {}) {
    this.tickMs = opts.tickMs ?? 1000;
    this.windowTicks = opts.windowTicks ?? 5;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.firstTick = this.tickOf(this.startedAt);
  }

  private tickOf(t: number): number {
    return Math.floor(t / this.tickMs);
  }

  /** Drops buckets older than the window and opens empty ones up to the current tick. */
  private advance(t: number): void {
    const current = this.tickOf(t);
    const last = this.firstTick + this.buckets.length - 1;
    for (let k = last + 1; k <= current; k++) this.buckets.push(0);
    const keep = this.windowTicks + 1;
    if (this.buckets.length > keep) {
      this.firstTick += this.buckets.length - keep;
      this.buckets = this.buckets.slice(-keep);
    }
  }

  add(count = 1): void {
    const t = this.now();
    this.advance(t);
    this.buckets[this.buckets.length - 1]! += count;
    this.total += count;
  }

  /** Events per second over the window (or since start, when that is shorter). */
  perSecond(): number {
    const t = this.now();
    this.advance(t);
    const windowStart = Math.max(this.startedAt, this.firstTick * this.tickMs);
    const span = t - windowStart;
    if (span <= 0) return 0;
    const sum = this.buckets.reduce((a, b) => a + b, 0);
    return (sum * 1000) / span;
  }
}

/** `12/s`, `1.5/s`, `3.2k/s`: short enough for a header. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(0)}k/s`;
  if (perSecond >= 1000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  if (perSecond >= 10) return `${Math.round(perSecond)}/s`;
  return `${perSecond.toFixed(1)}/s`;
}
