// Why a remote attach session ended: the target container instance at attach compared with the
// one when the inspector connection closed (pod deleted, container restarted, or only the tunnel).
import type { RemoteProcessAccess, TargetIdentity } from '../contract.js';
import { withTimeout } from '../../common/errors.js';

export function whyEnded(before: TargetIdentity | undefined, after: TargetIdentity | Error | undefined): string {
  if (!before) return 'the connection to the process\'s inspector closed';
  if (after instanceof Error) return `the connection to the process's inspector closed (pod ${before.pod} could not be read: ${after.message})`;
  if (!after) return 'the connection to the process\'s inspector closed';
  if (after.deleted || after.deleting || (after.uid && before.uid && after.uid !== before.uid)) {
    return `pod ${before.pod} was deleted${after.pod !== before.pod ? ` (the target is now pod ${after.pod}; attach again to debug it)` : ''}`;
  }
  if (after.containerId !== before.containerId) return `the container of pod ${before.pod} restarted (the process attached to is gone)`;
  return `the tunnel to the agent was lost (pod ${before.pod} and its container are unchanged)`;
}

/** Reads the identity at attach; returns what says, at the end, why the session ended. */
export async function watchSessionEnd(remote: RemoteProcessAccess): Promise<() => Promise<string>> {
  const read = (): Promise<TargetIdentity | undefined> => (remote.identity ? withTimeout(remote.identity(), 5_000, 'reading the target pod') : Promise.resolve(undefined));
  const before = await read().catch(() => undefined);
  return async () => whyEnded(before, await read().catch((e: unknown) => e as Error));
}
