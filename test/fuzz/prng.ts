// The seeded random source every fuzz input generator uses (HTTP, layer channel, DAP). The same
// seed must always give the same sequence: recorded findings name a seed and an input index, and
// prng.test.ts pins the first outputs and the generators' streams so a change here shows.

/** mulberry32: small, fast, seedable; values in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Choices drawn from one random source; each call consumes exactly one value. */
export class Gen {
  constructor(readonly random: () => number) {}
  int(n: number): number { return Math.floor(this.random() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; } // int(n) < n: always an index of xs
  chance(p: number): boolean { return this.random() < p; }
}
