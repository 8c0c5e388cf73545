// One node agent per target container, shared by every session on it (docs/shared-agent.md).
// placeOrJoinNodeJob reads the target's Lease (agent-lease.ts): none → this session places the
// agent Job and creates the Lease right after the Job exists (a 409 means another session won the
// race: this one deletes its Job and joins the winner); a Lease whose agent is gone → deleted at
// its resourceVersion and the loop starts again; a live agent → this session adds itself to the
// Lease and connects with the recorded token. Leaving removes the session from the Lease; the last
// one deletes the Lease and the Job. A session killed with -9 stays listed, so the agent is then
// removed by its idle exit + the Job's TTL, and the garbage collector takes the Lease with the Job.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AGENT_CONTAINER, LABEL_SESSION, agentJobName, agentSecretName } from './agent-pod-spec.js';
import { newAgentIds, placeNodeJob, runningAgentPod, type AgentPlacementOptions, type PlacedAgent } from './agent-placement.js';
import {
  agentLeaseName, buildAgentLease, createAgentLease, deleteAgentLease, parseAgentLease, readAgentLease, replaceAgentLease,
  withSessions, type LeaseSession, type SharedAgentRecord,
} from './agent-lease.js';
import { connectOnce } from './agent-handshake.js';
import { agentContainerState } from './agent-pod-status.js';
import { ownerReference } from './agent-token-secret.js';
import { assertMayJoin } from './join-authorization.js';
import { ClusterError, kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { waitForPods } from './pod-informer.js';
import type { ResolvedKubeTarget } from './resolve-target.js';

/** A node agent this session placed (`joined: false`) or joined. */
export interface SharedPlacedAgent extends PlacedAgent {
  readonly joined: boolean;
  /** The Lease that coordinates the agent. */
  readonly leaseName: string;
  /** This session's entry in the Lease. */
  readonly session: LeaseSession;
}

// Enough for ten sessions starting together (each round at most one replace wins).
const MAX_ROUNDS = 40;

/** This workstation's identity in the Lease: the kubeconfig user, the host, now. */
export function sessionIdentity(access: KubeAccess, now = new Date()): LeaseSession {
  return { id: randomBytes(4).toString('hex'), user: access.kubeConfig.getCurrentUser()?.name ?? 'unknown', host: hostname(), since: now.toISOString() };
}

/** Places the node agent for `site`, or joins the one already serving it. */
export async function placeOrJoinNodeJob(access: KubeAccess, site: ResolvedKubeTarget, opts: AgentPlacementOptions,
  signal?: AbortSignal, me: LeaseSession = sessionIdentity(access)): Promise<SharedPlacedAgent> {
  const namespace = opts.namespace ?? site.namespace;
  const leaseName = agentLeaseName(site.podUid, site.container.name, site.containerId);
  const target = `${site.namespace}/${site.podName}/${site.container.name}`;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (signal?.aborted) throw new ClusterError('ABORTED', `placing the agent for ${target}: aborted`);
    const lease = await readAgentLease(access, namespace, leaseName);
    if (!lease) {
      const ids = newAgentIds();
      let lostRace = false;
      try {
        const placed = await placeNodeJob(access, site, opts, ids, signal, async (job) => {
          const body = buildAgentLease({
            leaseName, namespace, jobName: agentJobName(ids.sessionId), agentId: ids.sessionId, port: opts.nodeJobPort,
            token: ids.token, target, owner: ownerReference('batch/v1', 'Job', job.metadata), first: me,
          });
          if (!(await createAgentLease(access, body))) {
            lostRace = true;
            throw new ClusterError('API', `another session placed the agent for ${target} first`);
          }
        });
        return { ...placed, joined: false, leaseName, session: me, remove: (hint) => leaveSharedAgent(access, namespace, leaseName, ids.sessionId, me.id, hint?.agentSessionId) };
      } catch (err) {
        if (lostRace) continue;
        throw err;
      }
    }
    const rec = parseAgentLease(lease);
    const state = rec ? await agentState(access, rec) : 'gone';
    if (!rec || state === 'gone') {
      // A Lease whose agent ended (idle exit, node lost): clear it; whoever clears it places anew.
      await deleteAgentLease(access, namespace, leaseName, lease.metadata?.resourceVersion ?? '');
      continue;
    }
    await assertMayJoin(access, namespace, rec);
    const others = rec.sessions.filter((s) => s.id !== me.id);
    if (!(await replaceAgentLease(access, withSessions(lease, [...others, me])))) {
      await pause(round);
      continue;
    }
    const remove = (hint?: { agentSessionId?: number }) => leaveSharedAgent(access, namespace, leaseName, rec.agentId, me.id, hint?.agentSessionId);
    try {
      const podName = state === 'starting' ? await waitForAgentPod(access, rec, opts.startupTimeoutMs, signal) : state.podName;
      return {
        mode: 'node-job', sessionId: rec.agentId, token: rec.token, namespace, podName, containerName: AGENT_CONTAINER,
        port: rec.port, trafficCapable: true, joined: true, leaseName, session: me, remove,
      };
    } catch (err) {
      await remove().catch(() => undefined);
      throw err;
    }
  }
  throw new ClusterError('API', `placing or joining the agent for ${target}: the lease ${leaseName} in namespace ${namespace} changed on every one of ${MAX_ROUNDS} attempts`);
}

/**
 * Removes session `myId` from the agent's Lease; the last session deletes the Lease (at the read
 * resourceVersion, so a session joining at that moment keeps it) and then the agent Job. A Lease
 * that now names another agent means this one was replaced: its Job is deleted.
 */
export async function leaveSharedAgent(access: KubeAccess, namespace: string, leaseName: string, agentId: string, myId: string,
  myAgentSessionId?: number): Promise<void> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const lease = await readAgentLease(access, namespace, leaseName);
    const rec = lease ? parseAgentLease(lease) : undefined;
    if (!lease || !rec || rec.agentId !== agentId) {
      await deleteAgentObjects(access, namespace, agentId);
      return;
    }
    const listed = rec.sessions.filter((s) => s.id !== myId);
    // Entries of clients killed with -9 stay in the Lease; when the agent serves nobody else, only
    // entries young enough to belong to a session still connecting count.
    const rest = listed.length > 0 && (await connectedElsewhere(access, rec, myAgentSessionId)) === 0
      ? listed.filter((s) => Date.now() - Date.parse(s.since) < CONNECTING_MS) : listed;
    if (rest.length > 0) {
      if (await replaceAgentLease(access, withSessions(lease, rest))) return;
    } else if (await deleteAgentLease(access, namespace, leaseName, rec.resourceVersion)) {
      await deleteAgentObjects(access, namespace, agentId);
      return;
    }
    await pause(round);
  }
  throw new ClusterError('API', `leaving the shared agent ${agentJobName(agentId)}: the lease ${leaseName} changed on every attempt`);
}

// How long after joining a session may still be on its way to its first connection.
const CONNECTING_MS = 30_000;

/** Sessions the agent serves now besides the asking connection and `mine` (closed, maybe still listed); undefined when it cannot tell. */
async function connectedElsewhere(access: KubeAccess, rec: SharedAgentRecord, mine?: number): Promise<number | undefined> {
  try {
    const state = await agentState(access, rec);
    if (typeof state !== 'object') return state === 'gone' ? 0 : undefined;
    const { session, transport } = await connectOnce(access, { namespace: rec.namespace, podName: state.podName, port: rec.port, token: rec.token }, 3000);
    try {
      return session.sessions ? (await session.sessions()).filter((s) => !s.self && s.id !== mine).length : undefined;
    } finally {
      await session.close().catch(() => undefined);
      transport.destroy();
    }
  } catch {
    return undefined;
  }
}

type AgentState = { podName: string } | 'starting' | 'gone';

/** Running (its pod), starting (Job without a running pod yet) or gone (Job finished or deleted). */
async function agentState(access: KubeAccess, rec: SharedAgentRecord): Promise<AgentState> {
  const pods = await kubeCall(`listing the pods of agent ${rec.jobName} in namespace ${rec.namespace}`,
    () => access.core.listNamespacedPod({ namespace: rec.namespace, labelSelector: `${LABEL_SESSION}=${rec.agentId}` }));
  for (const pod of pods.items) {
    const st = agentContainerState(pod, AGENT_CONTAINER, false);
    if (st.state === 'running' && !pod.metadata?.deletionTimestamp) return { podName: pod.metadata?.name ?? '' };
    if (st.state === 'failed' || pod.status?.phase === 'Succeeded' || pod.metadata?.deletionTimestamp) return 'gone';
  }
  try {
    const job = await access.batch.readNamespacedJob({ name: rec.jobName, namespace: rec.namespace });
    const finished = job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (finished || job.metadata?.deletionTimestamp || (job.status?.failed ?? 0) > 0 || (job.status?.succeeded ?? 0) > 0) return 'gone';
    // Started by the Job controller, yet no pod: its pod was deleted (the agent killed) and the
    // failure is not counted yet. Not started: the controller has not made the pod yet.
    return job.status?.startTime && !(job.status.active ?? 0) ? 'gone' : 'starting';
  } catch (err) {
    if (statusCodeOf(err) === 404) return 'gone';
    throw err;
  }
}

async function waitForAgentPod(access: KubeAccess, rec: SharedAgentRecord, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const seen: { detail?: string } = {};
  return waitForPods(access, {
    namespace: rec.namespace, labelSelector: `${LABEL_SESSION}=${rec.agentId}`, timeoutMs, what: `joining agent job ${rec.jobName} while it starts`,
    lastSeen: () => seen.detail, ...(signal ? { signal } : {}),
  }, (pods) => runningAgentPod(pods, AGENT_CONTAINER, false, seen));
}

/** Deletes the agent Job (its pod, Secret and Lease follow by garbage collection) and the Secret. */
async function deleteAgentObjects(access: KubeAccess, namespace: string, agentId: string): Promise<void> {
  const ignore404 = (err: unknown) => { if (statusCodeOf(err) !== 404) throw err; };
  const name = agentJobName(agentId);
  await Promise.all([
    kubeCall(`deleting agent job ${name} in namespace ${namespace}`,
      () => access.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background', gracePeriodSeconds: 0 })).catch(ignore404),
    kubeCall(`deleting the agent token secret ${agentSecretName(agentId)} in namespace ${namespace}`,
      () => access.core.deleteNamespacedSecret({ name: agentSecretName(agentId), namespace })).catch(ignore404),
  ]);
}

/** A short random pause between lease rounds, so contending sessions spread out. */
function pause(round: number): Promise<void> {
  return new Promise((r) => setTimeout(r, 20 + Math.random() * Math.min(400, 20 * (round + 1))));
}
