// Leak check for the agent tier: the agent process's open file descriptors (/proc/PID/fd) once
// its clients are gone must be no more than before they came. Each test file takes a baseline
// after its set-up and checks it after its scenario (or in afterAll, before stopping the agent).
// The agent closes sockets asynchronously after a client leaves, so the check waits (bounded)
// for the count to come back, and on failure names the descriptors that remain.
import { readdirSync, readlinkSync } from 'node:fs';

/** Open descriptors of `pid` (0: the process has exited). */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** What each descriptor of `pid` refers to ("socket:[123]", "/dev/null", "anon_inode:bpf-map"). */
export function fdTargets(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  let fds: string[] = [];
  try { fds = readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const fd of fds) {
    try { out.set(fd, readlinkSync(`/proc/${pid}/fd/${fd}`)); } catch { /* closed meanwhile */ }
  }
  return out;
}

export interface FdBaseline {
  readonly pid: number;
  readonly count: number;
  /** Waits (bounded) until the count is back at or below the baseline; throws naming the extra fds. */
  expectNoGrowth(what?: string, timeoutMs?: number): Promise<void>;
}

/** Records `pid`'s descriptors now, to compare once the clients of this scenario are gone. */
export function fdBaseline(pid: number): FdBaseline {
  const before = fdTargets(pid);
  return {
    pid,
    count: before.size,
    async expectNoGrowth(what = 'the scenario', timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (fdCount(pid) > before.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const now = fdTargets(pid);
      if (now.size <= before.size) return;
      const added = [...now].filter(([fd, target]) => before.get(fd) !== target).map(([fd, target]) => `${fd} -> ${target}`);
      throw new Error(`pid ${pid} holds ${now.size} fds after ${what}, ${before.size} before: ${added.slice(0, 20).join(', ')}`);
    },
  };
}
