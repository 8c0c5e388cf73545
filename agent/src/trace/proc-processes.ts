// The target's processes from /proc: every process whose network namespace is the target's
// (readlink /proc/PID/ns/net = "net:[ino]"). Processes that exit while being read are skipped.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { SnapshotProcess } from '#proto/runtime/types.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096;

/** Pids (host view) of the processes in the network namespace with inode `netnsIno`. */
export function pidsInNetns(netnsIno: number, proc = '/proc'): number[] {
  const want = `net:[${netnsIno}]`;
  const pids: number[] = [];
  for (const name of readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`${proc}/${name}/ns/net`) === want) pids.push(Number(name));
    } catch { /* exited, or not ours to read */ }
  }
  return pids.sort((a, b) => a - b);
}

function bootTimeUs(proc: string): number {
  const btime = /^btime\s+(\d+)$/m.exec(readFileSync(`${proc}/stat`, 'utf8'))?.[1];
  return Number(btime ?? 0) * 1e6;
}

/** /proc/PID/stat after the "(comm)" field, which may itself hold spaces and parentheses. */
export function parseStat(text: string): { comm: string; state: string; ppid: number; startTicks: number; rssPages: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '', ppid: Number(rest[1]), startTicks: Number(rest[19]), rssPages: Number(rest[21]) };
}

export function readProcesses(pids: readonly number[], proc = '/proc'): SnapshotProcess[] {
  const boot = bootTimeUs(proc);
  const out: SnapshotProcess[] = [];
  for (const pid of pids) {
    try {
      const stat = parseStat(readFileSync(`${proc}/${pid}/stat`, 'utf8'));
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`${proc}/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const argv = readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.at(-1) === '') argv.pop();
      out.push({ pid, ppid: stat.ppid, uid, comm: stat.comm, argv, state: stat.state, rssBytes: stat.rssPages * PAGE_BYTES, startTimeUs: boot + (stat.startTicks / CLOCK_TICKS) * 1e6 });
    } catch { /* exited while being read */ }
  }
  return out;
}
