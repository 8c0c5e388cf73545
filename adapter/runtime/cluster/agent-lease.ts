// The coordination object of a shared agent: one coordination.k8s.io Lease per target container
// (docs/shared-agent.md). Its name is derived from the target, so two sessions that start at the
// same moment race on one `create`, and the API server lets exactly one win. It records the agent
// (Job, agent id, port, token) and the sessions that use it; every change is a replace with the
// read resourceVersion (optimistic concurrency), and the Lease is a dependent of the agent Job, so
// the garbage collector removes it with the Job (also after kill -9 of every client).
import { createHash } from 'node:crypto';
import type { V1Lease, V1OwnerReference } from '@kubernetes/client-node';
import { LABEL_MANAGED_BY, LABEL_NAME, LABEL_SESSION } from './agent-pod-spec.js';
import { statusCodeOf, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';

const ANN = 'kmirror.dev/';
export const ANNOTATION_AGENT_JOB = `${ANN}agent-job`;
export const ANNOTATION_AGENT_ID = `${ANN}agent-id`;
export const ANNOTATION_AGENT_PORT = `${ANN}agent-port`;
export const ANNOTATION_AGENT_TOKEN = `${ANN}agent-token`;
export const ANNOTATION_LEASE_TARGET = `${ANN}target`;
export const ANNOTATION_SESSIONS = `${ANN}sessions`;

/** One session registered on the shared agent (informational: who, from where, since when). */
export interface LeaseSession {
  readonly id: string;
  readonly user: string;
  readonly host: string;
  /** ISO time the session joined. */
  readonly since: string;
}

/** What a Lease says about its agent. */
export interface SharedAgentRecord {
  readonly leaseName: string;
  readonly namespace: string;
  readonly resourceVersion: string;
  readonly jobName: string;
  readonly agentId: string;
  readonly port: number;
  readonly token: string;
  readonly target: string;
  readonly sessions: readonly LeaseSession[];
}

/**
 * Lease name for a target container instance (pod uid, container, runtime ID), ≤ 63 characters.
 * A restarted container is a new instance: the agent of the old one serves a process that is gone
 * (it finds its target by the runtime ID), so sessions that follow the restart place a new one.
 */
export function agentLeaseName(podUid: string, container: string, containerId: string): string {
  const digest = createHash('sha256').update(`${podUid}/${container}/${containerId}`).digest('hex').slice(0, 20);
  return `kmirror-agent-${digest}`;
}

/** The Lease for a freshly created agent Job (owned by it), with its first session. Pure. */
export function buildAgentLease(o: {
  leaseName: string; namespace: string; jobName: string; agentId: string; port: number; token: string; target: string;
  owner: V1OwnerReference; first: LeaseSession;
}): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: o.leaseName, namespace: o.namespace, ownerReferences: [o.owner],
      labels: { [LABEL_NAME]: 'kmirror-agent', [LABEL_MANAGED_BY]: 'kmirror', [LABEL_SESSION]: o.agentId },
      annotations: {
        [ANNOTATION_AGENT_JOB]: o.jobName, [ANNOTATION_AGENT_ID]: o.agentId, [ANNOTATION_AGENT_PORT]: String(o.port),
        [ANNOTATION_AGENT_TOKEN]: o.token, [ANNOTATION_LEASE_TARGET]: o.target, [ANNOTATION_SESSIONS]: JSON.stringify([o.first]),
      },
    },
    // No acquireTime: the API wants microseconds, and the Lease is an election record, never renewed.
    spec: { holderIdentity: o.agentId },
  };
}

/** Reads the agent record of a Lease; undefined when it is not a complete kmirror agent Lease. Pure. */
export function parseAgentLease(lease: V1Lease): SharedAgentRecord | undefined {
  const a = lease.metadata?.annotations ?? {};
  const port = Number(a[ANNOTATION_AGENT_PORT]);
  const jobName = a[ANNOTATION_AGENT_JOB];
  const agentId = a[ANNOTATION_AGENT_ID];
  const token = a[ANNOTATION_AGENT_TOKEN];
  if (!jobName || !agentId || !token || !Number.isInteger(port) || !lease.metadata?.name || !lease.metadata.resourceVersion) return undefined;
  return {
    leaseName: lease.metadata.name, namespace: lease.metadata.namespace ?? '', resourceVersion: lease.metadata.resourceVersion,
    jobName, agentId, port, token, target: a[ANNOTATION_LEASE_TARGET] ?? '', sessions: parseSessions(a[ANNOTATION_SESSIONS]),
  };
}

/** The session list of the annotation; entries that are not sessions are dropped. Pure. */
export function parseSessions(text: string | undefined): LeaseSession[] {
  if (!text) return [];
  try {
    const list: unknown = JSON.parse(text);
    if (!Array.isArray(list)) return [];
    return list.filter((s): s is LeaseSession => typeof s === 'object' && s !== null
      && typeof (s as LeaseSession).id === 'string' && typeof (s as LeaseSession).user === 'string'
      && typeof (s as LeaseSession).host === 'string' && typeof (s as LeaseSession).since === 'string');
  } catch {
    return [];
  }
}

/** `lease` with its session list replaced (for a replace call at the same resourceVersion). Pure. */
export function withSessions(lease: V1Lease, sessions: readonly LeaseSession[]): V1Lease {
  return {
    ...lease,
    metadata: { ...lease.metadata, annotations: { ...lease.metadata?.annotations, [ANNOTATION_SESSIONS]: JSON.stringify(sessions) } },
  };
}

/** The Lease, or undefined when there is none. */
export async function readAgentLease(access: KubeAccess, namespace: string, name: string): Promise<V1Lease | undefined> {
  try {
    return await access.coordination.readNamespacedLease({ name, namespace });
  } catch (err) {
    if (statusCodeOf(err) === 404) return undefined;
    throw toClusterError(err, `reading the agent lease ${name} in namespace ${namespace}`);
  }
}

/** Creates the Lease; false when another session created it first (409). */
export async function createAgentLease(access: KubeAccess, lease: V1Lease): Promise<boolean> {
  const namespace = lease.metadata?.namespace ?? '';
  try {
    await access.coordination.createNamespacedLease({ namespace, body: lease });
    return true;
  } catch (err) {
    if (statusCodeOf(err) === 409) return false;
    throw toClusterError(err, `creating the agent lease ${lease.metadata?.name} in namespace ${namespace}`);
  }
}

/** Replaces the Lease at its read resourceVersion; false when it changed or went away meanwhile. */
export async function replaceAgentLease(access: KubeAccess, lease: V1Lease): Promise<boolean> {
  const namespace = lease.metadata?.namespace ?? '';
  const name = lease.metadata?.name ?? '';
  try {
    await access.coordination.replaceNamespacedLease({ name, namespace, body: lease });
    return true;
  } catch (err) {
    const code = statusCodeOf(err);
    if (code === 409 || code === 404) return false;
    throw toClusterError(err, `updating the agent lease ${name} in namespace ${namespace}`);
  }
}

/** Deletes the Lease only if it is still at `resourceVersion`; false when it changed or is gone. */
export async function deleteAgentLease(access: KubeAccess, namespace: string, name: string, resourceVersion: string): Promise<boolean> {
  try {
    await access.coordination.deleteNamespacedLease({ name, namespace, body: { preconditions: { resourceVersion } } });
    return true;
  } catch (err) {
    const code = statusCodeOf(err);
    if (code === 409 || code === 404) return false;
    throw toClusterError(err, `deleting the agent lease ${name} in namespace ${namespace}`);
  }
}
