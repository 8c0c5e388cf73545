// The session token's Secret in the cluster: created before the agent (the kubelet resolves the
// agent's env `valueFrom.secretKeyRef` when it starts the container, and a missing Secret is a
// CreateContainerConfigError), removed with the session. It has an owner from its creation on —
// a placement anchor (placement-anchor.ts) that deletes itself shortly — so a client killed with
// -9 at any step leaves no Secret behind. Lifetimes per placement:
//  - node job: once the Job exists it becomes the Secret's only owner, so the garbage collector
//    deletes the Secret with the Job (idle exit + ttlSecondsAfterFinished: also after kill -9 of
//    the client); remove() deletes it explicitly too.
//  - ephemeral container: nothing per session is an API object there (the target pod outlives
//    the session), so the Secret is deleted as soon as the agent container runs — its env was
//    resolved at start and ephemeral containers are never restarted. Until then the anchor owns
//    it; the target pod does only when the role may not create Jobs.
import type { V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import { kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';

/** Creates the session's token Secret (built by buildTokenSecret). */
export async function createTokenSecret(access: KubeAccess, secret: V1Secret): Promise<void> {
  const namespace = secret.metadata?.namespace ?? '';
  await kubeCall(`creating the agent token secret ${secret.metadata?.name} in namespace ${namespace}`,
    () => access.core.createNamespacedSecret({ namespace, body: secret }));
}

/** Makes `owner` the Secret's owner, so the garbage collector deletes it together with the owner. */
export async function setTokenSecretOwner(access: KubeAccess, namespace: string, name: string, owner: V1OwnerReference): Promise<void> {
  await kubeCall(`making ${owner.kind.toLowerCase()} ${owner.name} the owner of the agent token secret ${name} in namespace ${namespace}`,
    () => access.core.patchNamespacedSecret({ namespace, name, body: [{ op: 'add', path: '/metadata/ownerReferences', value: [owner] }] }));
}

/** Deletes the token Secret; one that is already gone is fine. */
export async function deleteTokenSecret(access: KubeAccess, namespace: string, name: string): Promise<void> {
  try {
    await kubeCall(`deleting the agent token secret ${name} in namespace ${namespace}`, () => access.core.deleteNamespacedSecret({ namespace, name }));
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
}

/** An owner reference to an object the session created or targets (never blocks the owner's deletion). */
export function ownerReference(apiVersion: string, kind: string, metadata: { name?: string; uid?: string } | undefined): V1OwnerReference {
  if (!metadata?.name || !metadata.uid) throw new Error(`${kind} has no name or uid: cannot own the agent token secret`);
  return { apiVersion, kind, name: metadata.name, uid: metadata.uid };
}
