// Chooses the target container of a pod (DESIGN.md "Targets"): the explicit name, else the
// kubectl.kubernetes.io/default-container annotation, else the first container that is not a
// known mesh or helper sidecar. A choice the user did not make explicitly comes with a warning
// naming it, so a wrong guess is visible. Pure.
import type { V1Pod } from '@kubernetes/client-node';
import { TargetError } from '#proto/runtime/target.js';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** Containers injected by meshes and helpers; never the application the user means. */
export const KNOWN_SIDECARS: ReadonlySet<string> = new Set([
  'istio-proxy', 'istio-init', 'istio-validation',
  'linkerd-proxy', 'linkerd-init',
  'kuma-sidecar', 'kuma-init',
  'consul-dataplane', 'consul-connect-envoy-sidecar', 'envoy-sidecar',
  'vault-agent', 'vault-agent-init',
  'queue-proxy',                        // Knative serving
  'daprd',
  'cloud-sql-proxy', 'cloudsql-proxy',
  'aws-xray-daemon', 'xray-daemon',
  'datadog-agent', 'otel-collector', 'opentelemetry-collector',
  'oauth2-proxy', 'filebeat', 'fluent-bit', 'fluentd',
  'kmirror-agent',
]);

export interface ContainerChoice {
  readonly name: string;
  readonly reason: 'explicit' | 'annotation' | 'only-container' | 'first-non-sidecar' | 'first-container';
  /** Set when the choice was a guess among several containers. */
  readonly warning?: string;
}

/** Picks the container to target in `pod`; throws TargetError when `explicit` does not exist. */
export function chooseContainer(pod: V1Pod, explicit?: string): ContainerChoice {
  const podName = pod.metadata?.name ?? '(unnamed pod)';
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (names.length === 0) throw new TargetError(`pod ${podName} has no containers`);
  if (explicit !== undefined) {
    if (!names.includes(explicit)) {
      throw new TargetError(`pod ${podName} has no container "${explicit}" (containers: ${names.join(', ')})`);
    }
    return { name: explicit, reason: 'explicit' };
  }
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated !== undefined && names.includes(annotated)) return { name: annotated, reason: 'annotation' };
  const only = names.length === 1 ? names[0] : undefined;
  if (only !== undefined) return { name: only, reason: 'only-container' };
  const others = (chosen: string): string => names.filter((n) => n !== chosen).join(', ');
  const app = names.find((n) => !KNOWN_SIDECARS.has(n));
  if (app !== undefined) {
    return {
      name: app, reason: 'first-non-sidecar',
      warning: `pod ${podName} has several containers; targeting "${app}" (others: ${others(app)}); pass -c NAME or /container/NAME to choose`,
    };
  }
  // names is non-empty (checked above), so [0] exists.
  const first = names[0] as string;
  return {
    name: first, reason: 'first-container',
    warning: `every container of pod ${podName} looks like a sidecar; targeting "${first}" (others: ${others(first)}); pass -c NAME to choose`,
  };
}
