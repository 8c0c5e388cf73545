// Ephemeral placement (agent.ephemeral / --ephemeral): an ephemeral container in the target pod,
// sharing its namespaces with no host access — for namespaces whose Pod Security forbids the
// node job. Without the traffic capabilities it serves outgoing traffic, DNS, env and files.
import { newAgentIds, placeEphemeral } from '../cluster/agent-placement.js';
import type { KubeTarget } from '../targets/kube-target.js';
import { clusterPlacement, type ClusterAgentPlacement, type ClusterPlacementContext } from './cluster-placement.js';
import { workloadSteps } from './workload-steps.js';

export function ephemeralPlacement(ctx: ClusterPlacementContext, target: KubeTarget): ClusterAgentPlacement {
  return clusterPlacement('ephemeral', ctx, workloadSteps(ctx, target,
    (site) => placeEphemeral(ctx.access, site, ctx.agent, newAgentIds(), ctx.signal)));
}
