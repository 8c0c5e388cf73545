// Process figures the data-path benchmarks print: CPU seconds of this process plus other local
// processes on the path (the agent), and a process's resident memory, from /proc.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) used so far by process `pid` (its children not included). */
export function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds used so far by this process and by each of `pids`. */
export function cpuSeconds(...pids: number[]): number {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1e6 + pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

/** Resident set size of `pid` in MB. */
export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

/** CPU milliseconds per GB moved, from CPU seconds spent moving `bytes`. */
export function cpuMsPerGB(seconds: number, bytes: number): number {
  return (seconds / (bytes / 1e9)) * 1000;
}

/** RSS of `pid` once it stopped falling (sampled every 250 ms, at most `ms`): what a transfer left behind. */
export async function settledRssMb(pid: number, ms = 5000): Promise<number> {
  let last = rssMb(pid);
  for (let waited = 0; waited < ms; waited += 250) {
    await new Promise((r) => setTimeout(r, 250));
    const now = rssMb(pid);
    if (waited >= 2000 && now >= last - 0.1) return now;
    last = now;
  }
  return last;
}
