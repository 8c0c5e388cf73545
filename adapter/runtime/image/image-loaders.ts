// Puts a built image (a docker-archive tar) straight into a local cluster's container runtime, so
// no registry is needed: containerd (ctr), kind, minikube, k3d.
import { ImageError } from './image-error.js';
import { runTool } from './run-tool.js';

export const LOAD_TARGETS = ['containerd', 'kind', 'minikube', 'k3d'] as const;
export type LoadTarget = (typeof LOAD_TARGETS)[number];

export interface LoadOptions {
  /** containerd: its socket (default $CONTAINERD_ADDRESS or /run/containerd/containerd.sock). */
  containerdSocket?: string;
  /** containerd: the namespace the kubelet uses (default k8s.io). */
  containerdNamespace?: string;
  /** kind / k3d cluster name, minikube profile. */
  cluster?: string;
}

export const DEFAULT_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
export const DEFAULT_CONTAINERD_NAMESPACE = 'k8s.io';

/** The containerd socket and namespace a load uses. */
export function containerdOf(opts: LoadOptions): { socket: string; namespace: string } {
  return {
    socket: opts.containerdSocket ?? (process.env.CONTAINERD_ADDRESS || DEFAULT_CONTAINERD_SOCKET),
    namespace: opts.containerdNamespace ?? DEFAULT_CONTAINERD_NAMESPACE,
  };
}

/** Imports `tarPath` into `target`; returns a line saying where the image now is. */
export async function loadImage(target: LoadTarget, tarPath: string, opts: LoadOptions = {}): Promise<string> {
  try {
    switch (target) {
      case 'containerd': {
        const { socket, namespace } = containerdOf(opts);
        await runTool('ctr', ['-a', socket, '-n', namespace, 'images', 'import', tarPath]);
        return `containerd at ${socket} (namespace ${namespace})`;
      }
      case 'kind':
        await runTool('kind', ['load', 'image-archive', tarPath, ...(opts.cluster ? ['--name', opts.cluster] : [])]);
        return `kind cluster ${opts.cluster ?? 'kind'}`;
      case 'minikube':
        await runTool('minikube', ['image', 'load', tarPath, ...(opts.cluster ? ['-p', opts.cluster] : [])]);
        return `minikube profile ${opts.cluster ?? 'minikube'}`;
      case 'k3d':
        await runTool('k3d', ['image', 'import', tarPath, ...(opts.cluster ? ['-c', opts.cluster] : [])]);
        return `k3d cluster ${opts.cluster ?? 'k3s-default'}`;
    }
  } catch (err) {
    if (err instanceof ImageError && err.code === 'TOOL_MISSING') {
      const tool = target === 'containerd' ? 'ctr (containerd\'s client)' : target;
      throw new ImageError('TOOL_MISSING', `--load ${target} needs ${tool} on this machine: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
