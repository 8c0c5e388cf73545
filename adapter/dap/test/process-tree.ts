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

/**
 * The processes of one session under a server that runs many (`root`: the server): every subtree
 * hanging off a direct child of `root` that holds a process whose environment has `marker`
 * ("NAME=value", set in the session's launch `env`, so the debuggee carries it; its debugger,
 * an ancestor under the same direct child, does not need to).
 */
export function sessionProcesses(root: number, marker: string): ProcessInfo[] {
  const all = descendants(root);
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const tops = new Set<number>();
  for (const p of all) {
    let environ = '';
    try {
      environ = readFileSync(`/proc/${p.pid}/environ`, 'utf8');
    } catch {
      continue; // gone
    }
    if (!environ.split('\0').includes(marker)) continue;
    let top = p;
    while (top.ppid !== root && byPid.has(top.ppid)) top = byPid.get(top.ppid)!; // has(): defined
    tops.add(top.pid);
  }
  return all.filter((p) => {
    for (let q: ProcessInfo | undefined = p; q; q = byPid.get(q.ppid)) if (tops.has(q.pid)) return true;
    return false;
  });
}
