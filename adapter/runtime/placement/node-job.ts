// Node-job placement (the default for Kubernetes objects): a Job pinned to the target pod's node,
// with hostPID and the capabilities steal/mirror need, that finds the target container by its
// runtime ID. One agent per target container, shared by every session on it (a Lease elects it:
// ../cluster/shared-node-agent.ts). A new agent (and Job) whenever the target pod is replaced.
import { placeOrJoinNodeJob } from '../cluster/shared-node-agent.js';
import type { KubeTarget } from '../targets/kube-target.js';
import { clusterPlacement, type ClusterAgentPlacement, type ClusterPlacementContext } from './cluster-placement.js';
import { workloadSteps } from './workload-steps.js';

export function nodeJobPlacement(ctx: ClusterPlacementContext, target: KubeTarget): ClusterAgentPlacement {
  return clusterPlacement('node-job', ctx, workloadSteps(ctx, target,
    (site) => placeOrJoinNodeJob(ctx.access, site, ctx.agent, ctx.signal)));
}
