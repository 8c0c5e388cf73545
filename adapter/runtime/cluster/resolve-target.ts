// Resolves a parsed Kubernetes target to one running container: reads the workload (if any) for
// its pod selector, picks a ready pod, chooses the container and reads its runtime container ID
// (which the node-job agent uses to find the process on the node). Rollouts need the Argo CRD.
import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { KubeTarget } from '../targets/kube-target.js';
import { chooseContainer, type ContainerChoice } from '../targets/container-choice.js';
import { ClusterError, kubeCall, statusCodeOf } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import {
  describeNotReady, labelSelectorToString, mapSelectorToString, pickReadyPod, runningContainerId,
} from './pod-selection.js';

export interface ResolvedKubeTarget {
  readonly spec: KubeTarget;
  readonly namespace: string;
  readonly pod: V1Pod;
  readonly podName: string;
  readonly podUid: string;
  readonly nodeName: string;
  readonly container: ContainerChoice;
  /** Runtime container ID without the "containerd://" prefix. */
  readonly containerId: string;
  /** For workload targets: the pod label selector used to follow a replacement pod. */
  readonly podSelector?: string;
}

/** Finds the pod selector of a workload target (undefined for pod/NAME). */
export async function workloadPodSelector(access: KubeAccess, spec: KubeTarget, namespace: string): Promise<string | undefined> {
  const what = `${spec.kind}/${spec.name} in namespace ${namespace}`;
  const args = { name: spec.name, namespace };
  switch (spec.kind) {
    case 'pod':
      return undefined;
    case 'deployment': {
      const d = await kubeCall(`reading ${what}`, () => access.apps.readNamespacedDeployment(args));
      return labelSelectorToString(d.spec?.selector, what);
    }
    case 'statefulset': {
      const s = await kubeCall(`reading ${what}`, () => access.apps.readNamespacedStatefulSet(args));
      return labelSelectorToString(s.spec?.selector, what);
    }
    case 'job': {
      const j = await kubeCall(`reading ${what}`, () => access.batch.readNamespacedJob(args));
      return labelSelectorToString(j.spec?.selector, what);
    }
    case 'service': {
      const s = await kubeCall(`reading ${what}`, () => access.core.readNamespacedService(args));
      if (!s.spec?.selector || Object.keys(s.spec.selector).length === 0) {
        throw new ClusterError('INVALID_TARGET', `${what} has no pod selector (it may point at external endpoints); target a pod instead`);
      }
      return mapSelectorToString(s.spec.selector, what);
    }
    case 'rollout':
      return rolloutPodSelector(access, spec.name, namespace, what);
  }
}

async function rolloutPodSelector(access: KubeAccess, name: string, namespace: string, what: string): Promise<string> {
  let rollout: { spec?: { selector?: V1LabelSelector; workloadRef?: { kind?: string; name?: string } } };
  try {
    rollout = await access.custom.getNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace, plural: 'rollouts', name }) as typeof rollout;
  } catch (err) {
    if (statusCodeOf(err) === 404 && !(await rolloutCrdExists(access))) {
      throw new ClusterError('UNSUPPORTED', `cannot target ${what}: the Argo Rollouts CRD (rollouts.argoproj.io) is not installed in this cluster`, { statusCode: 404 });
    }
    return kubeCall(`reading ${what}`, () => Promise.reject(err));
  }
  const ref = rollout.spec?.workloadRef;
  if (!rollout.spec?.selector && ref?.kind === 'Deployment' && ref.name) {
    const refName = ref.name;
    const d = await kubeCall(`reading deployment/${refName} referenced by ${what}`, () => access.apps.readNamespacedDeployment({ name: refName, namespace }));
    return labelSelectorToString(d.spec?.selector, what);
  }
  return labelSelectorToString(rollout.spec?.selector, what);
}

/** True when the Argo Rollouts CRD is installed (false also when we may not read CRDs and the lookup 404'd). */
export async function rolloutCrdExists(access: KubeAccess): Promise<boolean> {
  try {
    await access.apiextensions.readCustomResourceDefinition({ name: 'rollouts.argoproj.io' });
    return true;
  } catch (err) {
    if (statusCodeOf(err) === 404) return false;
    throw new ClusterError('UNSUPPORTED', `cannot tell whether the Argo Rollouts CRD exists: ${(err as Error).message}`, { cause: err });
  }
}

/** Lists the pods matching a selector. */
export async function listPods(access: KubeAccess, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  const list = await kubeCall(`listing pods (${labelSelector}) in namespace ${namespace}`,
    () => access.core.listNamespacedPod({ namespace, labelSelector }));
  return list.items;
}

/** Builds the resolved target for one chosen pod; throws when its container is not running. */
export function resolveInPod(spec: KubeTarget, namespace: string, pod: V1Pod, podSelector?: string): ResolvedKubeTarget {
  const podName = pod.metadata?.name ?? '';
  const container = chooseContainer(pod, spec.container);
  const containerId = runningContainerId(pod, container.name);
  if (!containerId) {
    throw new ClusterError('NO_READY_POD', `container "${container.name}" of pod ${podName} in namespace ${namespace} is not running (${describeNotReady([pod])})`);
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw new ClusterError('NO_READY_POD', `pod ${podName} is not scheduled to a node yet`);
  return {
    spec, namespace, pod, podName, podUid: pod.metadata?.uid ?? '', nodeName, container, containerId,
    ...(podSelector !== undefined ? { podSelector } : {}),
  };
}

/** Resolves `spec` to a running container of a ready pod (any running pod for pod/NAME). */
export async function resolveKubeTarget(access: KubeAccess, spec: KubeTarget): Promise<ResolvedKubeTarget> {
  const namespace = spec.namespace ?? access.namespace;
  const selector = await workloadPodSelector(access, spec, namespace);
  if (selector === undefined) {
    const pod = await kubeCall(`reading pod/${spec.name} in namespace ${namespace}`,
      () => access.core.readNamespacedPod({ name: spec.name, namespace }));
    return resolveInPod(spec, namespace, pod);
  }
  const pods = await listPods(access, namespace, selector);
  const pod = pickReadyPod(pods);
  if (!pod) {
    throw new ClusterError('NO_READY_POD', `${spec.kind}/${spec.name} in namespace ${namespace} has no ready pod: ${describeNotReady(pods)}`);
  }
  return resolveInPod(spec, namespace, pod, selector);
}
