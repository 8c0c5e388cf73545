// copy_target placement (feature.copy_target / --copy-target): the session works on a copy of the
// target pod (../cluster/target-copy.ts) served by its own node agent, optionally with the
// original Deployment scaled to 0 meanwhile (copy_target.scale_down, ../cluster/scale-down.ts).
// The copy is made once and never moves; every agent placed for it becomes the copy's owner, so
// the copy goes with the agent (also after kill -9 of the client), and release() removes it at once.
import { agentJobName } from '../cluster/agent-pod-spec.js';
import { ownerReference } from '../cluster/agent-token-secret.js';
import { ClusterError, isClusterError, kubeCall } from '../cluster/errors.js';
import { listPods, resolveInPod, resolveKubeTarget, type ResolvedKubeTarget } from '../cluster/resolve-target.js';
import { deploymentOfPod, liveScaleDownHolders, scaleDownFor } from '../cluster/scale-down.js';
import { placeOrJoinNodeJob } from '../cluster/shared-node-agent.js';
import { createTargetCopy, type TargetCopy } from '../cluster/target-copy.js';
import type { KubeTarget } from '../targets/kube-target.js';
import { clusterPlacement, type ClusterAgentPlacement, type ClusterPlacementContext } from './cluster-placement.js';
import { restoredAfterScaleDown } from './workload-steps.js';

export interface CopyTargetOptions {
  /** Scale the target's Deployment to 0 while the copy serves (restored when the session ends). */
  scaleDown: boolean;
}

export function copyTargetPlacement(ctx: ClusterPlacementContext, target: KubeTarget, opts: CopyTargetOptions): ClusterAgentPlacement {
  let copy: TargetCopy | undefined;
  let site: ResolvedKubeTarget | undefined;
  let restoreScale: (() => Promise<void>) | undefined;
  return clusterPlacement('node-job', ctx, {
    targetless: false,
    async locate() {
      if (site) return site;
      const original = await resolveKubeTarget(ctx.access, target).catch((err: unknown) => copySource(ctx, target, err));
      const deployment = opts.scaleDown ? (target.kind === 'deployment' ? target.name : deploymentOfPod(original.pod)) : undefined;
      if (opts.scaleDown && !deployment) {
        throw new ClusterError('INVALID_TARGET', `copy_target.scale_down: pod ${original.podName} does not belong to a Deployment; target deploy/NAME or turn scale_down off`);
      }
      copy = await createTargetCopy(ctx.access, original.pod, original.container.name, {
        activeDeadlineSeconds: ctx.agent.activeDeadlineSeconds, ttlSecondsAfterFinished: ctx.agent.ttlSecondsAfterFinished,
        timeoutMs: ctx.agent.startupTimeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      ctx.log('info', `copy ${copy.podName} of ${original.namespace}/${original.podName} is ready (no Service selects it)`);
      if (deployment) {
        restoreScale = await scaleDownFor(ctx.access, original.namespace, deployment, copy.jobName);
        ctx.log('info', `deployment ${deployment} scaled to 0 until the session ends`);
      }
      site = await resolveKubeTarget(ctx.access, { kind: 'pod', name: copy.podName, namespace: copy.namespace, container: original.container.name });
      return site;
    },
    async place(s) {
      const placed = await placeOrJoinNodeJob(ctx.access, s, ctx.agent, ctx.signal);
      const name = agentJobName(placed.sessionId);
      try {
        const job = await kubeCall(`reading agent job ${name}`, () => ctx.access.batch.readNamespacedJob({ name, namespace: placed.namespace }));
        await copy?.adoptBy(ownerReference('batch/v1', 'Job', job.metadata));
      } catch (err) {
        await placed.remove().catch(() => undefined);
        throw err;
      }
      return placed;
    },
    describe: (s) => ({ namespace: s.namespace, podName: s.podName, container: s.container.name, nodeName: s.nodeName }),
    placedMessage: (s, agent) => `agent ${agent.mode} ${agent.podName} placed for the copy ${s.namespace}/${s.podName}/${s.container.name}`,
    async release() {
      const results = await Promise.allSettled([restoreScale?.(), copy?.remove()]);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  });
}

/**
 * Where to copy from when the Deployment has no ready pod: another session's running copy while
 * its scale_down holds the Deployment at 0 (same spec), else the restored Deployment's pod.
 */
async function copySource(ctx: ClusterPlacementContext, target: KubeTarget, err: unknown): Promise<ResolvedKubeTarget> {
  if (!(isClusterError(err) && err.code === 'NO_READY_POD' && target.kind === 'deployment')) throw err;
  const namespace = target.namespace ?? ctx.access.namespace;
  for (const holder of await liveScaleDownHolders(ctx.access, namespace, target.name)) {
    const pod = (await listPods(ctx.access, namespace, `job-name=${holder}`)).find((p) => p.status?.phase === 'Running');
    if (pod) return resolveInPod(target, namespace, pod);
  }
  return restoredAfterScaleDown(ctx, target, err);
}
