// The debugger container of a remote attach (Go, Python): an ephemeral container in the target pod
// that shares the target container's PID namespace (targetContainerName) and adds only the
// SYS_PTRACE capability. Steps: refuse before anything is created when Pod Security forbids the
// capability (the namespace's enforce label, then a dry run of the same change, which also sees
// cluster-wide defaults) → add the container → wait until it runs, failing fast on an image the
// node cannot get → read its log until the debugger says where it listens (127.0.0.1 of the pod).
// An ephemeral container cannot be removed from its pod: the debugger exits when its client
// detaches, and the record of the exited container stays in the pod (Kubernetes keeps it).
import type { V1EphemeralContainer, V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { PullPolicy } from './agent-pod-spec.js';
import { ClusterError, kubeCall, statusCodeOf, toClusterError } from './errors.js';
import type { KubeAccess } from './kube-access.js';
import { waitForPods } from './pod-informer.js';
import { ptraceRefusal, type PodSecurityLevel } from './pod-security-ptrace.js';

export interface DebuggerContainerSpec {
  namespace: string;
  podName: string;
  /** The application container whose PID namespace the debugger joins. */
  targetContainer: string;
  image: string;
  pullPolicy: PullPolicy;
  /** Name prefix (kmirror-dlv, kmirror-debugpy); a random suffix is added. */
  prefix: string;
  command: string[];
  /** The log line that says the debugger listens; the match is returned. */
  readyLine: RegExp;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What a caller gives; the pod and container come from the session's target. */
export type DebuggerSpec = Omit<DebuggerContainerSpec, 'namespace' | 'podName' | 'targetContainer'>;

export interface StartedDebuggerContainer {
  readonly name: string;
  readonly ready: RegExpExecArray;
}

const IMAGE_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);
const FATAL_WAITING = new Set([...IMAGE_WAITING, 'CreateContainerError', 'RunContainerError']);
const LOG_POLL_MS = 200;

export function debuggerContainer(spec: DebuggerContainerSpec, name: string): V1EphemeralContainer {
  return {
    name, image: spec.image, imagePullPolicy: spec.pullPolicy, command: spec.command, targetContainerName: spec.targetContainer,
    // Only what ptrace needs: no privilege, no host access, no other capability.
    securityContext: { capabilities: { add: ['SYS_PTRACE'] } },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** The enforce level of the namespace's Pod Security labels; undefined when unset or not readable. */
async function enforceLevel(access: KubeAccess, namespace: string): Promise<PodSecurityLevel | undefined> {
  try {
    const ns = await access.core.readNamespace({ name: namespace });
    return ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] as PodSecurityLevel | undefined;
  } catch {
    return undefined; // not allowed to read namespaces: the dry run below still asks admission
  }
}

function withContainer(pod: V1Pod, container: V1EphemeralContainer): V1Pod {
  return { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), container] } };
}

/** Adds the container (dry run first); a Pod Security refusal becomes the clear message. */
async function addContainer(access: KubeAccess, spec: DebuggerContainerSpec, container: V1EphemeralContainer): Promise<void> {
  const { namespace, podName } = spec;
  const level = await enforceLevel(access, namespace);
  const refusal = ptraceRefusal(namespace, level);
  if (refusal) throw new ClusterError('FORBIDDEN', refusal);
  const pod = await kubeCall(`reading pod ${podName} in namespace ${namespace}`, () => access.core.readNamespacedPod({ name: podName, namespace }));
  const what = `adding debugger container ${container.name} to pod ${podName} in namespace ${namespace}`;
  for (const dryRun of ['All', undefined]) {
    try {
      await access.core.replaceNamespacedPodEphemeralcontainers({ name: podName, namespace, body: withContainer(pod, container), ...(dryRun ? { dryRun } : {}) });
    } catch (err) {
      const e = toClusterError(err, what);
      if (statusCodeOf(err) === 403 && /PodSecurity|violates/i.test(e.message)) {
        throw new ClusterError('FORBIDDEN', `${ptraceRefusal(namespace, 'admission') ?? ''} (${e.message})`, { statusCode: 403 });
      }
      throw e;
    }
  }
}

/** The container's state: undefined while starting, true when running, else throws with the reason. */
function containerRunning(pod: V1Pod | undefined, spec: DebuggerContainerSpec, name: string, seen: { detail?: string }): true | undefined {
  if (!pod) throw new ClusterError('NOT_FOUND', `pod ${spec.podName} in namespace ${spec.namespace} is gone`);
  if (pod.metadata?.deletionTimestamp) throw new ClusterError('AGENT_FAILED', `pod ${spec.podName} is being deleted`);
  const status = pod.status?.ephemeralContainerStatuses?.find((s) => s.name === name);
  const st = status?.state;
  if (st?.running) return true;
  if (st?.terminated) {
    const t = st.terminated;
    throw new ClusterError('AGENT_FAILED', `debugger container ${name} in pod ${spec.podName} exited (exit code ${t.exitCode}${t.reason ? `, ${t.reason}` : ''})${t.message?.trim() ? `: ${t.message.trim().slice(-500)}` : ''}`);
  }
  const waiting = st?.waiting;
  if (waiting?.reason && FATAL_WAITING.has(waiting.reason)) {
    const fix = IMAGE_WAITING.has(waiting.reason)
      ? ` — the node cannot get the debugger image ${spec.image}. Fix: build it from debugger/Dockerfile, push it where the nodes pull from, and set "debugger": {"image": "REGISTRY/kmirror-debugger:TAG"} in the kmirror settings`
      : '';
    throw new ClusterError('AGENT_FAILED', `debugger container ${name} in pod ${spec.podName} cannot start: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}${fix}`);
  }
  seen.detail = `container ${name}: ${waiting?.reason ?? 'not started'}`;
  return undefined;
}

async function readyFromLog(access: KubeAccess, spec: DebuggerContainerSpec, name: string, deadline: number): Promise<RegExpExecArray> {
  let log = '';
  while (Date.now() < deadline) {
    if (spec.signal?.aborted) throw new ClusterError('ABORTED', `starting debugger container ${name}: aborted`);
    log = await kubeCall(`reading the log of debugger container ${name}`, () => access.core.readNamespacedPodLog({ name: spec.podName, namespace: spec.namespace, container: name }));
    const m = spec.readyLine.exec(log);
    if (m) return m;
    const pod = await kubeCall(`reading pod ${spec.podName}`, () => access.core.readNamespacedPod({ name: spec.podName, namespace: spec.namespace }));
    containerRunning(pod, spec, name, {});
    await new Promise((r) => setTimeout(r, LOG_POLL_MS));
  }
  throw new ClusterError('TIMEOUT', `debugger container ${name} in pod ${spec.podName} did not say where it listens within ${spec.timeoutMs} ms; its log: ${log.trim().slice(-500) || '(empty)'}`);
}

/** Places the debugger container and waits until it listens. */
export async function startDebuggerContainer(access: KubeAccess, spec: DebuggerContainerSpec): Promise<StartedDebuggerContainer> {
  const name = `${spec.prefix}-${randomBytes(3).toString('hex')}`;
  const deadline = Date.now() + spec.timeoutMs;
  await addContainer(access, spec, debuggerContainer(spec, name));
  const seen: { detail?: string } = {};
  await waitForPods(access, {
    namespace: spec.namespace, fieldSelector: `metadata.name=${spec.podName}`, timeoutMs: spec.timeoutMs,
    what: `starting debugger container ${name} (image ${spec.image}) in pod ${spec.podName}`, lastSeen: () => seen.detail, ...(spec.signal ? { signal: spec.signal } : {}),
  }, (pods) => containerRunning(pods[0], spec, name, seen));
  return { name, ready: await readyFromLog(access, spec, name, deadline) };
}
