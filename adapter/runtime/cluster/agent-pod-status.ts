// Pure reading of the agent container's state from its pod: still starting, running, or failed
// with the API's reason and the command that fixes it (image not pullable, pod not schedulable,
// container rejected or exited). Works for the node Job's container and for an ephemeral container.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { PACKAGE_VERSION } from './agent-defaults.js';

export type AgentContainerState =
  | { state: 'pending'; detail: string }
  | { state: 'running' }
  | { state: 'failed'; message: string };

const IMAGE_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);
// Waiting reasons that will not resolve by themselves. CreateContainerConfigError is not one: the
// kubelet retries it, and it is what a just-created token Secret looks like until the kubelet's
// secret cache has synced ("failed to sync secret cache"); it stays pending, with its message, until
// the start-up deadline.
const FATAL_WAITING = new Set([...IMAGE_WAITING, 'CreateContainerError', 'RunContainerError', 'CrashLoopBackOff']);

/** What to run when the cluster cannot pull `image`: build it where the cluster can pull it, then select it. */
export function imageFix(image: string): string {
  const suggested = `REGISTRY/kmirror-agent:${PACKAGE_VERSION}`;
  return `the cluster cannot get the agent image ${image}. Fix: build it and put it where the cluster pulls from — ` +
    `\`kmirror image build --push --tag ${suggested}\` (a registry the nodes can pull from), then set "agent": {"image": "${suggested}"}; ` +
    'or, for a local cluster, `kmirror image build --load kind|minikube|k3d|containerd`. `kmirror image ref` shows the image sessions use';
}

/** What to do when the node agent's pod cannot be scheduled (targetless agents are scheduled like any pod). */
export const UNSCHEDULABLE_FIX = 'Fix: free or add a node that accepts the pod, or run the agent inside the target pod instead: ' +
  '"agent": {"ephemeral": true} (kmirror exec/doctor --ephemeral)';

/** Classifies the agent container `name` of `pod` (ephemeral: look in ephemeralContainerStatuses). */
export function agentContainerState(pod: V1Pod, name: string, ephemeral: boolean): AgentContainerState {
  const podName = pod.metadata?.name ?? '?';
  const statuses: V1ContainerStatus[] = (ephemeral ? pod.status?.ephemeralContainerStatuses : pod.status?.containerStatuses) ?? [];
  const status = statuses.find((s) => s.name === name);
  if (pod.metadata?.deletionTimestamp) return { state: 'failed', message: `agent pod ${podName} is being deleted` };
  if (!ephemeral && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !status?.state?.terminated) {
    return { state: 'failed', message: `agent pod ${podName} ended (${pod.status.phase}${pod.status.reason ? `: ${pod.status.reason}` : ''}${pod.status.message ? ` ${pod.status.message}` : ''})` };
  }
  const unschedulable = !ephemeral && unschedulableReason(pod);
  if (unschedulable) return { state: 'failed', message: `agent pod ${podName} cannot be scheduled: ${unschedulable}. ${UNSCHEDULABLE_FIX}` };
  if (!status) return { state: 'pending', detail: `pod ${podName} ${pod.status?.phase ?? 'Pending'}` };
  const st = status.state;
  if (st?.running) return { state: 'running' };
  if (st?.terminated) {
    const t = st.terminated;
    const how = t.signal ? `signal ${t.signal}` : `exit code ${t.exitCode}`;
    const msg = t.message?.trim() ? `: ${t.message.trim().slice(-500)}` : '';
    return { state: 'failed', message: `agent container ${name} in pod ${podName} exited (${how}${t.reason ? `, ${t.reason}` : ''})${msg}` };
  }
  const waiting = st?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const fix = IMAGE_WAITING.has(waiting.reason) ? ` — ${imageFix(status.image)}` : '';
    return { state: 'failed', message: `agent container ${name} in pod ${podName} cannot start: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}${fix}` };
  }
  return { state: 'pending', detail: `container ${name}: ${waiting?.reason ?? 'waiting'}${waiting?.message ? ` (${waiting.message})` : ''}` };
}

/** The scheduler's reason when it found no node for the pod (PodScheduled=False, Unschedulable). */
function unschedulableReason(pod: V1Pod): string | undefined {
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (cond?.status !== 'False' || cond.reason !== 'Unschedulable') return undefined;
  return cond.message?.trim() || 'Unschedulable';
}
