// Processes this workstation process started and must not outlive it: debuggers, debuggees, the
// layer launcher, local agents, build children. Each is spawned in a session of its own
// (`detached: true` = setsid), so it and every descendant that does not call setsid itself can be
// found and ended as one unit, and a terminal's signals reach only this process, whose handlers
// decide. Three ways they end with this process:
//   - a graceful shutdown (the owner's signal handlers) stops them through their normal owners
//     and waits for `whenNoneLeft`, then `killAll`;
//   - a normal exit or a crash that still runs 'exit' handlers: `killAll` from the 'exit' handler
//     when no reaper runs;
//   - SIGKILL, an abort, an OOM kill: kmirror-reaper (reaper-client.ts) sees its pipe close.
// A process that ends on its own is forgotten: what it leaves behind (a debuggee detached with
// terminateDebuggee: false) is the user's, as it was before.
import type { ChildProcess } from 'node:child_process';
import { ReaperClient } from './reaper-client.js';

/** Spawn options that make a child ownable as a unit (its own session and process group). */
export const OWNED_SPAWN_OPTIONS = { detached: true } as const;

const owned = new Map<number, ChildProcess>();
const emptyWaiters = new Set<() => void>();
let reaper: ReaperClient | undefined;
let problemListener: (message: string) => void = (message) => process.stderr.write(`kmirror: ${message}\n`);

/** Where reaper problems (binary missing, reaper died) are reported; stderr by default. */
export function onOwnedProcessProblem(listener: (message: string) => void): void {
  problemListener = listener;
}

/** Takes ownership of a child spawned with OWNED_SPAWN_OPTIONS; returns it for chaining. */
export function ownProcess<T extends ChildProcess>(child: T): T {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return child; // never started, or gone
  if (!reaper) {
    reaper = new ReaperClient((message) => problemListener(message));
    process.once('exit', () => {
      if (!reaper?.available) killAll('SIGKILL');
    });
  }
  owned.set(pid, child);
  reaper.own(pid);
  child.once('exit', () => {
    owned.delete(pid);
    reaper?.forget(pid);
    if (owned.size === 0) for (const w of emptyWaiters) w();
  });
  return child;
}

/** Pids of the owned processes still running. */
export function ownedPids(): number[] {
  return [...owned.keys()];
}

/** Resolves true once no owned process is left, false when `timeoutMs` passes first. */
export function whenNoneLeft(timeoutMs: number): Promise<boolean> {
  if (owned.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (value: boolean): void => {
      clearTimeout(timer);
      emptyWaiters.delete(onEmpty);
      resolve(value);
    };
    const onEmpty = (): void => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    emptyWaiters.add(onEmpty);
  });
}

/** Sends `signal` to every owned process group (synchronous, so it also works in an 'exit' handler). */
export function killAll(signal: NodeJS.Signals): void {
  for (const pid of owned.keys()) {
    try {
      process.kill(-pid, signal); // the group the child leads since its setsid
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already
      }
    }
  }
}
