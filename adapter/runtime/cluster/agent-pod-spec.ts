// Pure builders for the in-cluster agent (DESIGN.md "Agent placement"): the node Job (pinned to
// the target's node, hostPID, a few capabilities, never privileged) and the ephemeral container
// (inside the target pod, sharing the target container's PID namespace). Both listen on loopback
// only: the workstation reaches them through the API server's port-forward. The session token
// lives in a per-session Secret that the agent's env references (see agent-token-secret.ts):
// pod specs are readable by anyone who may get pods, Secrets are not.
import type { V1EnvVar, V1EphemeralContainer, V1Job, V1OwnerReference, V1Pod, V1Secret } from '@kubernetes/client-node';
import { formatTarget, type ContainerIdTarget, type PidTarget } from '#proto/runtime/target.js';

/** Capabilities the node-job agent needs: BPF programs, netns setns, /proc of other containers. */
export const NODE_JOB_CAPABILITIES = ['BPF', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE'] as const;
/** Capabilities an ephemeral agent asks for when steal/mirror are wanted (setns + BPF). */
export const EPHEMERAL_TRAFFIC_CAPABILITIES = ['BPF', 'NET_ADMIN', 'SYS_ADMIN'] as const;

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_SESSION = 'kmirror.dev/session';
export const ANNOTATION_TARGET = 'kmirror.dev/target';
export const AGENT_CONTAINER = 'kmirror-agent';
/** Key of the token in the session's Secret. */
export const TOKEN_SECRET_KEY = 'token';
/** Selects every object kmirror creates (cleanup checks, e2e "nothing remains"). */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=kmirror`;

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface AgentImageOptions {
  image: string;
  pullPolicy: PullPolicy;
  /** Replaces the image's entrypoint when set (the image's ENTRYPOINT runs the agent otherwise). */
  command?: string[];
}

export interface AgentRuntimeOptions {
  sessionId: string;
  /** Loopback port the agent listens on inside its network namespace. */
  port: number;
  /** The agent exits when no client has been connected for this long. */
  idleExitSeconds: number;
  /** Addresses kubelet probes come from (the node's): steal leaves them to the app. */
  probeSources?: string[];
  /** Log level for the agent's JSON lines. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export interface NodeJobOptions extends AgentImageOptions, AgentRuntimeOptions {
  namespace: string;
  nodeName: string;
  /** Runtime ID of the target container; the agent finds its PID through /proc/*\/cgroup. */
  containerId: string;
  /** Human-readable target (annotation only). */
  targetDescription: string;
  /** Upper bound on the job's lifetime even if the idle exit never fires. */
  activeDeadlineSeconds: number;
  /** Seconds after the agent exits before the Job (and its pod) is garbage-collected. */
  ttlSecondsAfterFinished: number;
  extraLabels?: Record<string, string>;
}

export interface EphemeralOptions extends AgentImageOptions, AgentRuntimeOptions {
  targetContainer: string;
  /** Add the capabilities steal/mirror need; without them only outgoing/DNS/env/files work. */
  withTrafficCapabilities: boolean;
  /** Run as the target's user so /proc/1 (environ, root) is readable without CAP_SYS_PTRACE. */
  runAsUser?: number;
}

function sessionLabels(sessionId: string, extra?: Record<string, string>): Record<string, string> {
  return { ...extra, [LABEL_NAME]: AGENT_CONTAINER, [LABEL_MANAGED_BY]: 'kmirror', [LABEL_SESSION]: sessionId };
}

/** The token reaches the agent as env from the session's Secret: never a value in the spec, never argv. */
function agentEnv(o: AgentRuntimeOptions): V1EnvVar[] {
  return [
    { name: 'KMIRROR_AGENT_TOKEN', valueFrom: { secretKeyRef: { name: agentSecretName(o.sessionId), key: TOKEN_SECRET_KEY } } },
    ...(o.probeSources?.length ? [{ name: 'KMIRROR_PROBE_SOURCES', value: o.probeSources.join(',') }] : []),
  ];
}

// PID 1 of the agent's PID namespace: the target container's first process for an ephemeral agent
// (it joins that namespace), the agent itself for a targetless one.
const PID_NAMESPACE_INIT: PidTarget = { kind: 'pid', pid: 1 };

function agentArgs(target: ContainerIdTarget | PidTarget, o: AgentRuntimeOptions): string[] {
  return [
    '--target', formatTarget(target),
    '--listen', `127.0.0.1:${o.port}`,
    '--idle-exit', String(o.idleExitSeconds),
    ...(o.logLevel ? ['--log-level', o.logLevel] : []),
  ];
}

/** Name of the node Job for a session (≤ 63 characters: it becomes a pod name prefix and label). */
export function agentJobName(sessionId: string): string {
  return `kmirror-agent-${sessionId}`.slice(0, 52);
}

/** Name of the Secret holding a session's token (same length bound as the Job's name). */
export function agentSecretName(sessionId: string): string {
  return `kmirror-agent-${sessionId}`.slice(0, 52);
}

export interface TokenSecretOptions {
  sessionId: string;
  namespace: string;
  token: string;
  /** The object whose deletion takes the Secret with it (garbage collector). */
  owner?: V1OwnerReference;
  extraLabels?: Record<string, string>;
}

/** The session's token Secret, labelled like the agent; immutable (only its metadata may change). */
export function buildTokenSecret(o: TokenSecretOptions): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: agentSecretName(o.sessionId), namespace: o.namespace, labels: sessionLabels(o.sessionId, o.extraLabels),
      ...(o.owner ? { ownerReferences: [o.owner] } : {}),
    },
    type: 'Opaque',
    immutable: true,
    stringData: { [TOKEN_SECRET_KEY]: o.token },
  };
}

/** The node Job: hostPID, pinned to the node, capabilities only, bounded lifetime. */
export function buildNodeJob(o: NodeJobOptions): V1Job {
  const labels = sessionLabels(o.sessionId, o.extraLabels);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: agentJobName(o.sessionId), namespace: o.namespace, labels, annotations: { [ANNOTATION_TARGET]: o.targetDescription } },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: o.activeDeadlineSeconds,
      ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
      template: {
        metadata: { labels, annotations: { [ANNOTATION_TARGET]: o.targetDescription } },
        spec: {
          nodeName: o.nodeName,
          hostPID: true,
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 2,
          // Run wherever the target runs, tainted nodes included.
          tolerations: [{ operator: 'Exists' }],
          containers: [{
            name: AGENT_CONTAINER,
            image: o.image,
            imagePullPolicy: o.pullPolicy,
            ...(o.command ? { command: o.command } : {}),
            args: agentArgs({ kind: 'container-id', id: o.containerId }, o),
            env: agentEnv(o),
            securityContext: {
              privileged: false,
              runAsUser: 0,
              allowPrivilegeEscalation: false,
              capabilities: { add: [...NODE_JOB_CAPABILITIES] },
            },
            resources: { requests: { cpu: '10m', memory: '32Mi' } },
          }],
        },
      },
    },
  };
}

/** A free-looking loopback port for an agent sharing the target's netns (avoids declared ports). */
export function pickEphemeralPort(pod: V1Pod, random: () => number = Math.random): number {
  const declared = new Set((pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)));
  for (;;) {
    const port = 40000 + Math.floor(random() * 20000);
    if (!declared.has(port)) return port;
  }
}

/** Name of the ephemeral agent container for a session. */
export function ephemeralContainerName(sessionId: string): string {
  return `${AGENT_CONTAINER}-${sessionId}`.slice(0, 63);
}

/** The ephemeral container: joins the target container's PID namespace, where the target is PID 1. */
export function buildEphemeralContainer(o: EphemeralOptions): V1EphemeralContainer {
  return {
    name: ephemeralContainerName(o.sessionId),
    image: o.image,
    imagePullPolicy: o.pullPolicy,
    targetContainerName: o.targetContainer,
    ...(o.command ? { command: o.command } : {}),
    args: agentArgs(PID_NAMESPACE_INIT, o),
    env: agentEnv(o),
    securityContext: {
      privileged: false,
      allowPrivilegeEscalation: false,
      ...(o.runAsUser !== undefined ? { runAsUser: o.runAsUser } : {}),
      ...(o.withTrafficCapabilities ? { capabilities: { add: [...EPHEMERAL_TRAFFIC_CAPABILITIES] } } : {}),
    },
  };
}

/**
 * The targetless agent: the node Job without what a target needs — not pinned, no hostPID, no
 * capabilities; it serves outgoing traffic and DNS from its own pod (PID 1 is the agent itself).
 */
export function buildTargetlessJob(o: NodeJobOptions): V1Job {
  const job = buildNodeJob(o);
  const spec = job.spec?.template.spec;
  const container = spec?.containers[0];
  if (spec && container) {
    delete spec.nodeName;
    delete spec.tolerations;
    spec.hostPID = false;
    container.args = agentArgs(PID_NAMESPACE_INIT, o);
    container.securityContext = { privileged: false, allowPrivilegeEscalation: false };
  }
  return job;
}
