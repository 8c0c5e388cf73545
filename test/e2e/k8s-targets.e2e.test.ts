// Target forms against the real API server: every kind resolves to a running container
// of a ready pod, sidecars are skipped with a warning naming the choice, the default-container
// annotation and -c are honoured, and wrong targets fail with clear errors.
import { AppsV1Api, BatchV1Api, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKubeAccess, type KubeAccess } from '#runtime/cluster/kube-access.js';
import { resolveKubeTarget } from '#runtime/cluster/resolve-target.js';
import { parseKubeTarget } from '#runtime/targets/kube-target.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { deployApp, readyPodName } from './k8s/fixtures.js';
import { isPodReady } from './harness/pods.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let access: KubeAccess;

const app = (name: string) => ({ name, image: IMAGES.nodeHttp, imagePullPolicy: 'Never', readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } });
// A "sidecar" that listens elsewhere, so both containers can run in one pod.
const sidecar = (name: string) => ({ ...app(name), env: [{ name: 'PORT', value: '15001' }], readinessProbe: { httpGet: { path: '/', port: 15001 }, periodSeconds: 1 } });

async function readyPods(selector: string): Promise<string[]> {
  return waitFor(`ready pods ${selector}`, async () => {
    const pods = (await core.listNamespacedPod({ namespace: ns, labelSelector: selector })).items.filter(isPodReady);
    return pods.length ? pods.map((p) => p.metadata?.name ?? '') : undefined;
  }, 120_000);
}

async function resolve(target: string, opts: { container?: string } = {}) {
  return resolveKubeTarget(access, parseKubeTarget(target, { namespace: ns, ...opts }));
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-targets'));
  access = openKubeAccess({ kubeconfig: KUBECONFIG_PATH, namespace: ns });
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'm');
  const labels = { app: 'db' };
  await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: ns, body: {
    metadata: { name: 'db' },
    spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [app('db')] } } },
  } });
  await kc.makeApiClient(BatchV1Api).createNamespacedJob({ namespace: ns, body: {
    metadata: { name: 'batch' },
    spec: { template: { metadata: { labels: { app: 'batch' } }, spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 0, containers: [app('worker')] } } },
  } });
  for (const [name, containers, annotations] of [
    ['meshed', [sidecar('istio-proxy'), app('server')], undefined],
    ['annotated', [app('first'), sidecar('second')], { 'kubectl.kubernetes.io/default-container': 'second' }],
  ] as const) {
    await core.createNamespacedPod({ namespace: ns, body: {
      metadata: { name, ...(annotations ? { annotations } : {}) },
      spec: { terminationGracePeriodSeconds: 0, containers: containers.map((c) => ({ ...c })) },
    } });
  }
  await readyPodName(core, ns, 'web');
  await readyPods('app=db');
  await readyPods('app=batch');
  await waitFor('meshed and annotated pods ready', async () => {
    const pods = await Promise.all(['meshed', 'annotated'].map((name) => core.readNamespacedPod({ namespace: ns, name })));
    return pods.every(isPodReady) ? true : undefined;
  }, 120_000);
}, 300_000);

afterAll(async () => {
  await guard?.dispose();
});

describe('target resolution on the test cluster', () => {
  it.each([
    ['deploy/web', 'app=web', 'app'],
    ['deployment/web', 'app=web', 'app'],
    ['svc/web', 'app=web', 'app'],
    ['statefulset/db', 'app=db', 'db'],
    ['job/batch', 'app=batch', 'worker'],
  ])('%s → a ready pod of %s, container %s, with its container ID and node', async (target, selector, container) => {
    const t = await resolve(target);
    expect(await readyPods(selector)).toContain(t.podName);
    expect(t.container).toMatchObject({ name: container, reason: 'only-container' });
    expect(t.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(t.nodeName).toBe('kmirror-node');
    expect(t.podSelector).toBeDefined();
  });

  it('pod/NAME skips the istio-proxy sidecar and warns naming the choice', async () => {
    const t = await resolve('pod/meshed');
    expect(t.container).toMatchObject({ name: 'server', reason: 'first-non-sidecar' });
    expect(t.container.warning).toContain('targeting "server" (others: istio-proxy)');
    expect(t.podSelector).toBeUndefined();
  });

  it('honours the default-container annotation, /container/NAME and -c', async () => {
    expect((await resolve('pod/annotated')).container).toMatchObject({ name: 'second', reason: 'annotation' });
    expect((await resolve('pod/annotated/container/first')).container).toMatchObject({ name: 'first', reason: 'explicit' });
    expect((await resolve('pod/meshed', { container: 'istio-proxy' })).container.name).toBe('istio-proxy');
  });

  it('fails clearly for missing objects, containers and the Argo Rollouts CRD', async () => {
    await expect(resolve('deploy/nope')).rejects.toMatchObject({ code: 'NOT_FOUND', statusCode: 404, message: expect.stringContaining(`reading deployment/nope in namespace ${ns}`) });
    await expect(resolve('pod/meshed/container/nope')).rejects.toThrow('pod meshed has no container "nope" (containers: istio-proxy, server)');
    await expect(resolve('rollout/web')).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('Argo Rollouts CRD (rollouts.argoproj.io) is not installed') });
  });
});
