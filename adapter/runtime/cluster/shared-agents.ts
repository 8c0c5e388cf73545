// The shared agents of a namespace as their Leases record them (agent-lease.ts), and a tunnel
// connection to one of them with the recorded token — what `kmirror sessions` asks. Reaching an
// agent this way takes the same rights as joining it (get leases, create pods/portforward).
import { parseKubeTarget } from '../targets/kube-target.js';
import { agentLeaseName, parseAgentLease, readAgentLease, type SharedAgentRecord } from './agent-lease.js';
import { AGENT_CONTAINER, LABEL_SESSION } from './agent-pod-spec.js';
import { connectOnce, type AgentConnection } from './agent-handshake.js';
import { agentContainerState } from './agent-pod-status.js';
import { ClusterError, kubeCall } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { resolveKubeTarget } from './resolve-target.js';

/** A shared agent and the pod it runs in now (undefined when it is not running). */
export interface SharedAgent extends SharedAgentRecord {
  readonly podName: string | undefined;
}

/** The shared agents in `namespace`, or the one of `target` (none when no agent serves it). */
export async function findSharedAgents(access: KubeAccess, namespace: string, target?: string): Promise<SharedAgent[]> {
  let records: SharedAgentRecord[];
  if (target !== undefined) {
    const site = await resolveKubeTarget(access, parseKubeTarget(target, { namespace }));
    const lease = await readAgentLease(access, namespace, agentLeaseName(site.podUid, site.container.name, site.containerId));
    const rec = lease ? parseAgentLease(lease) : undefined;
    records = rec ? [rec] : [];
  } else {
    const list = await kubeCall(`listing the agent leases in namespace ${namespace}`,
      () => access.coordination.listNamespacedLease({ namespace, labelSelector: 'app.kubernetes.io/name=kmirror-agent' }));
    records = list.items.map(parseAgentLease).filter((r): r is SharedAgentRecord => r !== undefined);
  }
  return Promise.all(records.map(async (rec) => ({ ...rec, podName: await runningAgentPodName(access, rec) })));
}

async function runningAgentPodName(access: KubeAccess, rec: SharedAgentRecord): Promise<string | undefined> {
  const pods = await kubeCall(`listing the pods of agent ${rec.jobName}`,
    () => access.core.listNamespacedPod({ namespace: rec.namespace, labelSelector: `${LABEL_SESSION}=${rec.agentId}` }));
  return pods.items.find((p) => agentContainerState(p, AGENT_CONTAINER, false).state === 'running')?.metadata?.name;
}

/** A tunnel connection to a running shared agent (close its session and destroy its transport after use). */
export async function connectToSharedAgent(access: KubeAccess, agent: SharedAgent, timeoutMs = 5000): Promise<AgentConnection> {
  if (!agent.podName) throw new ClusterError('NOT_FOUND', `the agent ${agent.jobName} of ${agent.target} is not running`);
  return connectOnce(access, { namespace: agent.namespace, podName: agent.podName, port: agent.port, token: agent.token }, timeoutMs);
}
