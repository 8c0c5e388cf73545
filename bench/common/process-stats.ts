// Process figures the data-path benchmarks print: CPU seconds of this process plus other local
// processes on the path (the agent), and a process's resident memory, from /proc.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds in user and kernel mode used so far by process `pid` (its children not included). */
export function processCpuSplit(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND };
}

/** CPU seconds (user + system) used so far by process `pid` (its children not included). */
export function processCpuSeconds(pid: number): number {
  const { user, system } = processCpuSplit(pid);
  return user + system;
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

/** How long after a transfer the agent's RSS is read: an idle agent gives memory back within ≈ 2.5 s (agent/src/memory-release.ts). */
export const SETTLE_MS = 4000;

/** RSS of `pid` SETTLE_MS after a transfer: what the transfer left behind. */
export async function settledRssMb(pid: number, ms = SETTLE_MS): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return rssMb(pid);
}
