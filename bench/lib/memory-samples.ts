// What the soak reads of a process's memory every 10 s, and how it judges "flat".
// RSS is split from /proc/PID/smaps so a step can be told apart: `brk` is glibc's main heap (small
// Buffer backing stores and native allocations of the main thread), `anon` every other anonymous
// mapping (V8's heap pages, large malloc chunks, thread arenas), `file` mapped files (the node binary).
import { readFileSync } from 'node:fs';

export interface MemorySample { s: number; rss: number; brk: number; anon: number; file: number }

/** One sample of `pid` at second `s` of the run, in MB (NaN once the process is gone). */
export function sampleMemory(pid: number, s: number): MemorySample {
  const mb = { rss: 0, brk: 0, anon: 0, file: 0 };
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return { s, rss: NaN, brk: NaN, anon: NaN, file: NaN };
  }
  let kind: 'brk' | 'anon' | 'file' = 'anon';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1] ?? '';
      kind = path === '[heap]' ? 'brk' : path === '' || path.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const kb = Number(rss[1]);
      mb[kind] += kb / 1024;
      mb.rss += kb / 1024;
    }
  }
  return { s, ...mb };
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface Flatness {
  /** RSS of the first sample at or after the warm-up. */
  atWarmupEnd: number;
  median: number;
  min: number;
  max: number;
  /** min and max against the median, in %. */
  low: number;
  high: number;
  /** Median of the last third of the steady samples against the first third, in %: a leak shows here. */
  trend: number;
  flat: boolean;
}

/**
 * Flatness after warm-up: warm-up ends at `warmupS` (the process has opened every connection and run
 * its first full collections; see the README), then every later sample is measured against their
 * median, and "flat" means all of them within ±`tolerancePct`.
 */
export function flatness(samples: MemorySample[], warmupS: number, tolerancePct = 10): Flatness {
  const steady = samples.filter((x) => x.s >= warmupS && Number.isFinite(x.rss)).map((x) => x.rss);
  const mid = median(steady);
  const [min, max] = [Math.min(...steady), Math.max(...steady)];
  const third = Math.max(1, Math.floor(steady.length / 3));
  const trend = (median(steady.slice(-third)) / median(steady.slice(0, third)) - 1) * 100;
  const low = (min / mid - 1) * 100;
  const high = (max / mid - 1) * 100;
  return { atWarmupEnd: steady[0] ?? NaN, median: mid, min, max, low, high, trend, flat: steady.length > 0 && low >= -tolerancePct && high <= tolerancePct };
}
