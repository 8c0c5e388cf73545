// The Kubernetes command-line flags shared by the CLIs (--kubeconfig, --context, -n, -c), applied
// to a loaded configuration: flags win over the file. Pure.
import type { KmirrorConfig } from '../config/types.js';

export const KUBE_FLAG_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  container: { type: 'string', short: 'c' },
} as const;

export const KUBE_FLAGS_USAGE = '[--kubeconfig FILE] [--context NAME] [-n NAMESPACE] [-c CONTAINER]';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  container?: string;
}

/** The config with the flags applied, the target to use, and the kubeconfig file to load (if given). */
export function applyKubeFlags(config: KmirrorConfig, flags: KubeFlags, target?: string): { config: KmirrorConfig; target?: string; kubeconfig?: string } {
  let path = target ?? (typeof config.target === 'string' ? config.target : config.target?.path);
  if (flags.container !== undefined && path !== undefined && !path.includes('/container/')) path = `${path}/container/${flags.container}`;
  const namespace = flags.namespace ?? (typeof config.target === 'object' ? config.target.namespace : undefined);
  const out: KmirrorConfig = {
    ...config,
    ...(flags.context !== undefined ? { kube_context: flags.context } : {}),
    ...(path !== undefined ? { target: namespace !== undefined ? { path, namespace } : path } : {}),
  };
  return { config: out, ...(path !== undefined ? { target: path } : {}), ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}) };
}
