// The workstation half of joining a shared agent (docs/shared-agent.md): before it registers in
// the agent's Lease, a joining session asks the API server (SelfSubjectAccessReview) whether its
// own identity may do what the session that placed the agent needed in that namespace, and stops
// with the missing verbs named. What the API server itself enforces on a join is stronger and
// needs no honest client: reading the agent's token takes `get leases` there, and reaching the
// agent at all takes `create pods/portforward` on the agent pod.
import { checkPermissions, describeNeed, PERMISSION_NEEDS, type PermissionNeed } from './permissions.js';
import { ClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import type { SharedAgentRecord } from './agent-lease.js';

/** The verbs a joining session must hold: those the node-job placement needs, leases included. */
export const JOIN_NEEDS: readonly PermissionNeed[] = PERMISSION_NEEDS.filter((n) => n.scope === 'always' || n.scope === 'node-job');

/** Throws FORBIDDEN naming the missing verbs when the current identity may not place the agent itself. */
export async function assertMayJoin(access: KubeAccess, namespace: string, rec: SharedAgentRecord): Promise<void> {
  const results = await checkPermissions(access, namespace, JOIN_NEEDS);
  const missing = results.filter((r) => !r.allowed).map(describeNeed);
  if (missing.length) {
    throw new ClusterError('FORBIDDEN', `joining the shared agent ${rec.jobName} (target ${rec.target}) in namespace ${namespace} is refused: `
      + `you may not ${missing.join(', ')} there, which a session that places this agent needs`);
  }
}
