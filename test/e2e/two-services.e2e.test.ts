// One editor debugging a request across two services (issue 11, item 5) on the project's
// cluster: `front` (Node, its server from a ConfigMap) calls a back service through its Service —
// `back` (Node, the node-http image) and `api` (Go, the go-http-debug image: a static -N -l build,
// attached through dlv in a debugger container). One `kmirror-dap --port` server holds two
// sessions, as an editor's compound configuration would: the request sent to front stops in
// front's handler; after continue it stops in the back service's handler (the call front made);
// after continue the answer carries both.
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
const GO_SOURCE = fileURLToPath(new URL('../cluster/images/go-http/main.go', import.meta.url));

/** A back service: how it is deployed, where its handler's breakpoint goes, what it answers. */
interface Back {
  name: string;
  debugger: 'node' | 'go';
  image: string;
  source: string;
  file: string;
  remoteRoot: string;
  marker: string;
  condition: string;
  expression: string;
  app: string;
}
const BACKS: Back[] = [
  { name: 'back', debugger: 'node', image: IMAGES.nodeHttp, source: BACK_SOURCE, file: 'server.js', remoteRoot: '/app', marker: "res.setHeader('content-type'",
    condition: "req.url.startsWith('/from-front')", expression: 'req.url', app: 'node-http' },
  { name: 'api', debugger: 'go', image: IMAGES.goHttpDebug, source: GO_SOURCE, file: 'main.go', remoteRoot: '/build/go-http', marker: 'w.Header().Set("content-type"',
    condition: 'r.URL.Path == "/from-front/checkout"', expression: 'r.URL.Path', app: 'go-http' },
];
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
  for (const back of BACKS) await deploy(back.name, { name: 'app', image: back.image, imagePullPolicy: 'Never', ports: [{ containerPort: 8080 }], readinessProbe: readiness });
  // subPath: the file itself (a whole ConfigMap volume holds symlinks into ..data/, and Node runs the resolved path).
  for (const back of BACKS) {
    await deploy(`front-${back.name}`, {
      name: 'app', image: IMAGES.nodeHttp, imagePullPolicy: 'Never', command: ['/usr/bin/node', '/front/front.js'], ports: [{ containerPort: 8080 }],
      env: [{ name: 'BACK_URL', value: `http://${back.name}` }],
      volumeMounts: [{ name: 'src', mountPath: '/front/front.js', subPath: 'front.js' }], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
    }, { volumes: [{ name: 'src', configMap: { name: 'front' } }] });
  }
  client = await createClientPod(core, ns);
  await Promise.all(BACKS.flatMap((b) => [readyPodName(core, ns, b.name), readyPodName(core, ns, `front-${b.name}`)]));
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-two-'));
  copyFileSync(FRONT_SOURCE, join(dir, 'front.js'));
  for (const back of BACKS) copyFileSync(back.source, join(dir, back.file));
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

async function attach(deployment: string, kind: 'node' | 'go', remoteRoot: string, file: string, line: number, condition?: string): Promise<DebugClient> {
  const dc = new DebugClient('node', '', 'kmirror');
  dc.defaultTimeout = 90_000;
  await dc.start(serverPort);
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest({
    type: 'kmirror', request: 'attach', name: deployment, debugger: kind, kmirror: { target: { path: `deploy/${deployment}`, namespace: ns } },
    localRoot: dir, remoteRoot, targetTimeoutMs: 90_000,
  } as DebugProtocol.AttachRequestArguments)]);
  const bp = await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line, ...(condition ? { condition } : {}) }] });
  expect(bp.body.breakpoints[0]?.verified).toBe(true);
  await dc.configurationDoneRequest();
  return dc;
}

const lineOf = (file: string, marker: string): number => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;

describe.each(BACKS)('one kmirror-dap server, two sessions: a request across front (Node) and $name ($debugger)', (back) => {
  it('stops in front, then after continue in the back service\'s handler of the call front made; the answer carries both', { timeout: 300_000 }, async () => {
    const frontFile = join(dir, 'front.js');
    const backFile = join(dir, back.file);
    const front = await attach(`front-${back.name}`, 'node', '/front', frontFile, lineOf(frontFile, 'FRONT-BREAK'));
    let other: DebugClient | undefined;
    try {
      other = await attach(back.name, back.debugger, back.remoteRoot, backFile, lineOf(backFile, back.marker), back.condition);
      const answer = requestFromCluster(ns, client, `http://front-${back.name}/checkout`, 120);
      await front.waitForEvent('stopped');
      const frontFrame = (await front.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
      expect(frontFrame).toMatchObject({ source: { path: frontFile }, line: lineOf(frontFile, 'FRONT-BREAK') });
      expect((await front.evaluateRequest({ expression: 'path', frameId: frontFrame.id })).body.result).toBe('"/from-front/checkout"');
      const backStopped = other.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
      await front.continueRequest({ threadId: 1 });
      const threadId = (await backStopped).body.threadId ?? 1;
      const backFrame = (await other.stackTraceRequest({ threadId })).body.stackFrames[0]!;
      expect(backFrame).toMatchObject({ source: { path: backFile }, line: lineOf(backFile, back.marker) });
      expect((await other.evaluateRequest({ expression: back.expression, frameId: backFrame.id })).body.result).toBe('"/from-front/checkout"');
      await other.continueRequest({ threadId });
      expect(JSON.parse(await answer)).toMatchObject({ app: 'front', url: '/checkout', back: { app: back.app, url: '/from-front/checkout' } });
      await Promise.all([front.disconnectRequest({}), other.disconnectRequest({})]);
    } finally {
      await Promise.all([front.stop(), other?.stop()]);
    }
    // Both detached: the chain answers, and nothing of kmirror is left.
    expect(JSON.parse(await requestFromCluster(ns, client, `http://front-${back.name}/after`, 10))).toMatchObject({ url: '/after', back: { url: '/from-front/after' } });
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });
});
