// Processes seen through /proc, for tests that check what outlives a process: the descendants of
// a pid (taken while it runs), and a wait until a set of pids is gone, with a deadline.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
}

/** The process, or undefined when it is gone (a zombie counts as gone: it runs nothing). */
export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may contain spaces
    const state = fields[0] ?? '?';
    if (state === 'Z' || state === 'X') return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(fields[1]), state, cmdline };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (not `root` itself). */
export function descendants(root: number): ProcessInfo[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
    .map(processInfo).filter((p): p is ProcessInfo => p !== undefined);
  const found: ProcessInfo[] = [];
  const parents = [root];
  while (parents.length) {
    const parent = parents.shift()!; // non-empty: checked by the loop condition
    for (const p of all) if (p.ppid === parent) { found.push(p); parents.push(p.pid); }
  }
  return found;
}

/** Resolves with the processes still alive when `timeoutMs` passes, or [] as soon as all are gone. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.map(processInfo).filter((p): p is ProcessInfo => p !== undefined);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGKILLs whatever is left of `pids` and their descendants (test cleanup after a failure). */
export function killLeftovers(pids: number[]): void {
  const all = [...pids, ...pids.flatMap((pid) => descendants(pid).map((p) => p.pid))];
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
