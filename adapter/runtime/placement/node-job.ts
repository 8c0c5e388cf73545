// Node-job placement (the default for Kubernetes objects): a Job pinned to the target pod's node,
// with hostPID and the capabilities steal/mirror need, that finds the target container by its
// runtime ID. A new agent (and Job) whenever the target pod is replaced.
import { newAgentIds, placeNodeJob } from '../cluster/agent-placement.js';
import type { KubeTarget } from '../targets/kube-target.js';
import { clusterPlacement, type ClusterAgentPlacement, type ClusterPlacementContext } from './cluster-placement.js';
import { workloadSteps } from './workload-steps.js';

export function nodeJobPlacement(ctx: ClusterPlacementContext, target: KubeTarget): ClusterAgentPlacement {
  return clusterPlacement('node-job', ctx, workloadSteps(ctx, target,
    (site) => placeNodeJob(ctx.access, site, ctx.agent, newAgentIds(), ctx.signal)));
}
