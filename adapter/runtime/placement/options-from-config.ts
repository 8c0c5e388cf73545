// Maps the kmirror configuration (adapter/runtime/config, mirrord-compatible keys) plus command-line
// flags to openClusterAgent's options. Flags win over the file. Pure.
import type { KmirrorConfig } from '../config/types.js';
import type { AgentPlacementOptions } from '../cluster/agent-placement.js';
import type { ClusterAgentOptions } from './cluster-agent.js';

export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  container?: string;
  target?: string;
}

const LOG_LEVELS: Record<string, AgentPlacementOptions['logLevel']> = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'debug' };

/** Options for openClusterAgent, or undefined when the config has no target. */
export function clusterOptionsFromConfig(config: KmirrorConfig, flags: ClusterFlags = {}): Omit<ClusterAgentOptions, 'log' | 'signal'> | undefined {
  const target = flags.target ?? (typeof config.target === 'string' ? config.target : config.target?.path);
  if (!target) return undefined;
  const namespace = flags.namespace ?? (typeof config.target === 'object' ? config.target.namespace : undefined);
  const context = flags.context ?? config.kube_context;
  const a = config.agent ?? {};
  const agent: Partial<AgentPlacementOptions> = {
    ...(a.ephemeral !== undefined ? { mode: a.ephemeral ? 'ephemeral' : 'node-job' } : {}),
    ...(a.image !== undefined ? { image: a.image } : {}),
    ...(a.image_pull_policy !== undefined ? { pullPolicy: a.image_pull_policy } : {}),
    ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
    ...(a.ttl !== undefined ? { idleExitSeconds: a.ttl } : {}),
    ...(a.startup_timeout !== undefined ? { startupTimeoutMs: a.startup_timeout * 1000 } : {}),
    ...(a.log_level !== undefined && LOG_LEVELS[a.log_level] ? { logLevel: LOG_LEVELS[a.log_level] } : {}),
  };
  const copy = config.feature?.copy_target;
  return {
    target,
    agent,
    ...(copy ? { copyTarget: { scaleDown: typeof copy === 'object' && copy.scale_down === true } } : {}),
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(flags.container !== undefined ? { container: flags.container } : {}),
  };
}
