// openClusterAgent: a self-healing agent session for a Kubernetes target. Steps: kube access →
// parse the target → its placement (node job, ephemeral container or targetless pod) → place the
// agent and complete the tunnel handshake over a port-forward → a ClusterAgentSession that
// follows port-forward drops, agent deaths and pod replacements. close() removes what the
// session created; if the client dies instead, the agent's idle exit and the Job's TTL do.
import { KUBE_KINDS, parseTarget, type KubeTarget, type TargetKind, type TargetlessTarget } from '#proto/runtime/target.js';
import { AGENT_DEFAULTS } from '../cluster/agent-defaults.js';
import type { AgentPlacementOptions } from '../cluster/agent-placement.js';
import { openKubeAccess, type KubeAccess, type KubeAccessOptions } from '../cluster/kube-access.js';
import { effectiveAgentImage } from '../image/image-settings.js';
import type { ClusterLog } from './cluster-agent-keeper.js';
import type { ClusterAgentSession } from './cluster-agent-session.js';
import type { ClusterAgentPlacement, ClusterPlacementContext } from './cluster-placement.js';
import { copyTargetPlacement, type CopyTargetOptions } from './copy-target.js';
import { ephemeralPlacement } from './ephemeral.js';
import { nodeJobPlacement } from './node-job.js';
import { targetlessPlacement } from './targetless.js';

export type { ClusterAgentInfo, ClusterAgentSession } from './cluster-agent-session.js';

/** The kinds a cluster places an agent for. */
export const CLUSTER_TARGET_KINDS: readonly TargetKind[] = [...KUBE_KINDS, 'targetless'];

export interface ClusterAgentOptions extends KubeAccessOptions {
  /** pod/NAME, deploy/NAME, ..., targetless (see #proto/runtime/target.ts). */
  target: string;
  /** -c NAME. */
  container?: string;
  agent?: Partial<AgentPlacementOptions>;
  /** Give up reconnecting after this long. Default 60 s. */
  reconnectTimeoutMs?: number;
  /** copy_target: work on a copy of the target pod (optionally scaling its Deployment to 0). */
  copyTarget?: CopyTargetOptions;
  /** Receives one line per notable step (choice of container, agent placed, reconnects). */
  log?: ClusterLog;
  signal?: AbortSignal;
}

/** The placement for a parsed cluster target: targetless, a copy of the target, else node job or ephemeral per `agent.mode`. */
export function clusterPlacementFor(target: KubeTarget | TargetlessTarget, opts: Omit<ClusterAgentOptions, 'target'>,
  access: KubeAccess = openKubeAccess(opts)): ClusterAgentPlacement {
  const log = opts.log ?? (() => undefined);
  const ctx: ClusterPlacementContext = {
    access, log, reconnectTimeoutMs: opts.reconnectTimeoutMs ?? 60_000, ...(opts.signal ? { signal: opts.signal } : {}),
    // The image `kmirror image build` saved, unless the configuration names one.
    agent: { ...AGENT_DEFAULTS, image: effectiveAgentImage(opts.agent?.image).image, ...opts.agent, warn: (m) => log('warn', m) },
  };
  if (target.kind === 'targetless') return targetlessPlacement(ctx, target);
  if (opts.copyTarget) return copyTargetPlacement(ctx, target, opts.copyTarget);
  return ctx.agent.mode === 'ephemeral' ? ephemeralPlacement(ctx, target) : nodeJobPlacement(ctx, target);
}

/** Starts (or reaches) the agent for a Kubernetes target and returns a self-healing session. */
export async function openClusterAgent(opts: ClusterAgentOptions): Promise<ClusterAgentSession> {
  const access = openKubeAccess(opts);
  // Safe: `kinds` limits the result to the Kubernetes kinds and targetless.
  const target = parseTarget(opts.target, {
    kinds: CLUSTER_TARGET_KINDS,
    ...(opts.container !== undefined ? { container: opts.container } : {}),
    ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
  }) as KubeTarget | TargetlessTarget;
  return clusterPlacementFor(target, opts, access).openSession();
}
