// Targetless placement: a plain agent pod in the namespace (no hostPID, no capabilities, not
// pinned to a node) for outgoing traffic and DNS only. Its site is the namespace, which never
// moves; a dead agent is replaced by a new pod there.
import type { TargetlessTarget } from '#proto/runtime/target.js';
import { placeTargetlessAgent } from '../cluster/agent-placement.js';
import { clusterPlacement, type ClusterAgentPlacement, type ClusterPlacementContext } from './cluster-placement.js';

export function targetlessPlacement(ctx: ClusterPlacementContext, target: TargetlessTarget): ClusterAgentPlacement {
  const namespace = ctx.agent.namespace ?? target.namespace ?? ctx.access.namespace;
  return clusterPlacement('targetless', ctx, {
    targetless: true,
    locate: async () => namespace,
    place: (ns) => placeTargetlessAgent(ctx.access, ns, ctx.agent, ctx.signal),
    describe: (ns) => ({ namespace: ns, podName: '', container: '', nodeName: '' }),
    placedMessage: (ns, agent) => `targetless agent ${agent.podName} placed in namespace ${ns}`,
  });
}
