// `kmirror exec` against a Deployment on the project's test cluster: steal to a local
// Node app and to a local static Go app, mirror (both answer, the pod's answer unchanged),
// outgoing to another Service by DNS name, the pod's env and a file from the pod; and after
// kill -9 of the kmirror client nothing of kmirror remains 30 s later.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, NODE_NAME, kubectl, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { createClientPod, deployApp, kmirrorObjects, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { startKmirrorExec, stopRuns, writeLocalNodeApp, type ExecRun } from './k8s/kmirror-exec.js';
import { freePort } from '#test/harness/free-port.js';

const MESSAGE = 'env of the pod';
let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let client: string;
let webPod: string;
let appDir: string;
let goApp: string;
const runs: ExecRun[] = [];

/** Incoming `mode` onto a kernel-picked local port (the programs read PORT) standing for the pod's 8080. */
async function incoming(mode: 'steal' | 'mirror'): Promise<{ config: Record<string, unknown>; env: Record<string, string> }> {
  const port = await freePort();
  return { config: { feature: { network: { incoming: { mode, port_mapping: [[port, 8080]] } } } }, env: { PORT: String(port) } };
}

/** Successful readiness probes of `pod`, as the kubelet counts them (prober_probe_total). */
async function readinessProbesOk(pod: string): Promise<number> {
  const { stdout } = await kubectl(['get', '--raw', `/api/v1/nodes/${NODE_NAME}/proxy/metrics/probes`]);
  return stdout.split('\n')
    .filter((l) => l.startsWith('prober_probe_total{') && l.includes(`pod="${pod}"`) && l.includes('probe_type="Readiness"') && l.includes('result="successful"'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

function exec(config: Record<string, unknown>, argv: string[], env?: Record<string, string>): ExecRun {
  const run = startKmirrorExec({ target: { path: 'deploy/web', namespace: ns }, ...config }, argv, env);
  runs.push(run);
  return run;
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-exec'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  await deployApp(kc, ns, 'other', IMAGES.goHttp, 'answered by the other service');
  client = await createClientPod(core, ns);
  webPod = await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'other');
  appDir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-apps-'));
  writeLocalNodeApp(appDir);
  // The static Go app of the cluster image, built for the workstation (CGO off: no libc at all).
  goApp = join(appDir, 'go-http');
  await promisify(execFile)('go', ['build', '-o', goApp, '.'], {
    cwd: resolve(import.meta.dirname, '../cluster/images/go-http'),
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GO111MODULE: 'off' }, timeout: 180_000,
  });
}, 300_000);

afterEach(() => stopRuns(runs));

afterAll(async () => {
  if (appDir) rmSync(appDir, { recursive: true, force: true });
  await guard?.dispose();
});

describe('kmirror exec against deploy/web', () => {
  it('steal: requests to the Service reach the local Node app, which has the pod env', async () => {
    const { config, env } = await incoming('steal');
    const run = exec(config, ['node', join(appDir, 'local-app.js')], env);
    await run.waitFor(/steal of target port 8080\/tcp/);
    const reply = JSON.parse(await requestFromCluster(ns, client, 'http://web/stolen-by-node')) as Record<string, unknown>;
    expect(reply).toEqual({ local: true, url: '/stolen-by-node', message: MESSAGE });
    // Kubelet readiness probes (every second, from the node) keep reaching the pod's own app during
    // the steal: wait until the kubelet has counted three more successful ones, then none reached
    // the local app.
    const before = await readinessProbesOk(webPod);
    await waitFor('three more readiness probes of the pod', async () => ((await readinessProbesOk(webPod)) >= before + 3 ? true : undefined), 60_000);
    expect(run.output()).not.toMatch(/local got \/ready/);
    const pod = await core.readNamespacedPod({ name: webPod, namespace: ns });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('steal: requests to the Service reach a local static Go app', async () => {
    const { config, env } = await incoming('steal');
    const run = exec(config, [goApp], env);
    await run.waitFor(/steal of target port 8080\/tcp/);
    const reply = JSON.parse(await requestFromCluster(ns, client, 'http://web/stolen-by-go')) as Record<string, unknown>;
    // app 'go-http' is the local program (the pod runs node-http); its hostname is the pod's (feature.hostname).
    expect(reply).toMatchObject({ app: 'go-http', url: '/stolen-by-go', message: MESSAGE, pod: webPod });
  });

  it("mirror: the pod answers unchanged and the local app sees a copy", async () => {
    const { config, env } = await incoming('mirror');
    const run = exec(config, ['node', join(appDir, 'local-app.js')], env);
    await run.waitFor(/mirror of target port 8080\/tcp/);
    const reply = JSON.parse(await requestFromCluster(ns, client, 'http://web/mirrored')) as Record<string, unknown>;
    expect(reply).toMatchObject({ app: 'node-http', pod: webPod, message: MESSAGE, url: '/mirrored' });
    await run.waitFor(/local got \/mirrored/, 15_000);
  });

  it("outgoing to another Service by DNS name, the pod's env and a file from the pod", async () => {
    const script = `require('http').get('http://other/from-workstation', (r) => { let b = ''; r.on('data', (c) => b += c);
      r.on('end', () => console.log(JSON.stringify({ other: JSON.parse(b), message: process.env.MESSAGE,
        hostname: require('fs').readFileSync('/etc/hostname', 'utf8').trim() }))); });`;
    const run = exec({}, ['node', '-e', script]);
    const [line] = await run.waitFor(/\{"other".*\}/);
    const out = JSON.parse(line) as { other: Record<string, unknown>; message: string; hostname: string };
    expect(out.other).toMatchObject({ app: 'go-http', url: '/from-workstation' });
    expect(out.message).toBe(MESSAGE);
    expect(out.hostname).toBe(webPod);
    expect(await run.exited()).toBe(0);
  });

  it('after kill -9 of the kmirror client, no kmirror object remains 30 s later', async () => {
    const { config, env } = await incoming('steal');
    const run = exec(config, ['node', join(appDir, 'local-app.js')], env);
    await run.waitFor(/steal of target port 8080\/tcp/);
    expect((await kmirrorObjects(kc, ns)).length).toBeGreaterThan(0);
    run.kill('SIGKILL');
    await run.exited();
    // The agent exited on its own (idle exit) and the Job was collected (TTL): the pod answers by itself.
    await waitForNoKmirrorObjects(kc, ns, 30_000);
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://web/after-client-death'))).toMatchObject({ app: 'node-http', pod: webPod });
  });
});
