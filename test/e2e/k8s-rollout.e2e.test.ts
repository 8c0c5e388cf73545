// rollout/NAME when the Argo Rollouts CRD exists. The test installs a minimal
// rollouts.argoproj.io CRD (schema only; no Argo controller), a Rollout whose selector matches a
// Deployment's pods and one that refers to the Deployment through workloadRef, resolves both, and
// removes the CRD afterwards (also on failure).
import { AppsV1Api, ApiextensionsV1Api, CustomObjectsApi, type CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKubeAccess } from '#runtime/cluster/kube-access.js';
import { resolveKubeTarget } from '#runtime/cluster/resolve-target.js';
import { parseKubeTarget } from '#runtime/targets/kube-target.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { deployApp, readyPodName } from './k8s/fixtures.js';

const CRD = 'rollouts.argoproj.io';
let guard: ClusterGuard;
let core: CoreV1Api;
let ext: ApiextensionsV1Api;
let ns: string;
let createdCrd = false;

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-rollout'));
  ext = guard.kc.makeApiClient(ApiextensionsV1Api);
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'rollout');
  await ext.createCustomResourceDefinition({ body: {
    metadata: { name: CRD },
    spec: {
      group: 'argoproj.io', scope: 'Namespaced',
      names: { plural: 'rollouts', singular: 'rollout', kind: 'Rollout', shortNames: ['ro'] },
      versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
    },
  } });
  createdCrd = true;
  await waitFor('the Rollout CRD to be established', async () => {
    const crd = await ext.readCustomResourceDefinition({ name: CRD });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
  const custom = guard.kc.makeApiClient(CustomObjectsApi);
  const rollout = (name: string, spec: Record<string, unknown>) => custom.createNamespacedCustomObject({
    group: 'argoproj.io', version: 'v1alpha1', namespace: ns, plural: 'rollouts',
    body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name }, spec },
  });
  await waitFor('the rollouts API to serve', async () => rollout('canary', { selector: { matchLabels: { app: 'web' } } }).then(() => true), 30_000);
  await rollout('by-ref', { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } });
  await guard.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: ns, name: 'web' });
  await readyPodName(core, ns, 'web');
}, 180_000);

afterAll(async () => {
  if (createdCrd) {
    await ext.deleteCustomResourceDefinition({ name: CRD }).catch(() => undefined);
    await waitFor('the Rollout CRD to be removed', async () => ext.readCustomResourceDefinition({ name: CRD }).then(() => undefined, () => true), 60_000).catch(() => undefined);
  }
  await guard?.dispose();
});

describe('rollout/NAME with the Argo Rollouts CRD', () => {
  it.each(['rollout/canary', 'ro/by-ref'])('%s resolves to the ready pod its selector picks', async (target) => {
    const access = openKubeAccess({ kubeconfig: KUBECONFIG_PATH, namespace: ns });
    const t = await resolveKubeTarget(access, parseKubeTarget(target, { namespace: ns }));
    expect(t.podName).toBe(await readyPodName(core, ns, 'web'));
    expect(t.podSelector).toBe('app=web');
    expect(t.container.name).toBe('app');
  });

  it('a missing Rollout is NOT_FOUND (not "CRD missing") once the CRD exists', async () => {
    const access = openKubeAccess({ kubeconfig: KUBECONFIG_PATH, namespace: ns });
    await expect(resolveKubeTarget(access, parseKubeTarget('rollout/nope', { namespace: ns }))).rejects.toMatchObject({ code: 'NOT_FOUND', statusCode: 404 });
  });
});
