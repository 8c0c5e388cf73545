// copy_target: a copy of the target pod for one session, so stealing never touches the pod that
// serves others. The copy runs as a Job (the role creates Jobs, never bare pods) whose pod template
// is the target pod's spec with kmirror's labels only — no Service or controller selects it.
// Lifetime: an empty "owner" Secret owns the copy Job. It is created owned by a placement anchor
// (placement-anchor.ts), and once the session's agent Job exists the agent Job becomes its only
// owner and the anchor is deleted. So the copy goes when the session closes (deleted explicitly),
// after kill -9 of the client once placed (the agent's idle exit and the Job's TTL delete the agent
// Job, and the garbage collector follows Secret → copy Job → pod), and after kill -9 before that
// (the anchor's deadline ends it, and the garbage collector follows the same chain).
import { randomBytes } from 'node:crypto';
import type { V1Job, V1OwnerReference, V1Pod, V1PodSpec, V1Secret } from '@kubernetes/client-node';
import { ANNOTATION_TARGET, LABEL_MANAGED_BY, LABEL_NAME, LABEL_SESSION } from './agent-pod-spec.js';
import { deleteTokenSecret, ownerReference, setTokenSecretOwner } from './agent-token-secret.js';
import { ClusterError, kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { anchorLifetimeSeconds, createPlacementAnchor } from './placement-anchor.js';
import { waitForPods } from './pod-informer.js';
import { pauseForTest } from './test-pause.js';

export const COPY_NAME = 'kmirror-target-copy';
// The token volume the ServiceAccount admission adds to every pod: it adds it again to the copy.
const SA_TOKEN_VOLUME = /^kube-api-access-/;

export interface TargetCopy {
  readonly copyId: string;
  readonly namespace: string;
  readonly jobName: string;
  /** The running copy pod (target it as pod/NAME). */
  readonly podName: string;
  /** Makes the session's agent Job the owner of the copy (via the owner Secret). */
  adoptBy(agentJob: V1OwnerReference): Promise<void>;
  /** Deletes the copy now (Job, its pod, the owner Secret); gone objects are fine. */
  remove(): Promise<void>;
}

/** Name of the copy's Job and owner Secret (≤ 52 characters, as the agent's names). */
export function copyJobName(podName: string, copyId: string): string {
  return `${podName.slice(0, 30).replace(/-+$/, '')}-kmcopy-${copyId}`;
}

function copyLabels(copyId: string): Record<string, string> {
  return { [LABEL_NAME]: COPY_NAME, [LABEL_MANAGED_BY]: 'kmirror', [LABEL_SESSION]: copyId };
}

/** The target pod's spec made fit for a Job's pod template: unscheduled, no ephemeral or token volumes. Pure. */
export function copyPodSpec(spec: V1PodSpec): V1PodSpec {
  const { nodeName: _n, ephemeralContainers: _e, hostname: _h, subdomain: _s, ...rest } = spec;
  const keep = (name: string) => !SA_TOKEN_VOLUME.test(name);
  const strip = <C extends { volumeMounts?: Array<{ name: string }> }>(c: C): C => ({ ...c, volumeMounts: (c.volumeMounts ?? []).filter((m) => keep(m.name)) });
  return {
    ...rest,
    // Jobs allow Never/OnFailure; a copy that crashes stays down (the agent targets its one container).
    restartPolicy: 'Never',
    containers: spec.containers.map(strip),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(strip) } : {}),
    volumes: (spec.volumes ?? []).filter((v) => keep(v.name)),
  };
}

/** The copy Job for `pod`, owned by the owner Secret. Pure. */
export function buildCopyJob(pod: V1Pod, o: { copyId: string; owner: V1OwnerReference; activeDeadlineSeconds: number; ttlSecondsAfterFinished: number }): V1Job {
  const podName = pod.metadata?.name ?? 'pod';
  const labels = copyLabels(o.copyId);
  const annotations = { [ANNOTATION_TARGET]: `${pod.metadata?.namespace}/${podName}` };
  if (!pod.spec) throw new ClusterError('INVALID_TARGET', `pod ${podName} has no spec to copy`);
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: copyJobName(podName, o.copyId), namespace: pod.metadata?.namespace ?? '', labels, annotations, ownerReferences: [o.owner] },
    spec: {
      backoffLimit: 0, activeDeadlineSeconds: o.activeDeadlineSeconds, ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
      template: { metadata: { labels, annotations }, spec: copyPodSpec(pod.spec) },
    },
  };
}

/** Starts a copy of `pod` and waits until `container` runs in it and the pod is ready. */
export async function createTargetCopy(access: KubeAccess, pod: V1Pod, container: string,
  o: { activeDeadlineSeconds: number; ttlSecondsAfterFinished: number; timeoutMs: number; signal?: AbortSignal }): Promise<TargetCopy> {
  const namespace = pod.metadata?.namespace ?? access.namespace;
  const copyId = randomBytes(4).toString('hex');
  const jobName = copyJobName(pod.metadata?.name ?? 'pod', copyId);
  // Before adoption come the copy's start and its agent's start, each bounded by timeoutMs.
  const anchor = await createPlacementAnchor(access, {
    namespace, sessionId: copyId, image: pod.spec?.containers[0]?.image ?? 'none', lifetimeSeconds: anchorLifetimeSeconds(2 * o.timeoutMs),
  });
  const ownerSecret: V1Secret = {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: jobName, namespace, labels: copyLabels(copyId), ownerReferences: [anchor.owner] }, type: 'Opaque', immutable: true,
  };
  const remove = async (): Promise<void> => {
    const results = await Promise.allSettled([
      kubeCall(`deleting the target copy ${jobName} in namespace ${namespace}`,
        () => access.batch.deleteNamespacedJob({ name: jobName, namespace, propagationPolicy: 'Background', gracePeriodSeconds: 0 }))
        .catch((err: unknown) => { if (statusCodeOf(err) !== 404) throw err; }),
      deleteTokenSecret(access, namespace, jobName),
      anchor.remove(),
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    // The create answer carries the uid the owner reference needs (the role may not read Secrets).
    const created = await kubeCall(`creating the copy owner secret ${jobName} in namespace ${namespace}`,
      () => access.core.createNamespacedSecret({ namespace, body: ownerSecret }));
    const owner = ownerReference('v1', 'Secret', created.metadata);
    const job = buildCopyJob(pod, { copyId, owner, activeDeadlineSeconds: o.activeDeadlineSeconds, ttlSecondsAfterFinished: o.ttlSecondsAfterFinished });
    await kubeCall(`creating the target copy ${jobName} in namespace ${namespace}`, () => access.batch.createNamespacedJob({ namespace, body: job }));
    await pauseForTest('copy');
    const podName = await waitForPods(access, {
      namespace, labelSelector: `${LABEL_SESSION}=${copyId}`, timeoutMs: o.timeoutMs, what: `starting the target copy ${jobName}`,
      ...(o.signal ? { signal: o.signal } : {}),
    }, (pods) => readyCopy(pods, container));
    return {
      copyId, namespace, jobName, podName, remove,
      // The agent Job replaces the anchor (or the previous agent) as the only owner; the anchor then goes.
      async adoptBy(agentJob) {
        await setTokenSecretOwner(access, namespace, jobName, agentJob);
        await anchor.remove().catch(() => undefined); // else it deletes itself at its deadline
      },
    };
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
}

/** The ready copy pod's name; throws when the copy failed. */
function readyCopy(pods: readonly V1Pod[], container: string): string | undefined {
  for (const pod of pods) {
    const st = pod.status?.containerStatuses?.find((c) => c.name === container);
    if (pod.status?.phase === 'Failed' || st?.state?.terminated) {
      throw new ClusterError('AGENT_FAILED', `the target copy ${pod.metadata?.name} stopped: ${st?.state?.terminated?.reason ?? pod.status?.reason ?? pod.status?.phase}`);
    }
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (ready && st?.state?.running) return pod.metadata?.name;
  }
  return undefined;
}
