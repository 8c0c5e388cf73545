// The owner of what a placement creates before the object that should own it exists. A client
// killed with -9 between two API calls must leave nothing without an owner: the token Secret is
// created before its agent Job (the kubelet resolves the agent's env from it), and the copy of
// copy_target is made before the agent Job that will own it. So they are first created as
// dependents of an "anchor": a Job that never runs a pod (parallelism 0) and fails by its own
// activeDeadlineSeconds, after which ttlSecondsAfterFinished: 0 deletes it and the garbage
// collector deletes its dependents. Once the real owner exists and owns them, the anchor is deleted
// at once; it outlives the placement only when the client dies during it. A Job because the role
// already creates Jobs (deploy/rbac.yaml): no new permission, and Pod Security never sees it.
import type { V1Job, V1OwnerReference } from '@kubernetes/client-node';
import { LABEL_MANAGED_BY, LABEL_NAME, LABEL_SESSION } from './agent-pod-spec.js';
import { ownerReference } from './agent-token-secret.js';
import { kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';

export const ANCHOR_NAME = 'kmirror-placement-anchor';
// Margin over the longest wait a placement does while the anchor owns its objects (API calls only).
const ANCHOR_MARGIN_SECONDS = 30;

export interface PlacementAnchor {
  readonly name: string;
  /** The owner reference to put on what the anchor holds until its real owner takes it. */
  readonly owner: V1OwnerReference;
  /** Deletes the anchor (gone is fine); its dependents must have another owner by then, or go with it. */
  remove(): Promise<void>;
}

/** How long an anchor lives: the waits it must cover (e.g. a copy's start-up) plus a margin. Pure. */
export function anchorLifetimeSeconds(waitsMs = 0): number {
  return Math.ceil(waitsMs / 1000) + ANCHOR_MARGIN_SECONDS;
}

/** The anchor Job: no pod ever (parallelism 0), failed after `lifetimeSeconds`, deleted at once then. Pure. */
export function buildPlacementAnchor(o: { name: string; namespace: string; sessionId: string; image: string; lifetimeSeconds: number }): V1Job {
  const labels = { [LABEL_NAME]: ANCHOR_NAME, [LABEL_MANAGED_BY]: 'kmirror', [LABEL_SESSION]: o.sessionId };
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      parallelism: 0, backoffLimit: 0, activeDeadlineSeconds: o.lifetimeSeconds, ttlSecondsAfterFinished: 0,
      // Required by the API, never instantiated (parallelism 0); restricted, so Pod Security has no warning for it.
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never', automountServiceAccountToken: false,
          containers: [{
            name: 'anchor', image: o.image, command: ['true'],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          }],
        },
      },
    },
  };
}

/** Name of a session's anchor (≤ 52 characters, like the agent's names). */
export function anchorName(sessionId: string): string {
  return `kmirror-anchor-${sessionId}`.slice(0, 52);
}

/** Creates an anchor for session `sessionId` in `namespace`. */
export async function createPlacementAnchor(access: KubeAccess, o: { namespace: string; sessionId: string; image: string; lifetimeSeconds: number }): Promise<PlacementAnchor> {
  const { namespace } = o;
  const name = anchorName(o.sessionId);
  // The create answer carries the uid the owner reference needs.
  const created = await kubeCall(`creating the placement anchor job ${name} in namespace ${namespace}`,
    () => access.batch.createNamespacedJob({ namespace, body: buildPlacementAnchor({ ...o, name }) }));
  return {
    name,
    owner: ownerReference('batch/v1', 'Job', created.metadata),
    async remove() {
      try {
        await kubeCall(`deleting the placement anchor job ${name} in namespace ${namespace}`,
          () => access.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background', gracePeriodSeconds: 0 }));
      } catch (err) {
        if (statusCodeOf(err) !== 404) throw err;
      }
    },
  };
}
