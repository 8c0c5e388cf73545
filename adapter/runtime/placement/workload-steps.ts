// The steps node-job and ephemeral placements share for a Kubernetes object target: the site is
// a running container of a (ready) pod, located by resolveKubeTarget and followed by a pod
// informer; when that pod goes away the session moves to a ready replacement. A Deployment that
// killed copy_target.scale_down sessions left at 0 replicas is restored here.
import type { PlacedAgent } from '../cluster/agent-placement.js';
import { ClusterError, isClusterError } from '../cluster/errors.js';
import { resolveKubeTarget, type ResolvedKubeTarget } from '../cluster/resolve-target.js';
import { restoreAbandonedScaleDown } from '../cluster/scale-down.js';
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
      const site = await resolveKubeTarget(ctx.access, target).catch((err: unknown) => restoredAfterScaleDown(ctx, target, err));
      if (site.container.warning) ctx.log('warn', site.container.warning);
      return site;
    },
    place,
    describe: (site) => ({ namespace: site.namespace, podName: site.podName, container: site.container.name, nodeName: site.nodeName }),
    placedMessage: (site, agent) => `agent ${agent.mode} ${agent.podName} ${'joined' in agent && agent.joined ? 'joined (shared)' : 'placed'} for ${site.namespace}/${site.podName}/${site.container.name}`,
    follow: (site, onMoved) => followTarget(ctx.access, site, onMoved),
  };
}

/**
 * A Deployment without a ready pod because copy_target.scale_down sessions scaled it to 0 and were
 * killed: its replicas are restored and the target resolved once a pod is ready; any other
 * failure (or a scale-down still held by a running copy, named in the error) is rethrown.
 */
export async function restoredAfterScaleDown(ctx: ClusterPlacementContext, target: KubeTarget, err: unknown): Promise<ResolvedKubeTarget> {
  if (!(isClusterError(err) && err.code === 'NO_READY_POD' && target.kind === 'deployment')) throw err;
  const namespace = target.namespace ?? ctx.access.namespace;
  const { restored, holders } = await restoreAbandonedScaleDown(ctx.access, namespace, target.name);
  if (holders.length) throw new ClusterError('NO_READY_POD', `${err.message}; it is scaled to 0 by copy_target.scale_down while ${holders.join(', ')} run`);
  if (!restored) throw err;
  ctx.log('warn', `deployment ${target.name} was left at 0 replicas by a copy_target.scale_down session that ended without restoring it; restored to ${restored}`);
  const deadline = Date.now() + ctx.agent.startupTimeoutMs;
  for (;;) {
    try {
      return await resolveKubeTarget(ctx.access, target);
    } catch (again) {
      if (!(isClusterError(again) && again.code === 'NO_READY_POD') || Date.now() > deadline) throw again;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
