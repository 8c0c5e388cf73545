// The probe settings of a container in words, for the remote-attach warning: a process stopped at
// a breakpoint answers no probe, so the kubelet restarts it after period × failureThreshold.
import type { V1Pod, V1Probe } from '@kubernetes/client-node';

function action(p: V1Probe): string {
  if (p.httpGet) return `HTTP GET ${p.httpGet.path ?? '/'} on port ${String(p.httpGet.port)}`;
  if (p.tcpSocket) return `TCP port ${String(p.tcpSocket.port)}`;
  if (p.grpc) return `gRPC port ${p.grpc.port}`;
  if (p.exec) return `exec ${(p.exec.command ?? []).join(' ')}`;
  return 'probe';
}

function one(kind: string, p: V1Probe): string {
  const period = p.periodSeconds ?? 10;
  const failures = p.failureThreshold ?? 3;
  const timeout = p.timeoutSeconds ?? 1;
  return `${kind} ${action(p)} every ${period}s, timeout ${timeout}s, failureThreshold ${failures} (fails after ≈${period * failures}s stopped)`;
}

/** "livenessProbe …; readinessProbe …" of `container` in `pod`, or undefined when it has none. */
export function describeProbes(pod: V1Pod, container: string): string | undefined {
  const c = pod.spec?.containers.find((x) => x.name === container);
  if (!c) return undefined;
  const parts = [
    ...(c.livenessProbe ? [one('livenessProbe', c.livenessProbe)] : []),
    ...(c.readinessProbe ? [one('readinessProbe', c.readinessProbe)] : []),
    ...(c.startupProbe ? [one('startupProbe', c.startupProbe)] : []),
  ];
  return parts.length ? parts.join('; ') : undefined;
}
