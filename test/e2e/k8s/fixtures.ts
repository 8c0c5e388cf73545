// Fixtures for kmirror's Kubernetes e2e tests on the project's test cluster: test apps behind
// Services, a client pod that sends requests from inside the cluster, the host PID of a
// container (the tests run on the node), and the check that no kmirror object (Job, pod, token
// Secret) is left.
import { AppsV1Api, BatchV1Api, CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Probe, type V1SecurityContext } from '@kubernetes/client-node';
import { IMAGES, waitFor } from '../harness/cluster.js';
import { execInPod, waitForPodReady, waitForReadyPod } from '../harness/pods.js';
import { MANAGED_SELECTOR } from '#runtime/cluster/agent-pod-spec.js';
import { findContainerPid } from '#agent/target/container-id.js';

export const APP_PORT = 8080;

/** A Deployment `name` of `image` (labels app=name; env MESSAGE plus `opts.env`; the container's `opts.securityContext`; a readiness probe on /ready or `opts.readinessProbe`, and `opts.livenessProbe`) behind a Service `name` (port 80 → 8080). */
export async function deployApp(kc: KubeConfig, namespace: string, name: string, image: string, message: string,
  opts: { env?: Record<string, string>; securityContext?: V1SecurityContext; livenessProbe?: V1Probe; readinessProbe?: V1Probe } = {}): Promise<void> {
  const labels = { app: name };
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: {
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: 'app', image, imagePullPolicy: 'Never',
            env: [{ name: 'MESSAGE', value: message }, ...Object.entries(opts.env ?? {}).map(([k, value]) => ({ name: k, value }))],
            ports: [{ containerPort: APP_PORT }],
            ...(opts.livenessProbe ? { livenessProbe: opts.livenessProbe } : {}),
            readinessProbe: opts.readinessProbe ?? { httpGet: { path: '/ready', port: APP_PORT }, periodSeconds: 1 },
            ...(opts.securityContext ? { securityContext: opts.securityContext } : {}),
          }],
        },
      },
    },
  } });
  await kc.makeApiClient(CoreV1Api).createNamespacedService({ namespace, body: {
    metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: APP_PORT }] },
  } });
}

/** The ready pod of app `name`. */
export async function readyPodName(core: CoreV1Api, namespace: string, name: string): Promise<string> {
  const pod = await waitForReadyPod(core, namespace, `app=${name}`);
  return pod.metadata?.name ?? '';
}

/** A pod (the Node image: no shell tools needed) to send requests from inside the cluster. */
export async function createClientPod(core: CoreV1Api, namespace: string, name = 'client'): Promise<string> {
  await core.createNamespacedPod({ namespace, body: {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: IMAGES.nodeHttp, imagePullPolicy: 'Never', command: ['/usr/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'] }],
    },
  } });
  await waitForPodReady(core, namespace, name);
  return name;
}

// Prints the body, or "ERROR <message>" (exit 1), within the deadline.
const GET_SCRIPT = `const [url, t] = process.argv.slice(1);
const req = require('http').get(url, { timeout: Number(t) }, (res) => { let b = ''; res.on('data', (c) => b += c); res.on('end', () => process.stdout.write(b)); });
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (e) => { process.stdout.write('ERROR ' + e.message); process.exitCode = 1; });`;

/** GET `url` from the client pod; resolves the body or rejects with the error. */
export async function requestFromCluster(namespace: string, client: string, url: string, timeoutS = 5): Promise<string> {
  return execInPod(namespace, client, ['/usr/bin/node', '-e', GET_SCRIPT, url, String(timeoutS * 1000)], { timeoutMs: (timeoutS + 10) * 1000 });
}

/** The PID, on this node, of the init process of a running container of `pod`. */
export async function hostPidOfContainer(core: CoreV1Api, namespace: string, pod: string, container: string): Promise<number> {
  const p = await core.readNamespacedPod({ namespace, name: pod });
  const status = [...(p.status?.containerStatuses ?? []), ...(p.status?.ephemeralContainerStatuses ?? [])].find((s) => s.name === container);
  const id = (status?.containerID ?? '').replace(/^[a-z]+:\/\//, '');
  if (!id) throw new Error(`container ${container} of pod ${namespace}/${pod} has no container ID`);
  return findContainerPid(id);
}

/** kmirror's Jobs, pods and token Secrets in `namespace` (by the managed-by label). */
export async function kmirrorObjects(kc: KubeConfig, namespace: string): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const [jobs, pods, secrets, leases] = await Promise.all([
    kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace, labelSelector: MANAGED_SELECTOR }),
    core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }),
    core.listNamespacedSecret({ namespace, labelSelector: MANAGED_SELECTOR }),
    kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace, labelSelector: MANAGED_SELECTOR }),
  ]);
  return [
    ...jobs.items.map((j) => `job/${j.metadata?.name}`), ...pods.items.map((p) => `pod/${p.metadata?.name}`),
    ...secrets.items.map((s) => `secret/${s.metadata?.name}`), ...leases.items.map((l) => `lease/${l.metadata?.name}`),
  ];
}

/** Waits (bounded) until no kmirror object is left in `namespace`; returns how long it took. */
export async function waitForNoKmirrorObjects(kc: KubeConfig, namespace: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  let last: string[] = [];
  await waitFor(`no kmirror objects in ${namespace}`, async () => {
    last = await kmirrorObjects(kc, namespace);
    return last.length === 0 ? true : undefined;
  }, timeoutMs).catch((err: Error) => { throw new Error(`${err.message}; left: ${last.join(', ')}`); });
  return Date.now() - start;
}
