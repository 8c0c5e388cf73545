// One editor debugging a request across two services (issue 11, item 5) on the project's
// cluster: `front` (Node, its server from a ConfigMap) calls `back` (the node-http image) through
// its Service. One `kmirror-dap --port` server holds two sessions, as an editor's compound
// configuration would: the request sent to front stops in front's handler; after continue it
// stops in back's handler (the call front made); after continue the answer carries both.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, type CoreV1Api, type V1Container } from '@kubernetes/client-node';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { createClientPod, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../dist/kmirror-dap.js');
const BACK_SOURCE = fileURLToPath(new URL('../cluster/images/node-http/server.js', import.meta.url));
const FRONT_SOURCE = fileURLToPath(new URL('./fixtures/front.js', import.meta.url));
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let server: ChildProcess | undefined;
let serverPort: number;

/** An ordinary Deployment + Service; nothing in them is for kmirror. */
async function deploy(name: string, container: V1Container, volumes = {}): Promise<void> {
  const labels = { app: name };
  await guard.kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: {
    metadata: { name, labels },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [container], ...volumes } } },
  } });
  await core.createNamespacedService({ namespace: ns, body: { metadata: { name }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } } });
}

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-two'));
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'front' }, data: { 'front.js': readFileSync(FRONT_SOURCE, 'utf8') } } });
  const readiness = { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 2 };
  await deploy('back', { name: 'app', image: IMAGES.nodeHttp, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }], readinessProbe: readiness });
  await deploy('front', {
    name: 'app', image: IMAGES.nodeHttp, imagePullPolicy: 'Never', command: ['/usr/bin/node', '/front/front.js'], ports: [{ containerPort: 8080 }],
    volumeMounts: [{ name: 'src', mountPath: '/front' }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
  }, { volumes: [{ name: 'src', configMap: { name: 'front' } }] });
  client = await createClientPod(core, ns);
  await Promise.all([readyPodName(core, ns, 'back'), readyPodName(core, ns, 'front')]);
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-two-'));
  copyFileSync(FRONT_SOURCE, join(dir, 'front.js'));
  copyFileSync(BACK_SOURCE, join(dir, 'server.js'));
  // The editor's one kmirror-dap server (`--port 0`); every session it serves is one debug session.
  server = spawn(process.execPath, [KMIRROR_DAP, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH } });
  serverPort = await new Promise<number>((ok, fail) => {
    server!.stdout!.on('data', (d: Buffer) => { const m = /listening on [\d.]+:(\d+)/.exec(d.toString()); if (m) ok(Number(m[1])); });
    server!.once('exit', (code) => fail(new Error(`kmirror-dap --port exited (${code})`)));
  });
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) { server.kill('SIGTERM'); await once(server, 'exit'); }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

async function attach(deployment: string, remoteRoot: string, file: string, line: number, condition?: string): Promise<DebugClient> {
  const dc = new DebugClient('node', '', 'kmirror');
  dc.defaultTimeout = 90_000;
  await dc.start(serverPort);
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest({
    type: 'kmirror', request: 'attach', name: deployment, debugger: 'node', kmirror: { target: { path: `deploy/${deployment}`, namespace: ns } },
    localRoot: dir, remoteRoot, targetTimeoutMs: 90_000,
  } as DebugProtocol.AttachRequestArguments)]);
  const bp = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line, ...(condition ? { condition } : {}) }] });
  expect(bp.body.breakpoints[0]?.verified).toBe(true);
  await dc.configurationDoneRequest();
  return dc;
}

const lineOf = (file: string, marker: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;

describe('one kmirror-dap server, two sessions: a request across front (Node) and back (Node)', () => {
  it('stops in front, then after continue in back\'s handler of the call front made; the answer carries both', { timeout: 300_000 }, async () => {
    const frontFile = join(dir, 'front.js');
    const backFile = join(dir, 'server.js');
    const front = await attach('front', '/front', frontFile, lineOf(frontFile, 'FRONT-BREAK'));
    const back = await attach('back', '/app', backFile, lineOf(backFile, "res.setHeader('content-type'"), "req.url.startsWith('/from-front')");
    try {
      const answer = requestFromCluster(ns, client, 'http://front/checkout', 120);
      await front.waitForEvent('stopped');
      const frontFrame = (await front.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
      expect(frontFrame).toMatchObject({ source: { path: frontFile }, line: lineOf(frontFile, 'FRONT-BREAK') });
      expect((await front.evaluateRequest({ expression: 'path', frameId: frontFrame.id })).body.result).toBe('"/from-front/checkout"');
      const backStopped = back.waitForEvent('stopped');
      await front.continueRequest({ threadId: 1 });
      await backStopped;
      const backFrame = (await back.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
      expect(backFrame.source?.path).toBe(backFile);
      expect((await back.evaluateRequest({ expression: 'req.url', frameId: backFrame.id })).body.result).toBe('"/from-front/checkout"');
      await back.continueRequest({ threadId: 1 });
      expect(JSON.parse(await answer)).toMatchObject({ app: 'front', url: '/checkout', back: { app: 'node-http', url: '/from-front/checkout' } });
      await Promise.all([front.disconnectRequest({}), back.disconnectRequest({})]);
    } finally {
      await Promise.all([front.stop(), back.stop()]);
    }
    // Both detached: the chain answers, and nothing of kmirror is left.
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://front/after', 10))).toMatchObject({ url: '/after', back: { url: '/from-front/after' } });
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });
});
