// Remote attach (issue 11, faults): the attached container restarts (its main process is killed
// with SIGKILL from the node, the kubelet starts it again: restartCount 1). Without
// "followRestarts" the DAP session ends naming the container, its exit code and the restart
// count, and nothing of kmirror is left; with it, kmirror-dap re-attaches to the new process, sets
// the client's breakpoint again, and the next request to the Service stops there — also after the
// pod is deleted and its Deployment starts another. Each case has its
// own Deployment (a second restart of one container would wait out the kubelet's back-off). Go: dlv,
// in its debugger container sharing the application's PID namespace, ends with it; the session ends
// with the same reason; so does Python attached by pid (debugpy injected from its debugger container).
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kmirrorAttachArgs, startAttached, type Handshake } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { createClientPod, deployApp, hostPidOfContainer, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

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
  ({ dir, file: localFile } = checkoutOf(SERVER_SOURCE, 'kmirror-e2e-attach-restart-')); // the checkout: the image's /app/server.js
  line = lineWith(localFile, "res.setHeader('content-type'");
  goFile = join(dir, 'main.go'); // the checkout: what the image built in /build/go-http
  copyFileSync(GO_SOURCE, goFile);
  goLine = lineWith(goFile, 'w.Header().Set("content-type"');
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

/**
 * A DAP client attached to deploy/`app` (Node unless `extra` says otherwise), collecting its output by category;
 * `handshake` for debugpy, which answers attach only after configurationDone.
 */
async function attach(app: string, output: { important: string[]; console: string[] }, extra: Record<string, unknown> = {}, handshake: Handshake = {}): Promise<DebugClient> {
  const args = kmirrorAttachArgs({ debugger: 'node', target: `deploy/${app}`, namespace: ns }, { localRoot: dir, remoteRoot: '/app', ...extra });
  return startAttached(args, handshake, (dc) => dc.on('output', (e: DebugProtocol.OutputEvent) => {
    if (e.body.category === 'important') output.important.push(e.body.output);
    if (e.body.category === 'console') output.console.push(e.body.output);
  }));
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

/**
 * Attached to deploy/`app` (configured: configurationDone sent), `pod`'s main process is killed: the session ends,
 * its reason naming the container, its exit code and the restart.
 */
async function sessionEndsWithTheRestart(app: string, pod: string, extra: Record<string, unknown> = {}, handshake: Handshake = {}): Promise<void> {
  const output = { important: [] as string[], console: [] as string[] };
  const dc = await attach(app, output, extra, handshake);
  try {
    if (!handshake.configurationDoneBeforeAnswer) await dc.configurationDoneRequest();
    const terminated = dc.waitForEvent('terminated', 90_000);
    await killMainProcess(pod);
    await terminated;
    await waitForOutput(output.important, new RegExp(`session ended: container app of pod ${pod} restarted \\(exit code 137(: \\w+)?, restart 1\\)`), `the end reason (${app})`);
    await dc.disconnectRequest({}).catch(() => undefined);
  } finally {
    await dc.stop().catch(() => undefined);
  }
}

describe('the attached container restarts', () => {
  it('ends the session naming the container, its exit code and the restart; nothing is left and the pod serves again', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'ends');
    await sessionEndsWithTheRestart('ends', pod);
    // The same pod, its container started again by the kubelet, answers (not left stopped or signalled).
    expect(await readyPodName(core, ns, 'ends')).toBe(pod);
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://ends/after', 30))).toMatchObject({ url: '/after', pod });
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('Python (debugpy injected by pid): the session ends naming the restart, nothing is left', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'py');
    await sessionEndsWithTheRestart('py', pod, { debugger: 'python' }, { configurationDoneBeforeAnswer: true });
    expect(await restartsOf(pod)).toBe(1);
    await waitForNoKmirrorObjects(guard.kc, ns, 90_000);
  });

  it('Go: dlv goes with the restarted container; the session ends naming the restart, nothing is left', { timeout: 180_000 }, async () => {
    const pod = await readyPodName(core, ns, 'api');
    await sessionEndsWithTheRestart('api', pod, { debugger: 'go', localRoot: dir, remoteRoot: '/build/go-http' });
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
