// Places one agent for a resolved target and waits until its container runs: either the node
// Job (default) or an ephemeral container in the target pod. Readiness of the agent's server is
// established later by the tunnel handshake over a port-forward, not by reading its logs. The
// session token goes into a Secret first (agent-token-secret.ts has its lifetime per placement),
// owned from its creation by a placement anchor (placement-anchor.ts): a client killed with -9
// after any step leaves nothing without an owner.
import { randomBytes } from 'node:crypto';
import type { V1Job, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import {
  AGENT_CONTAINER, LABEL_SESSION, agentJobName, agentSecretName, buildEphemeralContainer, buildNodeJob, buildTargetlessJob, buildTokenSecret,
  ephemeralContainerName, pickEphemeralPort, type PullPolicy,
} from './agent-pod-spec.js';
import { admissionRefusal, failedPodCreation } from './agent-admission.js';
import { agentContainerState } from './agent-pod-status.js';
import { createTokenSecret, deleteTokenSecret, ownerReference, setTokenSecretOwner } from './agent-token-secret.js';
import { ClusterError, kubeCall, statusCodeOf, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { anchorLifetimeSeconds, createPlacementAnchor, type PlacementAnchor } from './placement-anchor.js';
import { waitForPods } from './pod-informer.js';
import type { ResolvedKubeTarget } from './resolve-target.js';
import { pauseForTest } from './test-pause.js';

export type AgentPlacementMode = 'node-job' | 'ephemeral';

export interface AgentPlacementOptions {
  mode: AgentPlacementMode;
  image: string;
  pullPolicy: PullPolicy;
  command?: string[];
  /** Namespace of the node Job; default the target's. */
  namespace?: string;
  /**
   * Ephemeral mode: ask for BPF/NET_ADMIN/SYS_ADMIN so steal/mirror work. 'auto' asks, and when
   * Pod Security refuses them starts the agent without (outgoing/DNS/env/files only).
   */
  ephemeralCapabilities: boolean | 'auto';
  /** Receives placement warnings (e.g. capabilities dropped). */
  warn?: (message: string) => void;
  idleExitSeconds: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  /** Loopback port of a node-job agent (its own netns, so any fixed port works). */
  nodeJobPort: number;
  startupTimeoutMs: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  labels?: Record<string, string>;
}

/** An agent container that is running (its server may still be starting). */
export interface PlacedAgent {
  readonly mode: AgentPlacementMode;
  readonly sessionId: string;
  readonly namespace: string;
  readonly podName: string;
  readonly containerName: string;
  readonly port: number;
  readonly token: string;
  /** False when the agent runs without the capabilities steal/mirror need (ephemeral, no caps). */
  readonly trafficCapable: boolean;
  /**
   * Deletes what was created (the Job and the token Secret; an ephemeral container cannot be removed, it just exits).
   * A shared agent is only left; `agentSessionId` (HelloAck) is this session's last connection, which the agent may still list.
   */
  remove(hint?: { agentSessionId?: number }): Promise<void>;
}

/** A fresh session ID (names the agent's objects) and token (authenticates its tunnel). */
export function newAgentIds(): { sessionId: string; token: string } {
  return { sessionId: randomBytes(4).toString('hex'), token: randomBytes(24).toString('base64url') };
}

/** Creates the agent for `target` in `opts.mode` and waits for its container to run. */
export async function placeAgent(access: KubeAccess, target: ResolvedKubeTarget, opts: AgentPlacementOptions, signal?: AbortSignal): Promise<PlacedAgent> {
  return opts.mode === 'ephemeral'
    ? placeEphemeral(access, target, opts, newAgentIds(), signal)
    : placeNodeJob(access, target, opts, newAgentIds(), signal);
}

/** A Job pinned to the target's node (hostPID, capabilities) that serves the target's container by its ID. */
export async function placeNodeJob(access: KubeAccess, target: ResolvedKubeTarget, opts: AgentPlacementOptions,
  ids: { sessionId: string; token: string }, signal?: AbortSignal, afterJobCreated?: AfterJobCreated): Promise<PlacedAgent> {
  const namespace = opts.namespace ?? target.namespace;
  const job = buildNodeJob({
    sessionId: ids.sessionId, namespace, nodeName: target.nodeName, containerId: target.containerId,
    targetDescription: `${target.namespace}/${target.podName}/${target.container.name}`,
    image: opts.image, pullPolicy: opts.pullPolicy, ...(opts.command ? { command: opts.command } : {}),
    port: opts.nodeJobPort, idleExitSeconds: opts.idleExitSeconds, activeDeadlineSeconds: opts.activeDeadlineSeconds,
    ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished, ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
    ...(opts.labels ? { extraLabels: opts.labels } : {}), probeSources: probeSources(target),
  });
  return runAgentJob(access, namespace, job, ids, opts, `on node ${target.nodeName}`, signal, afterJobCreated);
}

/**
 * Runs right after the agent Job exists, before its pod is awaited (the shared agent's Lease is
 * created there); when it throws, the Job and Secret are deleted and the error is rethrown.
 */
export type AfterJobCreated = (job: V1Job) => Promise<void>;

/** A targetless agent: a plain pod (no hostPID, no capabilities) serving outgoing traffic and DNS. */
export async function placeTargetlessAgent(access: KubeAccess, namespace: string, opts: AgentPlacementOptions, signal?: AbortSignal): Promise<PlacedAgent> {
  const ids = newAgentIds();
  const job = buildTargetlessJob({
    sessionId: ids.sessionId, namespace, nodeName: '', containerId: '', targetDescription: 'targetless',
    image: opts.image, pullPolicy: opts.pullPolicy, ...(opts.command ? { command: opts.command } : {}),
    port: opts.nodeJobPort, idleExitSeconds: opts.idleExitSeconds, activeDeadlineSeconds: opts.activeDeadlineSeconds,
    ttlSecondsAfterFinished: opts.ttlSecondsAfterFinished, ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
    ...(opts.labels ? { extraLabels: opts.labels } : {}),
  });
  const placed = await runAgentJob(access, namespace, job, ids, opts, '(targetless)', signal);
  return { ...placed, trafficCapable: false };
}

/**
 * Creates the token Secret and the agent Job, makes the Job the Secret's owner, waits for the
 * agent container to run; deletes both if it never does. Order, so that a client killed with -9
 * after any step leaves nothing without an owner: anchor → Secret owned by the anchor (it must
 * exist before the agent's pod starts) → Job → the Job becomes the Secret's only owner → Lease
 * (afterJobCreated, owned by the Job) → anchor deleted. A Job is a root, but bounded by itself:
 * idle exit, activeDeadlineSeconds, ttlSecondsAfterFinished.
 */
async function runAgentJob(access: KubeAccess, namespace: string, job: V1Job, ids: { sessionId: string; token: string },
  opts: AgentPlacementOptions, where: string, signal?: AbortSignal, afterJobCreated?: AfterJobCreated): Promise<PlacedAgent> {
  const jobName = agentJobName(ids.sessionId);
  const secretName = agentSecretName(ids.sessionId);
  // Pod Security admission only enforces on pods: a dry-run pod create surfaces its refusal now,
  // instead of a Job whose pod silently never appears.
  await checkPodSecurity(access, namespace, jobName, job.spec?.template);
  const anchor = await createPlacementAnchor(access, { namespace, sessionId: ids.sessionId, image: opts.image, lifetimeSeconds: anchorLifetimeSeconds() });
  const remove = async (): Promise<void> => {
    // Both, even when one fails; the first failure is reported.
    const results = await Promise.allSettled([deleteJob(access, namespace, jobName), deleteTokenSecret(access, namespace, secretName)]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    await createTokenSecret(access, buildTokenSecret({ ...ids, namespace, owner: anchor.owner, ...(opts.labels ? { extraLabels: opts.labels } : {}) }));
    await pauseForTest('secret');
    const created = await kubeCall(`creating agent job ${jobName} in namespace ${namespace}`, () => access.batch.createNamespacedJob({ namespace, body: job }));
    await pauseForTest('job');
    await setTokenSecretOwner(access, namespace, secretName, ownerReference('batch/v1', 'Job', created.metadata));
    await afterJobCreated?.(created);
    await removeAnchor(anchor, opts);
    const seen: { detail?: string } = {};
    // A pod the Job controller may not create never appears: its FailedCreate event ends the wait.
    const refusalWatch = new AbortController();
    const podName = await Promise.race([
      waitForPods(access, {
        namespace, labelSelector: `${LABEL_SESSION}=${ids.sessionId}`, timeoutMs: opts.startupTimeoutMs,
        what: `starting agent job ${jobName} ${where}`, lastSeen: () => seen.detail, ...(signal ? { signal } : {}),
      }, (pods) => runningAgentPod(pods, AGENT_CONTAINER, false, seen)),
      failedPodCreation(access, { namespace, jobName, signal: refusalWatch.signal }),
    ]).finally(() => refusalWatch.abort());
    return { mode: 'node-job', ...ids, namespace, podName, containerName: AGENT_CONTAINER, port: opts.nodeJobPort, trafficCapable: true, remove };
  } catch (err) {
    await Promise.allSettled([remove(), anchor.remove()]);
    throw err;
  }
}

/** The anchor owns nothing any more: delete it now. If that fails it goes by itself (its deadline). */
async function removeAnchor(anchor: PlacementAnchor, opts: AgentPlacementOptions): Promise<void> {
  await anchor.remove().catch((err: unknown) => opts.warn?.(`${err instanceof Error ? err.message : String(err)}; it deletes itself at its deadline`));
}

async function deleteJob(access: KubeAccess, namespace: string, name: string): Promise<void> {
  try {
    await kubeCall(`deleting agent job ${name} in namespace ${namespace}`,
      () => access.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background', gracePeriodSeconds: 0 }));
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
}

/** An ephemeral container in the target pod (shares its namespaces; capabilities only where Pod Security allows). */
export async function placeEphemeral(access: KubeAccess, target: ResolvedKubeTarget, opts: AgentPlacementOptions,
  ids: { sessionId: string; token: string }, signal?: AbortSignal): Promise<PlacedAgent> {
  const { namespace, podName } = target;
  const pod = await kubeCall(`reading pod ${podName} in namespace ${namespace}`, () => access.core.readNamespacedPod({ name: podName, namespace }));
  const secretName = agentSecretName(ids.sessionId);
  // The Secret's owner while the container starts: an anchor, gone within its lifetime after a
  // kill -9; the target pod (which outlives the session) only when the role may not create Jobs.
  const anchor = await createPlacementAnchor(access, {
    namespace, sessionId: ids.sessionId, image: opts.image, lifetimeSeconds: anchorLifetimeSeconds(opts.startupTimeoutMs),
  }).catch((err: unknown) => { if (statusCodeOf(err) === 403) return undefined; throw err; });
  const deleteSecret = () => deleteTokenSecret(access, namespace, secretName);
  let placed: PlacedAgent;
  try {
    await createTokenSecret(access, buildTokenSecret({
      ...ids, namespace, owner: anchor?.owner ?? ownerReference('v1', 'Pod', pod.metadata), ...(opts.labels ? { extraLabels: opts.labels } : {}),
    }));
    await pauseForTest('secret');
    placed = await startEphemeral(access, target, opts, pod, ids, signal);
  } catch (err) {
    await Promise.allSettled([deleteSecret(), anchor?.remove()]);
    throw err;
  }
  // The running agent has read its env and ephemeral containers never restart: the Secret goes now,
  // so a client that dies later leaves nothing (the container record stays; Kubernetes keeps it).
  await deleteSecret().catch((err: unknown) => opts.warn?.(`${err instanceof Error ? err.message : String(err)}; the session continues, delete the secret by hand`));
  if (anchor) await removeAnchor(anchor, opts);
  return { ...placed, remove: deleteSecret };
}

async function startEphemeral(access: KubeAccess, target: ResolvedKubeTarget, opts: AgentPlacementOptions, pod: V1Pod,
  ids: { sessionId: string; token: string }, signal?: AbortSignal): Promise<PlacedAgent> {
  const { namespace, podName } = target;
  const name = ephemeralContainerName(ids.sessionId);
  const port = pickEphemeralPort(pod);
  const runAsUser = targetRunAsUser(pod, target.container.name);
  const withCaps = (withTrafficCapabilities: boolean): V1Pod => ({
    ...pod,
    spec: {
      ...pod.spec, containers: pod.spec?.containers ?? [],
      ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), buildEphemeralContainer({
        sessionId: ids.sessionId, port, targetContainer: target.container.name, withTrafficCapabilities,
        image: opts.image, pullPolicy: opts.pullPolicy, ...(opts.command ? { command: opts.command } : {}),
        idleExitSeconds: opts.idleExitSeconds, ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
        ...(runAsUser !== undefined ? { runAsUser } : {}), probeSources: probeSources(target),
      })],
    },
  });
  const what = `adding ephemeral agent container ${name} to pod ${podName} in namespace ${namespace}`;
  const add = (body: V1Pod) => kubeCall(what, () => access.core.replaceNamespacedPodEphemeralcontainers({ name: podName, namespace, body }));
  let trafficCapable = opts.ephemeralCapabilities !== false;
  try {
    await add(withCaps(trafficCapable));
  } catch (err) {
    const refusedCaps = opts.ephemeralCapabilities === 'auto' && err instanceof ClusterError && err.statusCode === 403 && /PodSecurity/.test(err.message);
    if (!refusedCaps) throw err;
    opts.warn?.(`Pod Security in namespace ${namespace} refuses the agent's capabilities; starting it without them: outgoing traffic, DNS, env and files work, steal and mirror do not`);
    trafficCapable = false;
    await add(withCaps(false));
  }
  const seen: { detail?: string } = {};
  await waitForPods(access, {
    namespace, fieldSelector: `metadata.name=${podName}`, timeoutMs: opts.startupTimeoutMs,
    what: `starting ephemeral agent ${name} in pod ${podName}`, lastSeen: () => seen.detail, ...(signal ? { signal } : {}),
  }, (pods) => runningAgentPod(pods, name, true, seen));
  // An ephemeral container cannot be deleted; the agent exits on its own when its client is gone.
  // remove() is set by placeEphemeral (the token Secret, if still there).
  return { mode: 'ephemeral', ...ids, namespace, podName, containerName: name, port, trafficCapable, remove: async () => undefined };
}

/**
 * Admission (Pod Security, quotas, webhooks) only judges pods: a dry-run pod create surfaces its
 * refusal now, instead of a Job whose pod silently never appears. A plain RBAC refusal of `create
 * pods` is not an answer (the Job controller creates the pod, not the user), so only admission's counts.
 */
async function checkPodSecurity(access: KubeAccess, namespace: string, jobName: string, template: V1PodTemplateSpec | undefined): Promise<void> {
  try {
    await access.core.createNamespacedPod({ namespace, dryRun: 'All', body: { apiVersion: 'v1', kind: 'Pod', metadata: { ...template?.metadata, name: `${jobName}-dryrun` }, spec: template?.spec } });
  } catch (err) {
    const what = `the node agent pod is not allowed in namespace ${namespace}`;
    const refusal = admissionRefusal(err, what);
    if (refusal) throw refusal;
    const e = toClusterError(err, what);
    if (e.statusCode !== 403) throw e;
  }
}

/** The name of the pod whose agent container runs; throws AGENT_FAILED when it cannot start.
 * Records the last pending state in `seen` for a timeout message. */
export function runningAgentPod(pods: readonly V1Pod[], container: string, ephemeral: boolean, seen: { detail?: string }): string | undefined {
  for (const pod of pods) {
    const st = agentContainerState(pod, container, ephemeral);
    if (st.state === 'running') return pod.metadata?.name;
    if (st.state === 'failed') throw new ClusterError('AGENT_FAILED', st.message);
    seen.detail = st.detail;
  }
  return undefined;
}

/** The uid the target container runs as, when the pod spec fixes one. */
function targetRunAsUser(pod: V1Pod, container: string): number | undefined {
  const c = pod.spec?.containers.find((x) => x.name === container);
  return c?.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
}

/** Where kubelet probes of the target come from: the node's addresses, and the pod's gateway
 * (on bridge CNIs the probes arrive from the node's address on the pod bridge). */
function probeSources(target: ResolvedKubeTarget): string[] {
  const ips = (target.pod.status?.hostIPs ?? []).map((h) => h.ip).filter((ip): ip is string => !!ip);
  const single = target.pod.status?.hostIP;
  return [...(ips.length ? ips : single ? [single] : []), 'gateway'];
}
