// A pod informer (list + watch through the client library's ListWatch, which handles 410 Gone)
// that restarts itself after errors and stops with an AbortSignal. Callers get the current pod
// list on every change; waitForPods turns that into a bounded wait for a condition.
import { ListWatch, Watch, type V1Pod } from '@kubernetes/client-node';
import { ClusterError, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';

export interface PodInformerOptions {
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
  signal?: AbortSignal;
  /** Called after every add/update/delete with the full current list. */
  onChange(pods: readonly V1Pod[], changed: { type: 'add' | 'update' | 'delete'; pod: V1Pod }): void;
  /** Called for list/watch errors before the informer restarts (1 s later). */
  onError?(err: ClusterError): void;
}

export interface PodInformer {
  list(): readonly V1Pod[];
  stop(): Promise<void>;
}

const RESTART_DELAY_MS = 1000;

/** Starts a self-restarting pod informer. */
export function startPodInformer(access: KubeAccess, opts: PodInformerOptions): PodInformer {
  const path = `/api/v1/namespaces/${encodeURIComponent(opts.namespace)}/pods`;
  const listFn = () => access.core.listNamespacedPod({
    namespace: opts.namespace,
    ...(opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {}),
    ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}),
  });
  const informer = new ListWatch<V1Pod>(path, new Watch(access.kubeConfig), listFn, false, opts.labelSelector, opts.fieldSelector);
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const emit = (type: 'add' | 'update' | 'delete') => (pod: V1Pod) => {
    if (!stopped) opts.onChange(informer.list(opts.namespace), { type, pod });
  };
  informer.on('add', emit('add'));
  informer.on('update', emit('update'));
  informer.on('delete', emit('delete'));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    opts.onError?.(toClusterError(err, `watching pods in namespace ${opts.namespace}`));
    restartTimer = setTimeout(() => { if (!stopped) void informer.start(); }, RESTART_DELAY_MS);
  });
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearTimeout(restartTimer);
    opts.signal?.removeEventListener('abort', onAbort);
    await informer.stop();
  };
  const onAbort = (): void => { void stop(); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  void informer.start();
  return { list: () => informer.list(opts.namespace), stop };
}

/**
 * Waits until `check` returns a value for the pods matching the selectors. `check` may throw to
 * fail the wait early (e.g. the container terminated). Bounded by `timeoutMs` and `signal`.
 */
export async function waitForPods<T>(
  access: KubeAccess,
  opts: { namespace: string; labelSelector?: string; fieldSelector?: string; timeoutMs: number; signal?: AbortSignal; what: string;
    /** What was last seen, for the timeout message (e.g. the container's waiting reason). */
    lastSeen?: () => string | undefined },
  check: (pods: readonly V1Pod[]) => T | undefined,
): Promise<T> {
  if (opts.signal?.aborted) throw new ClusterError('ABORTED', `${opts.what}: aborted`);
  const inner = new AbortController();
  let informer: PodInformer | undefined;
  let lastError: ClusterError | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ClusterError('TIMEOUT',
        `${opts.what}: not done after ${opts.timeoutMs} ms${opts.lastSeen?.() ? `; last seen: ${opts.lastSeen()}` : ''}${lastError ? ` (last error: ${lastError.message})` : ''}`)), opts.timeoutMs);
      inner.signal.addEventListener('abort', () => clearTimeout(timer));
      opts.signal?.addEventListener('abort', () => reject(new ClusterError('ABORTED', `${opts.what}: aborted`)), { signal: inner.signal });
      const evaluate = (pods: readonly V1Pod[]): void => {
        try {
          const result = check(pods);
          if (result !== undefined) resolve(result);
        } catch (err) {
          reject(err);
        }
      };
      informer = startPodInformer(access, {
        namespace: opts.namespace,
        ...(opts.labelSelector !== undefined ? { labelSelector: opts.labelSelector } : {}),
        ...(opts.fieldSelector !== undefined ? { fieldSelector: opts.fieldSelector } : {}),
        signal: inner.signal,
        onChange: (pods) => evaluate(pods),
        onError: (err) => {
          lastError = err;
          // RBAC refusals will not heal by retrying.
          if (err.code === 'FORBIDDEN' || err.code === 'UNAUTHORIZED') reject(err);
        },
      });
    });
  } finally {
    inner.abort();
    await informer?.stop();
  }
}
