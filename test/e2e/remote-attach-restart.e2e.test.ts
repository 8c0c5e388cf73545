// Remote attach (issue 11, faults): the attached container restarts (its main process is killed
// with SIGKILL from the node, the kubelet starts it again: restartCount 1). Without
// "followRestarts" the DAP session ends naming the container, its exit code and the restart
// count, and nothing of kmirror is left; with it, kmirror-dap re-attaches to the new process, sets
// the client's breakpoint again, and the next request to the Service stops there — also after the
// pod is deleted and its Deployment starts another. Each case has its
// own Deployment (a second restart of one container would wait out the kubelet's back-off). Go: dlv,
// in its debugger container sharing the application's PID namespace, ends with it; the session ends
// with the same reason; so does Python attached by pid (debugpy injected from its debugger container).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { createClientPod, deployApp, hostPidOfContainer, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../dist/kmirror-dap.js');
const SERVER_SOURCE = fileURLToPath(new URL('../cluster/images/node-http/server.js', import.meta.url));
const GO_SOURCE = fileURLToPath(new URL('../cluster/images/go-http/main.go', import.meta.url));
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let localFile: string;
let line: number;
let goFile: string;
let goLine: number;

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-attach-restart'));
  await Promise.all([
    deployApp(guard.kc, ns, 'ends', IMAGES.nodeHttp, 'ends'), deployApp(guard.kc, ns, 'follows', IMAGES.nodeHttp, 'follows'),
    deployApp(guard.kc, ns, 'api', IMAGES.goHttpDebug, 'api'), deployApp(guard.kc, ns, 'api-follows', IMAGES.goHttpDebug, 'api-follows'),
    deployApp(guard.kc, ns, 'py', IMAGES.pythonHttp, 'py'),
  ]);
  client = await createClientPod(core, ns);
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-attach-restart-'));
  localFile = join(dir, 'server.js'); // the checkout: the image's /app/server.js
  copyFileSync(SERVER_SOURCE, localFile);
  line = readFileSync(localFile, 'utf8').split('\n').findIndex((l) => l.includes("res.setHeader('content-type'")) + 1;
  goFile = join(dir, 'main.go'); // the checkout: what the image built in /build/go-http
  copyFileSync(GO_SOURCE, goFile);
  goLine = readFileSync(goFile, 'utf8').split('\n').findIndex((l) => l.includes('w.Header().Set("content-type"')) + 1;
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

/** A DAP client attached to deploy/`app` (Node unless `extra` says otherwise), collecting its output by category. */
async function attach(app: string, output: { important: string[]; console: string[] }, extra: Record<string, unknown> = {}): Promise<DebugClient> {
  const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
  dc.defaultTimeout = 90_000;
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'important') output.important.push(e.body.output);
    if (e.body.category === 'console') output.console.push(e.body.output);
  });
  await dc.start();
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest({
    type: 'kmirror', request: 'attach', debugger: 'node', kmirror: { target: { path: `deploy/${app}`, namespace: ns } },
    localRoot: dir, remoteRoot: '/app', targetTimeoutMs: 90_000, ...extra,
  } as DebugProtocol.AttachRequestArguments)]);
  return dc;
}

/** SIGKILL from the node to the container's main process (inside its PID namespace it could not be killed). */
async function killMainProcess(pod: string): Promise<void> {
  process.kill(await hostPidOfContainer(core, ns, pod, 'app'), 'SIGKILL');
}

async function restartsOf(pod: string): Promise<number> {
  const p = await core.readNamespacedPod({ namespace: ns, name: pod });
  return p.status?.containerStatuses?.find((c) => c.name === 'app')?.restartCount ?? -1;
}

/** Output events until one matches `pattern`. */
function waitForOutput(lines: string[], pattern: RegExp, what: string): Promise<string> {
  return waitFor(what, async () => lines.join('').match(pattern)?.[0], 90_000)
    .catch((e: Error) => { throw new Error(`${e.message}; output so far: ${lines.join('')}`); });
}

/** A request to the Service stops at the breakpoint in `pod`'s process; continue, and it is answered. */
async function stopsAtTheBreakpoint(dc: DebugClient, pod: string): Promise<void> {
  const answer = requestFromCluster(ns, client, 'http://follows/e2e-follow', 60);
  const stopped = await dc.waitForEvent('stopped');
  expect(stopped.body.reason).toBe('breakpoint');
  const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
  expect(frame).toMatchObject({ line, source: { path: localFile } });
  expect((await dc.evaluateRequest({ expression: 'req.url', frameId: frame.id })).body.result).toBe('"/e2e-follow"');
  await dc.continueRequest({ threadId: 1 });
  expect(JSON.parse(await answer)).toMatchObject({ url: '/e2e-follow', pod });
}

describe('the attached container restarts', () => {
  it('ends the session naming the container, its exit code and the restart; nothing is left and the pod serves again', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'ends');
    const output = { important: [] as string[], console: [] as string[] };
    const dc = await attach('ends', output);
    try {
      await dc.configurationDoneRequest();
      const terminated = dc.waitForEvent('terminated', 90_000);
      await killMainProcess(pod);
      await terminated;
      expect(output.important.join('')).toMatch(new RegExp(`session ended: container app of pod ${pod} restarted \\(exit code 137(: \\w+)?, restart 1\\)`));
      await dc.disconnectRequest({}).catch(() => undefined);
    } finally {
      await dc.stop().catch(() => undefined);
    }
    // The same pod, its container started again by the kubelet, answers (not left stopped or signalled).
    expect(await readyPodName(core, ns, 'ends')).toBe(pod);
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://ends/after', 30))).toMatchObject({ url: '/after', pod });
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('Python (debugpy injected by pid): the session ends naming the restart, nothing is left', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'py');
    const important: string[] = [];
    const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
    dc.defaultTimeout = 90_000;
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'important') important.push(e.body.output); });
    try {
      await dc.start();
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      // debugpy answers attach only after configurationDone.
      const attached = dc.attachRequest({
        type: 'kmirror', request: 'attach', debugger: 'python', kmirror: { target: { path: 'deploy/py', namespace: ns } },
        localRoot: dir, remoteRoot: '/app', targetTimeoutMs: 90_000,
      } as DebugProtocol.AttachRequestArguments);
      await dc.waitForEvent('initialized');
      await dc.configurationDoneRequest();
      await attached;
      const terminated = dc.waitForEvent('terminated', 60_000);
      await killMainProcess(pod);
      await terminated;
      await waitForOutput(important, new RegExp(`session ended: container app of pod ${pod} restarted \\(exit code 137(: \\w+)?, restart 1\\)`), 'the end reason (Python)');
      await dc.disconnectRequest({}).catch(() => undefined);
    } finally {
      await dc.stop().catch(() => undefined);
    }
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('Go: dlv goes with the restarted container; the session ends naming the restart, nothing is left', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'api');
    const output = { important: [] as string[], console: [] as string[] };
    const dc = await attach('api', output, { debugger: 'go', localRoot: dir, remoteRoot: '/build/go-http' });
    try {
      await dc.configurationDoneRequest();
      const terminated = dc.waitForEvent('terminated', 90_000);
      await killMainProcess(pod);
      await terminated;
      expect(output.important.join('')).toMatch(new RegExp(`session ended: container app of pod ${pod} restarted \\(exit code 137(: \\w+)?, restart 1\\)`));
      await dc.disconnectRequest({}).catch(() => undefined);
    } finally {
      await dc.stop().catch(() => undefined);
    }
    expect(await readyPodName(core, ns, 'api')).toBe(pod);
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://api/after', 30))).toMatchObject({ url: '/after', pod });
    const p = await core.readNamespacedPod({ namespace: ns, name: pod });
    // The debugger container ended with the PID namespace it shared; it runs no more.
    expect((p.status?.ephemeralContainerStatuses ?? []).filter((c) => c.name.startsWith('kmirror-dlv-')).every((c) => c.state?.terminated)).toBe(true);
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('Go with "followRestarts": a new debugger container attaches to the restarted process; the breakpoint is hit again', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'api-follows');
    const output = { important: [] as string[], console: [] as string[] };
    const dc = await attach('api-follows', output, { debugger: 'go', localRoot: dir, remoteRoot: '/build/go-http', followRestarts: true });
    try {
      const set = await dc.setBreakpointsRequest({ source: { path: goFile }, breakpoints: [{ line: goLine, condition: 'r.URL.Path == "/e2e-follow"' }] });
      expect(set.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();
      await killMainProcess(pod);
      await waitForOutput(output.console, /re-attached to process 1 \(\S*go-http\S*\) in \S+ [\d.]+ s after: container app of pod \S+ restarted \(exit code 137/, 're-attached line (Go)');
      expect(output.important.join('')).not.toMatch(/session ended/);
      const answer = requestFromCluster(ns, client, 'http://api-follows/e2e-follow', 60);
      const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
      expect(stopped.body.reason).toBe('breakpoint');
      const threadId = stopped.body.threadId!;
      const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0]!;
      expect(frame).toMatchObject({ line: goLine, source: { path: goFile } });
      expect((await dc.evaluateRequest({ expression: 'r.URL.Path', frameId: frame.id })).body.result).toBe('"/e2e-follow"');
      await dc.continueRequest({ threadId });
      expect(JSON.parse(await answer)).toMatchObject({ url: '/e2e-follow', pod });
      await dc.disconnectRequest({});
    } finally {
      await dc.stop().catch(() => undefined);
    }
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://api-follows/after', 10))).toMatchObject({ url: '/after', pod });
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('with "followRestarts": re-attaches to the restarted process, then to the replacement pod; the breakpoint is hit each time; detach leaves nothing', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'follows');
    const output = { important: [] as string[], console: [] as string[] };
    const dc = await attach('follows', output, { followRestarts: true });
    const changed: DebugProtocol.Breakpoint[] = [];
    dc.on('breakpoint', (e: DebugProtocol.BreakpointEvent) => { changed.push(e.body.breakpoint); });
    try {
      const set = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: "req.url === '/e2e-follow'" }] });
      const id = set.body.breakpoints[0]?.id;
      expect(set.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();

      await killMainProcess(pod);
      await waitForOutput(output.console, /re-attached to process 1 \(\/usr\/bin\/node \/app\/server\.js\) in \S+ [\d.]+ s after: container app of pod \S+ restarted \(exit code 137/, 're-attached line');
      // The client's breakpoint, under the id it was given, set and verified in the new process.
      expect(changed.some((b) => b.id === id && b.verified)).toBe(true);
      expect(output.important.join('')).not.toMatch(/session ended/);

      await stopsAtTheBreakpoint(dc, pod);

      // The pod replaced by its Deployment: the session follows to the new pod's process.
      await core.deleteNamespacedPod({ namespace: ns, name: pod, gracePeriodSeconds: 0 });
      await waitForOutput(output.console, new RegExp(`re-attached to process 1 \\(/usr/bin/node /app/server\\.js\\) in \\S+ [\\d.]+ s after: pod ${pod} was deleted`), 're-attached line after the pod was replaced');
      const replacement = await readyPodName(core, ns, 'follows');
      expect(replacement).not.toBe(pod);
      await stopsAtTheBreakpoint(dc, replacement);
      expect(output.important.join('')).not.toMatch(/session ended/);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop().catch(() => undefined);
    }
    const replacement = await readyPodName(core, ns, 'follows');
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://follows/after', 10))).toMatchObject({ url: '/after', pod: replacement });
    expect(await restartsOf(replacement)).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });
});
