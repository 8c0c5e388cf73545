// Watches the pod behind a session's target and says when the session must move: the pod is
// being deleted, stopped running, or its target container was restarted (new container ID, so a
// node agent's PID is stale). Finding the replacement is resolveKubeTarget's job.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeAccess } from './kube-access.js';
import { startPodInformer, type PodInformer } from './pod-informer.js';
import { runningContainerId } from './pod-selection.js';
import type { ResolvedKubeTarget } from './resolve-target.js';

/** Why the current target no longer holds, or undefined while it does. Pure. */
export function targetStaleReason(current: { podUid: string; podName: string; containerName: string; containerId: string },
  pods: readonly V1Pod[]): string | undefined {
  const pod = pods.find((p) => p.metadata?.uid === current.podUid);
  if (!pod) return `target pod ${current.podName} is gone`;
  if (pod.metadata?.deletionTimestamp) return `target pod ${current.podName} is being deleted`;
  const id = runningContainerId(pod, current.containerName);
  if (!id) return `container ${current.containerName} of pod ${current.podName} is not running`;
  if (id !== current.containerId) return `container ${current.containerName} of pod ${current.podName} was restarted`;
  return undefined;
}

/** Calls `onStale` once when the target stops holding; stop() ends the watch. */
export function followTarget(access: KubeAccess, target: ResolvedKubeTarget, onStale: (reason: string) => void,
  signal?: AbortSignal): PodInformer {
  let fired = false;
  const current = { podUid: target.podUid, podName: target.podName, containerName: target.container.name, containerId: target.containerId };
  return startPodInformer(access, {
    namespace: target.namespace,
    ...(target.podSelector !== undefined ? { labelSelector: target.podSelector } : { fieldSelector: `metadata.name=${target.podName}` }),
    ...(signal ? { signal } : {}),
    onChange: (pods) => {
      if (fired) return;
      const reason = targetStaleReason(current, pods);
      if (reason) { fired = true; onStale(reason); }
    },
  });
}
