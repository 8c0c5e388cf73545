// Pure reading of the agent container's state from its pod: still starting, running, or failed
// with a message a user can act on (image missing, rejected, exited). Works for the node Job's
// container and for an ephemeral container.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

export type AgentContainerState =
  | { state: 'pending'; detail: string }
  | { state: 'running' }
  | { state: 'failed'; message: string };

// Waiting reasons that will not resolve by themselves. CreateContainerConfigError is not one: the
// kubelet retries it, and it is what a just-created token Secret looks like until the kubelet's
// secret cache has synced ("failed to sync secret cache"); it stays pending, with its message, until
// the start-up deadline.
const FATAL_WAITING = new Set([
  'ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName',
  'CreateContainerError', 'RunContainerError', 'CrashLoopBackOff',
]);

/** Classifies the agent container `name` of `pod` (ephemeral: look in ephemeralContainerStatuses). */
export function agentContainerState(pod: V1Pod, name: string, ephemeral: boolean): AgentContainerState {
  const podName = pod.metadata?.name ?? '?';
  const statuses: V1ContainerStatus[] = (ephemeral ? pod.status?.ephemeralContainerStatuses : pod.status?.containerStatuses) ?? [];
  const status = statuses.find((s) => s.name === name);
  if (pod.metadata?.deletionTimestamp) return { state: 'failed', message: `agent pod ${podName} is being deleted` };
  if (!ephemeral && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !status?.state?.terminated) {
    return { state: 'failed', message: `agent pod ${podName} ended (${pod.status.phase}${pod.status.reason ? `: ${pod.status.reason}` : ''}${pod.status.message ? ` ${pod.status.message}` : ''})` };
  }
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
    const hint = waiting.reason === 'ErrImageNeverPull' || waiting.reason === 'ErrImagePull' || waiting.reason === 'ImagePullBackOff'
      ? ` (image ${status.image}; set agent.image / agent.image_pull_policy, or import the image on the node)` : '';
    return { state: 'failed', message: `agent container ${name} in pod ${podName} cannot start: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}${hint}` };
  }
  return { state: 'pending', detail: `container ${name}: ${waiting?.reason ?? 'waiting'}${waiting?.message ? ` (${waiting.message})` : ''}` };
}
