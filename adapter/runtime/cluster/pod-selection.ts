// Pure helpers for picking the pod behind a workload: label selectors to query strings, pod
// readiness, and the choice among several ready pods (the one ready longest, so a session does
// not land on a pod that is still warming up or already being replaced).
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import { ClusterError } from './errors.js';

/** Renders a LabelSelector as the API's `labelSelector` query string. */
export function labelSelectorToString(selector: V1LabelSelector | undefined, what: string): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) parts.push(`${key}=${value}`);
  for (const expr of selector?.matchExpressions ?? []) {
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In': parts.push(`${expr.key} in (${values.join(',')})`); break;
      case 'NotIn': parts.push(`${expr.key} notin (${values.join(',')})`); break;
      case 'Exists': parts.push(expr.key); break;
      case 'DoesNotExist': parts.push(`!${expr.key}`); break;
      default: throw new ClusterError('UNSUPPORTED', `${what}: unknown label selector operator "${expr.operator}"`);
    }
  }
  // An empty selector would match every pod in the namespace: never what a target means.
  if (parts.length === 0) throw new ClusterError('INVALID_TARGET', `${what} has an empty pod selector`);
  return parts.join(',');
}

/** Renders a Service's plain map selector. */
export function mapSelectorToString(selector: Record<string, string> | undefined, what: string): string {
  return labelSelectorToString(selector ? { matchLabels: selector } : undefined, what);
}

/** When the pod became Ready, or undefined when it is not ready, not running, or being deleted. */
export function readySince(pod: V1Pod): Date | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  if (pod.status?.phase !== 'Running') return undefined;
  const ready = pod.status.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return undefined;
  const at = ready.lastTransitionTime;
  return at ? new Date(at) : new Date(0);
}

export function isPodReady(pod: V1Pod): boolean {
  return readySince(pod) !== undefined;
}

/** The ready pod that has been ready longest (ties: by name), or undefined. */
export function pickReadyPod(pods: readonly V1Pod[]): V1Pod | undefined {
  let best: { pod: V1Pod; since: number; name: string } | undefined;
  for (const pod of pods) {
    const since = readySince(pod);
    if (!since) continue;
    const cand = { pod, since: since.getTime(), name: pod.metadata?.name ?? '' };
    if (!best || cand.since < best.since || (cand.since === best.since && cand.name < best.name)) best = cand;
  }
  return best?.pod;
}

/** The runtime's container ID ("containerd://<hex>" → "<hex>") of a running container, if any. */
export function runningContainerId(pod: V1Pod, container: string): string | undefined {
  const status = pod.status?.containerStatuses?.find((s) => s.name === container);
  if (!status?.state?.running || !status.containerID) return undefined;
  const id = status.containerID.replace(/^[a-z0-9-]+:\/\//, '');
  return /^[0-9a-f]{12,128}$/.test(id) ? id : undefined;
}

/** One line for error messages: why no pod of a workload is ready. */
export function describeNotReady(pods: readonly V1Pod[]): string {
  if (pods.length === 0) return 'no pods match its selector';
  return pods.slice(0, 5).map((p) => {
    const name = p.metadata?.name ?? '?';
    if (p.metadata?.deletionTimestamp) return `${name}: terminating`;
    const waiting = p.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting?.reason;
    return `${name}: ${p.status?.phase ?? 'Unknown'}${waiting ? ` (${waiting})` : ''}`;
  }).join('; ');
}
