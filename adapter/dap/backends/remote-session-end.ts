// Why a remote attach session ended: the target container instance at attach compared with the
// one after the debugger's connection closed (pod deleted, container restarted with its exit code
// and restart count, or only the tunnel). The pod status lags the process by a second or two (the
// kubelet notices the exit, then reports it), so the end waits, bounded, for the status to show it.
import type { ContainerExit, RemoteProcessAccess, TargetIdentity } from './contract.js';
import { withTimeout } from '../common/errors.js';

const READ_MS = 5_000;
/** How long the end waits for the pod status to show what happened (beyond: "the tunnel was lost"). */
const SETTLE_MS = 8_000;
const POLL_MS = 250;

function exitWords(exit: ContainerExit | undefined): string {
  if (!exit) return 'exit code unknown';
  const code = exit.exitCode !== undefined ? `exit code ${exit.exitCode}` : `signal ${exit.signal ?? 'unknown'}`;
  return exit.reason ? `${code}: ${exit.reason}` : code;
}

/**
 * True when the status says all there is to say: the pod is gone, or the container was started
 * again (new id, restart count up). A container just terminated is about to be restarted: its
 * end waits for that (the kubelet's first restart is immediate; a back-off outlasts the wait).
 */
export function endSettled(before: TargetIdentity, after: TargetIdentity): boolean {
  return !!(after.deleted || after.deleting || after.pod !== before.pod || (after.uid && before.uid && after.uid !== before.uid)
    || after.containerId !== before.containerId || (after.restartCount ?? 0) > (before.restartCount ?? 0));
}

/** `link`: what closed (the process's inspector, dlv's connection); `following`: the session goes on (no "attach again"). */
export function whyEnded(before: TargetIdentity | undefined, after: TargetIdentity | Error | undefined, link = 'the process\'s inspector', following = false): string {
  if (!before) return `the connection to ${link} closed`;
  if (after instanceof Error) return `the connection to ${link} closed (pod ${before.pod} could not be read: ${after.message})`;
  if (!after) return `the connection to ${link} closed`;
  if (after.deleted || after.deleting || (after.uid && before.uid && after.uid !== before.uid) || after.pod !== before.pod) {
    return `pod ${before.pod} was deleted${after.pod !== before.pod && !following ? ` (the target is now pod ${after.pod}; attach again to debug it)` : ''}`;
  }
  const container = `container ${after.container ?? before.container ?? '(target)'} of pod ${before.pod}`;
  const restarts = after.restartCount ?? 0;
  if (after.containerId !== before.containerId || restarts > (before.restartCount ?? 0)) {
    return `${container} restarted (${exitWords(after.lastExit)}, restart ${restarts}); the process attached to is gone`;
  }
  if (after.running === false) return `${container} stopped (${exitWords(after.lastExit)}, restart ${restarts}); the process attached to is gone and the kubelet starts it again after its back-off`;
  return `the tunnel to the agent was lost (pod ${before.pod} and its container are unchanged)`;
}

/** The target's identity now (bounded), or undefined for a target that has none (not Kubernetes). */
export function readIdentity(remote: RemoteProcessAccess): Promise<TargetIdentity | undefined> {
  return remote.identity ? withTimeout(remote.identity(), READ_MS, 'reading the target pod') : Promise.resolve(undefined);
}

/** Reads the identity at attach; returns what says, at the end, why the session ended. */
export async function watchSessionEnd(remote: RemoteProcessAccess, opts: { link?: string; settleMs?: number; following?: boolean } = {}): Promise<() => Promise<string>> {
  const before = await readIdentity(remote).catch(() => undefined);
  return async () => {
    const deadline = Date.now() + (opts.settleMs ?? SETTLE_MS);
    for (;;) {
      const after = await readIdentity(remote).catch((e: unknown) => e as Error);
      const settled = !before || !after || (!(after instanceof Error) && endSettled(before, after));
      if (settled || Date.now() >= deadline) return whyEnded(before, after, opts.link, opts.following);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
}
