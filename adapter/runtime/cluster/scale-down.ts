// copy_target.scale_down: the target's Deployment goes to 0 replicas while copies of its pod
// serve the sessions, and back to its replica count when the last such session ends. Several
// sessions may scale the same Deployment down: a Lease `kmirror-scaled-<deployment>` records the
// original count and the copies that hold it (optimistic replace, as the shared agent's Lease).
// A holder whose copy Job is gone (its client was killed) is dropped by the next session that
// joins or leaves, so the last live session restores the count.
import type { V1Lease, V1Pod } from '@kubernetes/client-node';
import { LABEL_MANAGED_BY, LABEL_NAME } from './agent-pod-spec.js';
import { createAgentLease, deleteAgentLease, readAgentLease, replaceAgentLease } from './agent-lease.js';
import { ClusterError, kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';

const ANNOTATION_REPLICAS = 'kmirror.dev/replicas';
const ANNOTATION_HOLDERS = 'kmirror.dev/holders';
const ROUNDS = 40;

/** The Deployment that owns `pod` (through its ReplicaSet), or undefined. Pure. */
export function deploymentOfPod(pod: V1Pod): string | undefined {
  const rs = pod.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet' && o.controller);
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (!rs || !hash || !rs.name.endsWith(`-${hash}`)) return undefined;
  return rs.name.slice(0, -hash.length - 1);
}

export function scaleLeaseName(deployment: string): string {
  return `kmirror-scaled-${deployment}`.slice(0, 63).replace(/-+$/, '');
}

function holdersOf(lease: V1Lease): string[] {
  try {
    const list: unknown = JSON.parse(lease.metadata?.annotations?.[ANNOTATION_HOLDERS] ?? '[]');
    return Array.isArray(list) ? list.filter((h): h is string => typeof h === 'string') : [];
  } catch {
    return [];
  }
}

function withHolders(lease: V1Lease, holders: readonly string[]): V1Lease {
  return { ...lease, metadata: { ...lease.metadata, annotations: { ...lease.metadata?.annotations, [ANNOTATION_HOLDERS]: JSON.stringify(holders) } } };
}

async function setReplicas(access: KubeAccess, namespace: string, name: string, replicas: number): Promise<void> {
  await kubeCall(`scaling deployment ${name} in namespace ${namespace} to ${replicas}`, () => access.apps.patchNamespacedDeploymentScale({
    name, namespace, body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
  }));
}

/** Copy Jobs among `holders` that still exist. */
async function liveHolders(access: KubeAccess, namespace: string, holders: readonly string[]): Promise<string[]> {
  const alive = await Promise.all(holders.map(async (job) => {
    try {
      await access.batch.readNamespacedJob({ name: job, namespace });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 404) return false;
      throw err;
    }
  }));
  return holders.filter((_, i) => alive[i]);
}

/**
 * Scales `deployment` to 0 on behalf of the copy Job `holder`; returns the function that gives
 * the replicas back when this is the last holder.
 */
export async function scaleDownFor(access: KubeAccess, namespace: string, deployment: string, holder: string): Promise<() => Promise<void>> {
  const name = scaleLeaseName(deployment);
  for (let round = 0; round < ROUNDS; round++) {
    const lease = await readAgentLease(access, namespace, name);
    if (!lease) {
      const scale = await kubeCall(`reading the scale of deployment ${deployment} in namespace ${namespace}`,
        () => access.apps.readNamespacedDeploymentScale({ name: deployment, namespace }));
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name, namespace, labels: { [LABEL_NAME]: 'kmirror-scale-down', [LABEL_MANAGED_BY]: 'kmirror' },
          annotations: { [ANNOTATION_REPLICAS]: String(scale.spec?.replicas ?? 1), [ANNOTATION_HOLDERS]: JSON.stringify([holder]) },
        },
        spec: { holderIdentity: holder },
      };
      if (!(await createAgentLease(access, body))) continue;
    } else {
      const holders = await liveHolders(access, namespace, holdersOf(lease).filter((h) => h !== holder));
      if (!(await replaceAgentLease(access, withHolders(lease, [...holders, holder])))) continue;
    }
    await setReplicas(access, namespace, deployment, 0);
    return () => restoreScale(access, namespace, deployment, holder);
  }
  throw new ClusterError('API', `scaling down deployment ${deployment}: the lease ${name} changed on every attempt`);
}

/** Drops `holder`; the last live holder restores the recorded replicas and deletes the Lease. */
export async function restoreScale(access: KubeAccess, namespace: string, deployment: string, holder: string): Promise<void> {
  const name = scaleLeaseName(deployment);
  for (let round = 0; round < ROUNDS; round++) {
    const lease = await readAgentLease(access, namespace, name);
    if (!lease) return;
    const rest = await liveHolders(access, namespace, holdersOf(lease).filter((h) => h !== holder));
    if (rest.length > 0) {
      if (await replaceAgentLease(access, withHolders(lease, rest))) return;
      continue;
    }
    const replicas = Number(lease.metadata?.annotations?.[ANNOTATION_REPLICAS] ?? '1');
    await setReplicas(access, namespace, deployment, Number.isInteger(replicas) ? replicas : 1);
    if (await deleteAgentLease(access, namespace, name, lease.metadata?.resourceVersion ?? '')) return;
  }
  throw new ClusterError('API', `restoring deployment ${deployment}: the lease ${name} changed on every attempt`);
}

/**
 * A Deployment left at 0 by scale_down sessions that all ended without restoring it (kill -9):
 * restores the recorded replicas and returns them; 0 when there is nothing to restore (no record,
 * or a holder's copy still runs — then `holders` says whose).
 */
export async function restoreAbandonedScaleDown(access: KubeAccess, namespace: string, deployment: string): Promise<{ restored: number; holders: string[] }> {
  const name = scaleLeaseName(deployment);
  const lease = await readAgentLease(access, namespace, name);
  if (!lease) return { restored: 0, holders: [] };
  const holders = await liveHolders(access, namespace, holdersOf(lease));
  if (holders.length) return { restored: 0, holders };
  const replicas = Number(lease.metadata?.annotations?.[ANNOTATION_REPLICAS] ?? '1');
  const restored = Number.isInteger(replicas) && replicas > 0 ? replicas : 1;
  if (!(await deleteAgentLease(access, namespace, name, lease.metadata?.resourceVersion ?? ''))) return { restored: 0, holders: [] };
  await setReplicas(access, namespace, deployment, restored);
  return { restored, holders: [] };
}

/** The copy Jobs that hold `deployment` scaled down now (empty when none). */
export async function liveScaleDownHolders(access: KubeAccess, namespace: string, deployment: string): Promise<string[]> {
  const lease = await readAgentLease(access, namespace, scaleLeaseName(deployment));
  return lease ? liveHolders(access, namespace, holdersOf(lease)) : [];
}
