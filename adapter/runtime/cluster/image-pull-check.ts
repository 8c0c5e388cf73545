// Can a node get the agent image? A short-lived pod with that image (running `node --version`,
// no privileges) on the target's node, watched until its container starts or cannot; the pod is
// deleted before the answer is returned. Used by `kmirror doctor`.
import type { V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { LABEL_MANAGED_BY, LABEL_NAME, type PullPolicy } from './agent-pod-spec.js';
import { agentContainerState } from './agent-pod-status.js';
import { admissionFix } from './agent-admission.js';
import { ClusterError, isClusterError, kubeCall, statusCodeOf, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { waitForPods } from './pod-informer.js';

export type ImagePullVerdict =
  | { status: 'ok'; text: string }
  | { status: 'fail'; text: string }
  | { status: 'unknown'; text: string };

export interface ImagePullCheckOptions {
  namespace: string;
  image: string;
  pullPolicy: PullPolicy;
  /** The target's node; any schedulable node when absent. */
  nodeName?: string;
  timeoutMs?: number;
}

const CONTAINER = 'image-check';

/** The check pod: the image's Node prints its version and exits; nothing else runs. */
export function imageCheckPod(opts: ImagePullCheckOptions, name: string): V1Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: opts.namespace, labels: { [LABEL_NAME]: 'kmirror-image-check', [LABEL_MANAGED_BY]: 'kmirror' } },
    spec: {
      restartPolicy: 'Never', activeDeadlineSeconds: 120, terminationGracePeriodSeconds: 0, automountServiceAccountToken: false,
      ...(opts.nodeName ? { nodeName: opts.nodeName, tolerations: [{ operator: 'Exists' }] } : {}),
      containers: [{
        name: CONTAINER, image: opts.image, imagePullPolicy: opts.pullPolicy, command: ['node', '--version'],
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
        resources: { requests: { cpu: '10m', memory: '16Mi' } },
      }],
    },
  };
}

/** Starts the check pod, waits until its image is there (container started) or cannot be, deletes the pod. */
export async function checkImagePull(access: KubeAccess, opts: ImagePullCheckOptions): Promise<ImagePullVerdict> {
  const name = `kmirror-image-check-${randomBytes(3).toString('hex')}`;
  const where = opts.nodeName ? `node ${opts.nodeName}` : `a node of namespace ${opts.namespace}`;
  try {
    await access.core.createNamespacedPod({ namespace: opts.namespace, body: imageCheckPod(opts, name) });
  } catch (err) {
    const e = toClusterError(err, `creating image check pod ${name} in namespace ${opts.namespace}`);
    const fix = admissionFix(e.message);
    return { status: 'unknown', text: `image ${opts.image} on ${where}: not checked (${e.message}${fix ? '' : '; the check needs create/delete on pods'})` };
  }
  try {
    const seen: { detail?: string } = {};
    await waitForPods(access, {
      namespace: opts.namespace, fieldSelector: `metadata.name=${name}`, timeoutMs: opts.timeoutMs ?? 60_000,
      what: `pulling ${opts.image} on ${where}`, lastSeen: () => seen.detail,
    }, (pods) => {
      const pod = pods[0];
      if (!pod) return undefined;
      // Started or already done: either way the node had the image.
      const status = pod.status?.containerStatuses?.find((s) => s.name === CONTAINER);
      if (status?.state?.terminated || status?.state?.running) return true;
      const st = agentContainerState(pod, CONTAINER, false);
      if (st.state === 'failed') throw new ClusterError('AGENT_FAILED', st.message);
      if (st.state === 'pending') seen.detail = st.detail;
      return undefined;
    });
    return { status: 'ok', text: `image ${opts.image}: present on ${where} (or pulled by it)` };
  } catch (err) {
    return { status: 'fail', text: `image ${opts.image} on ${where}: ${isClusterError(err) ? err.message : String(err)}` };
  } finally {
    await kubeCall(`deleting image check pod ${name}`, () => access.core.deleteNamespacedPod({ name, namespace: opts.namespace, gracePeriodSeconds: 0 }))
      .catch((err: unknown) => { if (statusCodeOf(err) !== 404 && !(isClusterError(err) && err.code === 'NOT_FOUND')) throw err; });
  }
}
