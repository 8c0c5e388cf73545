// Leak check for the agent tier: the agent process's open file descriptors (/proc/PID/fd) once
// its clients are gone must be no more than before they came. Each test file takes a baseline
// after its set-up and checks it after its scenario (or in afterAll, before stopping the agent).
// The agent closes sockets asynchronously after a client leaves, so the check waits (bounded)
// for the count to come back, and on failure names the descriptors that remain.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Inodes of the unix sockets in `pid`'s network namespace (/proc/PID/net/unix). */
function unixSocketInodes(pid: number): Set<string> {
  try {
    return new Set(readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)[6] ?? '').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * Records `pid`'s descriptors now, to compare once the clients of this scenario are gone.
 * `skipUnixSockets`: for an agent running inside the test process, whose child processes' stdio
 * (unix socket pairs, e.g. a client spawned in the namespace) are the test's, not the agent's.
 */
export function fdBaseline(pid: number, opts: { skipUnixSockets?: boolean } = {}): FdBaseline {
  const counted = (): Map<string, string> => {
    const all = fdTargets(pid);
    if (!opts.skipUnixSockets) return all;
    const unix = unixSocketInodes(pid);
    return new Map([...all].filter(([, target]) => !unix.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '')));
  };
  const before = counted();
  return {
    pid,
    count: before.size,
    async expectNoGrowth(what = 'the scenario', timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (counted().size > before.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const now = counted();
      if (now.size <= before.size) return;
      const sockets = describeSockets();
      const added = [...now].filter(([fd, target]) => before.get(fd) !== target).map(([fd, target]) => `${fd} -> ${target}${sockets.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '') ?? ''}`);
      throw new Error(`pid ${pid} holds ${now.size} fds after ${what}, ${before.size} before: ${added.slice(0, 20).join(', ')}`);
    },
  };
}

/** Socket inode → " tcp CLOSE-WAIT 10.0.0.2:8080 <- 10.0.0.1:41234", from `ss` in the host and every namespace. */
function describeSockets(): Map<string, string> {
  const out = new Map<string, string>();
  const ss = (prefix: string[]): void => {
    let text = '';
    try { text = execFileSync(prefix[0] as string, [...prefix.slice(1), 'ss', '-tuanHe'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 }); } catch { return; }
    for (const line of text.split('\n')) {
      const f = line.trim().split(/\s+/);
      const ino = /ino:(\d+)/.exec(line)?.[1];
      if (ino && f.length >= 6) out.set(ino, ` (${f[0]} ${f[1]} ${f[4]} <- ${f[5]})`);
    }
  };
  ss(['env']);
  let names: string[] = [];
  try { names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean); } catch { /* no namespaces */ }
  for (const name of names) ss(['ip', 'netns', 'exec', name]);
  return out;
}
