// Parses the Kubernetes target forms (DESIGN.md "Targets"): pod/NAME, deploy|deployment/NAME,
// statefulset/NAME, rollout/NAME, job/NAME, svc|service/NAME, each optionally followed by
// /container/NAME (or given -c NAME). Pure: resolution against the API server lives in
// adapter/runtime/cluster/resolve-target.ts.
import { ClusterError } from '../cluster/errors.js';

export type KubeTargetKind = 'pod' | 'deployment' | 'statefulset' | 'rollout' | 'job' | 'service';

export interface KubeTargetSpec {
  readonly kind: KubeTargetKind;
  readonly name: string;
  /** Explicit container (from /container/NAME or -c NAME). */
  readonly container?: string;
  /** Explicit namespace (-n or the config's target.namespace); else the context's. */
  readonly namespace?: string;
  /** Canonical form, e.g. "deployment/web/container/app". */
  readonly spec: string;
}

const KIND_ALIASES: Readonly<Record<string, KubeTargetKind>> = {
  pod: 'pod', pods: 'pod', po: 'pod',
  deploy: 'deployment', deployment: 'deployment', deployments: 'deployment',
  statefulset: 'statefulset', statefulsets: 'statefulset', sts: 'statefulset',
  rollout: 'rollout', rollouts: 'rollout', ro: 'rollout',
  job: 'job', jobs: 'job',
  svc: 'service', service: 'service', services: 'service',
};

// RFC 1123 subdomain (object names) and label (container names, namespaces).
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True when `target` starts with one of the Kubernetes kinds (so a local pid/netns parser can defer). */
export function isKubeTargetString(target: string): boolean {
  const kind = target.split('/', 1)[0] ?? '';
  return Object.hasOwn(KIND_ALIASES, kind.toLowerCase()) && target.includes('/');
}

function invalid(message: string): ClusterError {
  return new ClusterError('INVALID_TARGET', message);
}

/** Parses a Kubernetes target string; `container`/`namespace` come from -c / -n. */
export function parseKubeTarget(target: string, opts: { container?: string; namespace?: string } = {}): KubeTargetSpec {
  const parts = target.trim().split('/');
  const kindWord = parts[0] ?? '';
  const kind = KIND_ALIASES[kindWord.toLowerCase()];
  if (!kind) {
    throw invalid(`unknown target kind "${kindWord}" in "${target}"; expected pod/, deploy/, statefulset/, rollout/, job/ or svc/`);
  }
  const name = parts[1] ?? '';
  if (!name) throw invalid(`target "${target}" has no name; write ${kindWord}/NAME`);
  if (name.length > 253 || !SUBDOMAIN.test(name)) {
    throw invalid(`"${name}" in target "${target}" is not a valid Kubernetes object name (lowercase RFC 1123 subdomain)`);
  }
  let container: string | undefined;
  if (parts.length > 2) {
    if (parts[2] !== 'container' || parts.length !== 4 || !parts[3]) {
      throw invalid(`target "${target}": after ${kindWord}/${name} only /container/NAME may follow`);
    }
    container = parts[3];
  }
  if (opts.container !== undefined) {
    if (container !== undefined && container !== opts.container) {
      throw invalid(`target "${target}" names container "${container}" but -c names "${opts.container}"; give one`);
    }
    container = opts.container;
  }
  if (container !== undefined && (container.length > 63 || !LABEL.test(container))) {
    throw invalid(`"${container}" is not a valid container name (lowercase RFC 1123 label)`);
  }
  if (opts.namespace !== undefined && (opts.namespace.length > 63 || !LABEL.test(opts.namespace))) {
    throw invalid(`"${opts.namespace}" is not a valid namespace name (lowercase RFC 1123 label)`);
  }
  const spec = `${kind}/${name}` + (container ? `/container/${container}` : '');
  return {
    kind, name, spec,
    ...(container !== undefined ? { container } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  };
}
