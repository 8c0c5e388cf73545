// Why the agent's pod was not admitted, and what fixes it: Pod Security, a ResourceQuota, an
// admission webhook. The refusal comes either from a dry-run create of the pod (before the Job
// exists) or, when the Job controller's own create is refused, from the Job's FailedCreate event —
// without it the Job's pod silently never appears and the session would wait for its start-up timeout.
import { ClusterError, statusCodeOf, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';

const EPHEMERAL_HINT = 'use ephemeral mode ("agent": {"ephemeral": true} / --ephemeral), which adds the agent to the target pod instead of creating one';

/** The refusal an admission step gave to `message` (an API answer), with its fix; undefined when it is not one. */
export function admissionFix(message: string): string | undefined {
  if (/PodSecurity/.test(message)) return `${EPHEMERAL_HINT}, or see \`kmirror doctor\``;
  if (/exceeded quota/i.test(message)) {
    return `ask the namespace's administrator for room in its ResourceQuota (or free some), or ${EPHEMERAL_HINT}`;
  }
  if (/admission webhook/i.test(message)) {
    return `ask the webhook's owner to admit kmirror's agent pods (label app.kubernetes.io/managed-by=kmirror), or ${EPHEMERAL_HINT}`;
  }
  return undefined;
}

/** A ClusterError for a refused agent pod, or undefined when `err` is not an admission refusal (e.g. plain RBAC). */
export function admissionRefusal(err: unknown, what: string): ClusterError | undefined {
  const e = toClusterError(err, what);
  const fix = admissionFix(e.message);
  if (!fix) return undefined;
  return new ClusterError('FORBIDDEN', `${e.message} — ${fix}`, { ...(e.statusCode !== undefined ? { statusCode: e.statusCode } : {}), cause: err });
}

const POLL_MS = 1000;

/**
 * Rejects with AGENT_FAILED when the Job controller reports that it could not create `jobName`'s
 * pod (a FailedCreate event); never resolves otherwise. Stops with `signal`. Reading events is
 * optional: without that permission it stops looking and the pod wait's own deadline applies.
 */
export function failedPodCreation(access: KubeAccess, opts: { namespace: string; jobName: string; signal: AbortSignal }): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => clearTimeout(timer);
    opts.signal.addEventListener('abort', stop, { once: true });
    const look = async (): Promise<void> => {
      try {
        const events = await access.core.listNamespacedEvent({
          namespace: opts.namespace,
          fieldSelector: `involvedObject.kind=Job,involvedObject.name=${opts.jobName},reason=FailedCreate`,
        });
        const refused = events.items.at(-1);
        if (refused && !opts.signal.aborted) {
          const message = refused.message ?? 'the Job controller could not create the pod';
          const fix = admissionFix(message);
          stop();
          reject(new ClusterError('AGENT_FAILED', `agent job ${opts.jobName} in namespace ${opts.namespace} cannot create its pod: ${message}${fix ? ` — ${fix}` : ''}`));
          return;
        }
      } catch (err) {
        const status = statusCodeOf(err);
        if (status === 403 || status === 401) return stop();   // no permission to read events: the pod wait decides
      }
      if (!opts.signal.aborted) timer = setTimeout(() => void look(), POLL_MS);
    };
    void look();
  });
}
