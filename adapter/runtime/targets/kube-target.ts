// A target that must be a Kubernetes object (pod/NAME, deploy/NAME, statefulset/NAME,
// rollout/NAME, job/NAME, svc/NAME, optionally /container/NAME or -c NAME), for the places that
// only take those (resolution, doctor). The syntax is the shared parser's (#proto/runtime/target.ts);
// resolution against the API server lives in adapter/runtime/cluster/resolve-target.ts. Pure.
import { KUBE_KINDS, parseTarget, type KubeTarget } from '#proto/runtime/target.js';

export type { KubeKind, KubeTarget } from '#proto/runtime/target.js';

/** Parses a Kubernetes target; `container`/`namespace` come from -c / -n. Throws TargetError. */
export function parseKubeTarget(target: string, opts: { container?: string; namespace?: string } = {}): KubeTarget {
  // Safe: `kinds` limits the result to the Kubernetes kinds.
  return parseTarget(target, { ...opts, kinds: KUBE_KINDS }) as KubeTarget;
}
