// The steps node-job and ephemeral placements share for a Kubernetes object target: the site is
// a running container of a (ready) pod, located by resolveKubeTarget and followed by a pod
// informer; when that pod goes away the session moves to a ready replacement.
import type { PlacedAgent } from '../cluster/agent-placement.js';
import { resolveKubeTarget, type ResolvedKubeTarget } from '../cluster/resolve-target.js';
import { followTarget } from '../cluster/target-follower.js';
import type { KubeTarget } from '../targets/kube-target.js';
import type { ClusterPlacementSteps } from './cluster-agent-keeper.js';
import type { ClusterPlacementContext } from './cluster-placement.js';

/** Steps for `target` whose agents are created by `place`. */
export function workloadSteps(ctx: ClusterPlacementContext, target: KubeTarget,
  place: (site: ResolvedKubeTarget) => Promise<PlacedAgent>): ClusterPlacementSteps<ResolvedKubeTarget> {
  return {
    targetless: false,
    async locate() {
      const site = await resolveKubeTarget(ctx.access, target);
      if (site.container.warning) ctx.log('warn', site.container.warning);
      return site;
    },
    place,
    describe: (site) => ({ namespace: site.namespace, podName: site.podName, container: site.container.name, nodeName: site.nodeName }),
    placedMessage: (site, agent) => `agent ${agent.mode} ${agent.podName} ${'joined' in agent && agent.joined ? 'joined (shared)' : 'placed'} for ${site.namespace}/${site.podName}/${site.container.name}`,
    follow: (site, onMoved) => followTarget(ctx.access, site, onMoved),
  };
}
