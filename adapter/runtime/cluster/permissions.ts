// The API permissions a kmirror session needs, per agent placement, and their check through
// SelfSubjectAccessReview (what `kmirror doctor` prints). deploy/rbac.yaml grants exactly these;
// permissions.test.ts keeps the two in step.
import { kubeCall } from './errors.js';
import type { KubeAccess } from './kube-access.js';

export type NeedScope = 'always' | 'node-job' | 'ephemeral' | 'optional';

export interface PermissionNeed {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  scope: NeedScope;
  why: string;
}

export const PERMISSION_NEEDS: readonly PermissionNeed[] = [
  { group: '', resource: 'pods', verb: 'get', scope: 'always', why: 'read the target pod' },
  { group: '', resource: 'pods', verb: 'list', scope: 'always', why: 'find the pods of a workload' },
  { group: '', resource: 'pods', verb: 'watch', scope: 'always', why: 'follow a replaced pod and the agent' },
  { group: '', resource: 'pods', subresource: 'portforward', verb: 'create', scope: 'always', why: 'tunnel to the agent' },
  { group: '', resource: 'pods', subresource: 'portforward', verb: 'get', scope: 'always', why: 'tunnel to the agent (WebSocket upgrade)' },
  { group: '', resource: 'services', verb: 'get', scope: 'optional', why: 'svc/NAME targets' },
  { group: 'apps', resource: 'deployments', verb: 'get', scope: 'optional', why: 'deploy/NAME targets' },
  { group: 'apps', resource: 'statefulsets', verb: 'get', scope: 'optional', why: 'statefulset/NAME targets' },
  { group: 'batch', resource: 'jobs', verb: 'get', scope: 'optional', why: 'job/NAME targets' },
  { group: 'argoproj.io', resource: 'rollouts', verb: 'get', scope: 'optional', why: 'rollout/NAME targets' },
  { group: '', resource: 'secrets', verb: 'create', scope: 'always', why: "hold the session token the agent's env references" },
  { group: '', resource: 'secrets', verb: 'delete', scope: 'always', why: 'remove the session token' },
  { group: '', resource: 'secrets', verb: 'patch', scope: 'node-job', why: 'make the node agent Job the owner of its token secret' },
  { group: 'batch', resource: 'jobs', verb: 'create', scope: 'node-job', why: 'start the node agent' },
  { group: 'batch', resource: 'jobs', verb: 'delete', scope: 'node-job', why: 'remove the node agent' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'get', scope: 'node-job', why: 'find the shared agent of a target (and its token)' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'create', scope: 'node-job', why: 'claim the shared agent of a target (one wins a race)' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'update', scope: 'node-job', why: 'join or leave the shared agent' },
  { group: 'coordination.k8s.io', resource: 'leases', verb: 'delete', scope: 'node-job', why: 'remove the shared agent with its last session' },
  { group: 'apps', resource: 'deployments', subresource: 'scale', verb: 'get', scope: 'optional', why: 'copy_target.scale_down: read the replica count' },
  { group: 'apps', resource: 'deployments', subresource: 'scale', verb: 'patch', scope: 'optional', why: 'copy_target.scale_down: scale to 0 and back' },
  { group: '', resource: 'pods', subresource: 'ephemeralcontainers', verb: 'update', scope: 'ephemeral', why: 'add the agent container to the target pod' },
  { group: '', resource: 'pods', subresource: 'log', verb: 'get', scope: 'optional', why: 'show the agent log when it fails' },
  { group: '', resource: 'namespaces', verb: 'get', scope: 'optional', why: 'read Pod Security labels (doctor)' },
];

export interface PermissionResult extends PermissionNeed {
  allowed: boolean;
  reason?: string;
}

/** Asks the API server, for each need, whether the current user may do it in `namespace`. */
export async function checkPermissions(access: KubeAccess, namespace: string, needs: readonly PermissionNeed[] = PERMISSION_NEEDS): Promise<PermissionResult[]> {
  return Promise.all(needs.map(async (need) => {
    const review = await kubeCall(`SelfSubjectAccessReview for ${describeNeed(need)}`, () => access.authorization.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            group: need.group, resource: need.resource, verb: need.verb,
            ...(need.subresource ? { subresource: need.subresource } : {}),
            ...(need.resource === 'namespaces' ? { name: namespace } : { namespace }),
          },
        },
      },
    }));
    const reason = review.status?.reason || review.status?.evaluationError;
    return { ...need, allowed: review.status?.allowed === true, ...(reason ? { reason } : {}) };
  }));
}

/** "create pods/portforward" style text. */
export function describeNeed(need: PermissionNeed): string {
  const res = need.subresource ? `${need.resource}/${need.subresource}` : need.resource;
  return `${need.verb} ${need.group ? `${res}.${need.group}` : res}`;
}

/** Which placements the results allow. Pure. */
export function placementsAllowed(results: readonly PermissionResult[]): { nodeJob: boolean; ephemeral: boolean; missingAlways: PermissionResult[] } {
  const denied = (scope: NeedScope) => results.filter((r) => r.scope === scope && !r.allowed);
  const missingAlways = denied('always');
  return {
    nodeJob: missingAlways.length === 0 && denied('node-job').length === 0,
    ephemeral: missingAlways.length === 0 && denied('ephemeral').length === 0,
    missingAlways,
  };
}

export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/** What the namespace's Pod Security level means for the node agent. Pure. */
export function podSecurityVerdict(labels: Record<string, string> | undefined): { level: string; nodeJobAllowed: boolean } {
  const level = labels?.[POD_SECURITY_ENFORCE] ?? 'privileged';
  // hostPID and added capabilities beyond the default set are refused by baseline and restricted.
  return { level, nodeJobAllowed: level === 'privileged' };
}
