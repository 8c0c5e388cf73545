// Pod helpers for e2e tests on the project's test cluster: wait for readiness, exec through kubectl and
// `kubectl port-forward` to an ephemeral local port. Every wait is bounded; a port-forward is a child process
// the caller closes (also on failure: use try/finally).
import { spawn } from 'node:child_process';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { KUBECTL, kubectl, waitFor } from './cluster.js';

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Waits until a pod matching `labelSelector` is Ready and returns it. */
export async function waitForReadyPod(core: CoreV1Api, namespace: string, labelSelector: string,
  timeoutMs = 120_000): Promise<V1Pod> {
  return waitFor(`a Ready pod ${labelSelector} in ${namespace}`, async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    return list.items.find((p) => isPodReady(p) && !p.metadata?.deletionTimestamp);
  }, timeoutMs);
}

/** Waits until the named pod is Ready and returns it. */
export async function waitForPodReady(core: CoreV1Api, namespace: string, name: string,
  timeoutMs = 120_000): Promise<V1Pod> {
  return waitFor(`pod ${namespace}/${name} to be Ready`, async () => {
    const pod = await core.readNamespacedPod({ namespace, name });
    return isPodReady(pod) ? pod : undefined;
  }, timeoutMs);
}

/** `kubectl exec` a command in a pod's container and returns its stdout. */
export async function execInPod(namespace: string, pod: string, command: string[],
  opts: { container?: string; timeoutMs?: number } = {}): Promise<string> {
  const args = ['exec', '-n', namespace, pod, ...(opts.container ? ['-c', opts.container] : []), '--', ...command];
  return (await kubectl(args, { timeoutMs: opts.timeoutMs ?? 30_000 })).stdout;
}

export interface PortForward {
  readonly localPort: number;
  close(): void;
}

/** `kubectl port-forward` of a pod's port to an ephemeral port on 127.0.0.1. */
export function portForward(namespace: string, pod: string, remotePort: number, timeoutMs = 30_000): Promise<PortForward> {
  const child = spawn(KUBECTL, ['port-forward', '-n', namespace, `pod/${pod}`, `:${remotePort}`, '--address', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(new Error(`port-forward to ${pod}:${remotePort} not ready in ${timeoutMs} ms`)),
      timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill();
      reject(new Error(`${err.message}\n${output}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ localPort: Number(m[1]), close: () => child.kill() });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`kubectl port-forward exited with ${code}`)));
  });
}
