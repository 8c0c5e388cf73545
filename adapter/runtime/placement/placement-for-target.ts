// Target → placement: the one place that maps a target kind to the way its agent runs. Local
// kinds start the agent here; cluster kinds load the Kubernetes code on first use, so a local
// session never initialises @kubernetes/client-node.
import { parseTarget } from '#proto/runtime/target.js';
import { ConfigError } from '../config/errors.js';
import type { KmirrorConfig } from '../config/types.js';
import { LocalPlacement } from './local.js';
import { clusterOptionsFromConfig } from './options-from-config.js';
import type { AgentPlacement } from './placement.js';

export interface PlacementContext {
  log(level: 'debug' | 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
  signal?: AbortSignal;
}

/** The placement for `targetText` (a user target) with the config's namespace, context and agent settings. */
export async function placementForTarget(targetText: string, config: KmirrorConfig, ctx: PlacementContext): Promise<AgentPlacement> {
  const options = clusterOptionsFromConfig(config, { target: targetText });
  if (!options) throw new ConfigError('target', 'no target given');
  const target = parseTarget(targetText, {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.container !== undefined ? { container: options.container } : {}),
  });
  switch (target.kind) {
    case 'pid':
    case 'netns':
      return new LocalPlacement(target, (line) => ctx.log('debug', `agent: ${line}`));
    case 'container-id':
      // parseTarget's default kinds are the user kinds; kmirror writes container-id/ID for its node agents only.
      throw new ConfigError('target', `target "${targetText}" is written by kmirror for its node agents, not given by users`);
    default: {
      const { clusterPlacementFor } = await import('./cluster-agent.js');
      return clusterPlacementFor(target, { ...options, log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    }
  }
}
