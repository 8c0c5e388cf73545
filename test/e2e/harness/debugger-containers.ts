// The debugger containers a remote attach places in a pod (ephemeral containers named kmirror-dlv-… or
// kmirror-debugpy-…): their names, and the wait for them to exit after a detach or a crash.
import type { CoreV1Api, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { waitFor } from './cluster.js';

export type DebuggerPrefix = 'kmirror-dlv-' | 'kmirror-debugpy-';

/** The names of `pod`'s debugger containers (Kubernetes keeps an ephemeral container's record after it exits). */
export function debuggerContainers(pod: V1Pod, prefix: DebuggerPrefix): string[] {
  return (pod.spec?.ephemeralContainers ?? []).map((c) => c.name).filter((n) => n.startsWith(prefix));
}

/**
 * Waits until every debugger container of pod `name` has exited — and at least one ran, unless `atLeastOne` is
 * false — and returns their statuses.
 */
export async function waitForDebuggersExited(core: CoreV1Api, namespace: string, name: string, prefix: DebuggerPrefix,
  atLeastOne = true): Promise<V1ContainerStatus[]> {
  return waitFor(`the debugger containers ${prefix}* of ${name} to exit`, async () => {
    const pod = await core.readNamespacedPod({ namespace, name });
    const mine = (pod.status?.ephemeralContainerStatuses ?? []).filter((s) => s.name.startsWith(prefix));
    return (mine.length > 0 || !atLeastOne) && mine.every((s) => s.state?.terminated) ? mine : undefined;
  }, 60_000);
}
