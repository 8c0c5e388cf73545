// Kubernetes access for the workstation: loads a kubeconfig (explicit file, $KUBECONFIG or
// ~/.kube/config, or in-cluster), selects the context and namespace, and builds the typed API
// clients once. The client library handles the auth plugins (exec, OIDC, token files, certs).
import {
  AppsV1Api, AuthorizationV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, ApiextensionsV1Api, KubeConfig,
} from '@kubernetes/client-node';
import { ClusterError } from './errors.js';

export interface KubeAccessOptions {
  /** --kubeconfig: a kubeconfig file; default $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** --context, or `kube_context` from the config file; default the kubeconfig's current context. */
  context?: string;
  /** -n; default the context's namespace, else "default". */
  namespace?: string;
}

export interface KubeAccess {
  readonly kubeConfig: KubeConfig;
  readonly contextName: string;
  /** The namespace targets resolve in unless they name their own. */
  readonly namespace: string;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly apiextensions: ApiextensionsV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly coordination: CoordinationV1Api;
}

/** Loads the kubeconfig and selects the context; throws ClusterError('KUBECONFIG') with the reason. */
export function openKubeAccess(opts: KubeAccessOptions = {}): KubeAccess {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    const where = opts.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new ClusterError('KUBECONFIG', `cannot load kubeconfig ${where}: ${(err as Error).message}`, { cause: err });
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new ClusterError('KUBECONFIG', `context "${opts.context}" is not in the kubeconfig (contexts: ${known})`);
    }
    kc.setCurrentContext(opts.context);
  }
  const contextName = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  // loadFromDefault's last resort when it found nothing at all: say so instead of dialing it.
  if (!opts.kubeconfig && cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080' && kc.getUsers().length === 1 && kc.getUsers()[0]?.name === 'user') {
    throw new ClusterError('KUBECONFIG', 'no kubeconfig found ($KUBECONFIG unset, no ~/.kube/config, not inside a cluster): pass --kubeconfig FILE or set KUBECONFIG');
  }
  if (!cluster) {
    throw new ClusterError('KUBECONFIG', `the kubeconfig has no cluster for context "${contextName || '(none)'}"; pass --kubeconfig or --context`);
  }
  const namespace = opts.namespace ?? kc.getContextObject(contextName)?.namespace ?? 'default';
  return {
    kubeConfig: kc,
    contextName,
    namespace,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    apiextensions: kc.makeApiClient(ApiextensionsV1Api),
    authorization: kc.makeApiClient(AuthorizationV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
  };
}
