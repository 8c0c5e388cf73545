// Smoke test of the project's own test cluster (test/cluster/up.sh): the things kmirror's e2e tests rely on.
// A Deployment of the Node HTTP test app behind a Service; port-forward, exec, an ephemeral container,
// DNS for the Service from another pod, and a privileged hostPID pod entering the app pod's netns.
import { get } from 'node:http';
import { AppsV1Api, type CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, NODE_NAME, kubectl, sweepStaleNamespaces, waitFor } from './harness/cluster.js';
import { execInPod, portForward, waitForPodReady, waitForReadyPod } from './harness/pods.js';

const APP_LABELS = { app: 'web' };
const APP_PORT = 8080;
const MESSAGE = 'hello from the smoke test';

let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let appPod: V1Pod;
let appPodName: string;

function httpGet(url: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

async function createSleeper(name: string, spec: Record<string, unknown> = {},
  securityContext?: Record<string, unknown>): Promise<void> {
  await core.createNamespacedPod({ namespace: ns, body: {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...spec,
      containers: [{ name: 'main', image: IMAGES.busybox, imagePullPolicy: 'Never', command: ['sleep', '3600'],
        ...(securityContext ? { securityContext } : {}) }],
    },
  } });
  await waitForPodReady(core, ns, name);
}

beforeAll(async () => {
  guard = new ClusterGuard();
  core = guard.core;
  await sweepStaleNamespaces(core);
  ns = await guard.namespace('kmt-cluster');
  await guard.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: {
    metadata: { name: 'web', labels: APP_LABELS },
    spec: {
      replicas: 1,
      selector: { matchLabels: APP_LABELS },
      template: {
        metadata: { labels: APP_LABELS },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: 'app', image: IMAGES.nodeHttp, imagePullPolicy: 'Never',
            env: [{ name: 'MESSAGE', value: MESSAGE }],
            ports: [{ containerPort: APP_PORT }],
            readinessProbe: { httpGet: { path: '/ready', port: APP_PORT }, periodSeconds: 1 },
          }],
        },
      },
    },
  } });
  await core.createNamespacedService({ namespace: ns, body: {
    metadata: { name: 'web' },
    spec: { selector: APP_LABELS, ports: [{ port: 80, targetPort: APP_PORT }] },
  } });
  appPod = await waitForReadyPod(core, ns, 'app=web');
  appPodName = appPod.metadata?.name ?? '';
});

afterAll(async () => {
  await guard?.dispose();
});

describe('test cluster', () => {
  it('runs the Deployment pod on the node with a pod IP from the bridge range', () => {
    expect(appPod.spec?.nodeName).toBe(NODE_NAME);
    expect(appPod.status?.podIP).toMatch(/^10\.218\.0\.\d+$/);
    expect(appPod.status?.containerStatuses?.[0]?.ready).toBe(true);
  });

  it('forwards a local port to the pod with kubectl port-forward', async () => {
    const pf = await portForward(ns, appPodName, APP_PORT);
    try {
      const reply = JSON.parse(await httpGet(`http://127.0.0.1:${pf.localPort}/through-port-forward`));
      expect(reply).toMatchObject({ app: 'node-http', message: MESSAGE, pod: appPodName, url: '/through-port-forward' });
    } finally {
      pf.close();
    }
  });

  it('runs commands in the app container with kubectl exec', async () => {
    const out = await execInPod(ns, appPodName, ['/usr/bin/node', '-e', 'console.log(require("os").hostname(), process.env.MESSAGE)']);
    expect(out.trim()).toBe(`${appPodName} ${MESSAGE}`);
  });

  it('adds an ephemeral container that shares the app container\'s process and network namespaces', async () => {
    await kubectl(['debug', '-n', ns, `pod/${appPodName}`, '-c', 'dbg', `--image=${IMAGES.busybox}`,
      '--image-pull-policy=Never', '--target=app', '--', 'sleep', '3600']);
    await waitFor('ephemeral container dbg to run', async () => {
      const pod = await core.readNamespacedPod({ namespace: ns, name: appPodName });
      return pod.status?.ephemeralContainerStatuses?.find((s) => s.name === 'dbg' && s.state?.running) ? true : undefined;
    });
    const pid1 = await execInPod(ns, appPodName, ['cat', '/proc/1/cmdline'], { container: 'dbg' });
    expect(pid1).toContain('/app/server.js');
    const reply = await execInPod(ns, appPodName, ['http-get', `http://127.0.0.1:${APP_PORT}/from-ephemeral`],
      { container: 'dbg' });
    expect(JSON.parse(reply)).toMatchObject({ app: 'node-http', url: '/from-ephemeral' });
  });

  it('resolves the Service by DNS name from another pod and reaches it through its ClusterIP', async () => {
    const svc = await core.readNamespacedService({ namespace: ns, name: 'web' });
    const clusterIP = svc.spec?.clusterIP ?? '';
    expect(clusterIP).toMatch(/^10\.219\.0\.\d+$/);
    await createSleeper('client');
    const fqdn = `web.${ns}.svc.cluster.local`;
    const lookup = await execInPod(ns, 'client', ['nslookup', fqdn]);
    expect(lookup).toContain(clusterIP);
    // short name through the pod's resolv.conf search path, then HTTP through kube-proxy's ClusterIP rules
    const reply = await execInPod(ns, 'client', ['http-get', 'http://web/by-service-name']);
    expect(JSON.parse(reply)).toMatchObject({ app: 'node-http', pod: appPodName, url: '/by-service-name' });
  });

  it('lets a privileged hostPID pod on the node enter the app pod\'s network namespace', async () => {
    await createSleeper('node-debugger', { hostPID: true, nodeName: NODE_NAME }, { privileged: true });
    const pod = await core.readNamespacedPod({ namespace: ns, name: appPodName });
    const containerId = (pod.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^containerd:\/\//, '');
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    // the way the kmirror agent finds a container's process: its ID is in the cgroup path
    const script = `for p in /proc/[0-9]*; do grep -q ${containerId} $p/cgroup 2>/dev/null && { echo \${p#/proc/}; exit 0; }; done; exit 1`;
    const pid = (await execInPod(ns, 'node-debugger', ['sh', '-c', script])).trim();
    expect(pid).toMatch(/^\d+$/);
    const reply = await execInPod(ns, 'node-debugger',
      ['nsenter', '-t', pid, '-n', 'http-get', `http://127.0.0.1:${APP_PORT}/from-node`]);
    expect(JSON.parse(reply)).toMatchObject({ app: 'node-http', pod: appPodName, url: '/from-node' });
  });
});
