// Snapshot debugging and faults of remote attach (issue 11) on the project's cluster. The Node
// service `web` (image node-http, an ordinary Deployment + Service with readiness and liveness
// probes) already runs; kmirror-dap attaches by `deploy/web`.
//  - "nonBreaking": a breakpoint in the handler (hit by the kubelet's probes too) records snapshots
//    while 100 requests go to the Service: all answered, snapshots delivered, the pod stays Ready
//    (no Unhealthy event, no restart).
//  - the tunnel drops while the process is stopped at a breakpoint (kmirror-dap killed): the agent
//    side's inspector connection closes, which resumes the process; the Service answers again.
//  - the pod is deleted while attached: the session ends naming the reason; nothing is left.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attach as attachClient, initializeClient, killAdapter, kmirrorAttachArgs, newAttachClient } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { execInPod } from './harness/pods.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const SERVER_SOURCE = fileURLToPath(new URL('../cluster/images/node-http/server.js', import.meta.url));
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let localFile: string;
let line: number;

interface Snapshot { seq: number; path?: string; line: number; pauseMs: number; capture: string; scopes: Array<{ name: string; variables: Array<{ name: string; value: string }> }> }

/** The pod, its readiness, restarts, and the namespace's Unhealthy events. */
async function health(pod: string): Promise<{ ready: boolean; restarts: number; unhealthy: string[] }> {
  const p = await core.readNamespacedPod({ namespace: ns, name: pod });
  const events = await core.listNamespacedEvent({ namespace: ns });
  return {
    ready: p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    restarts: p.status?.containerStatuses?.[0]?.restartCount ?? -1,
    // Counted per message: an event seen again bumps its count (one at start-up, before the app listens, is not ours).
    unhealthy: events.items.filter((e) => e.reason === 'Unhealthy' && e.involvedObject.name === pod).map((e) => `${e.message ?? ''} (×${e.count ?? 1})`).sort(),
  };
}

// 100 sequential GETs from the client pod: how many the handler answered, and their latencies (ms).
const HUNDRED = `const http = require('http'); let ok = 0; const ms = [];
(async () => { for (let i = 0; i < 100; i++) await new Promise((done) => { const t0 = process.hrtime.bigint();
  const req = http.get('http://web/snap-' + i, { timeout: 10000 }, (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => { if (b.includes('"/snap-' + i + '"')) ok++; ms.push(Number(process.hrtime.bigint() - t0) / 1e6); done(); }); });
  req.on('timeout', () => req.destroy(new Error('timeout'))); req.on('error', done); });
  ms.sort((a, b) => a - b); process.stdout.write(JSON.stringify({ ok, p50: ms[50], p99: ms[98] })); })();`;

async function hundred(): Promise<{ ok: number; p50: number; p99: number }> {
  return JSON.parse(await execInPod(ns, client, ['/usr/bin/node', '-e', HUNDRED], { timeoutMs: 180_000 })) as { ok: number; p50: number; p99: number };
}

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-snap'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'hello from node-http', {
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
  });
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  ({ dir, file: localFile } = checkoutOf(SERVER_SOURCE, 'kmirror-e2e-snap-'));
  line = lineWith(localFile, "res.setHeader('content-type'");
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

async function attach(dc: DebugClient, extra: Record<string, unknown>): Promise<void> {
  await initializeClient(dc);
  await attachClient(dc, kmirrorAttachArgs({ debugger: 'node', target: 'deploy/web', namespace: ns }, { localRoot: dir, remoteRoot: '/app', ...extra }));
}

describe('snapshot breakpoints on deploy/web', () => {
  it('100 requests during a snapshot breakpoint: all answered, snapshots delivered, the pod stays Ready', { timeout: 240_000 }, async () => {
    const pod = await readyPodName(core, ns, 'web');
    const before = await health(pod);
    const dc = newAttachClient();
    const snapshots: Snapshot[] = [];
    let stopped = 0;
    dc.on('output', (e: DebugProtocol.OutputEvent) => { const d = e.body.data as (Snapshot & { kind?: string }) | undefined; if (d?.kind === 'kmirror/snapshot') snapshots.push(d); });
    dc.on('stopped', () => { stopped++; });
    try {
      await attach(dc, { nonBreaking: true });
      await dc.configurationDoneRequest();
      const base = await hundred(); // attached, no breakpoint: the same requests' baseline
      expect(base.ok).toBe(100);
      // No condition: the kubelet's probes hit the breakpoint too, and pass.
      expect((await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line }] })).body.breakpoints[0]?.verified).toBe(true);
      const snap = await hundred();
      expect(snap.ok).toBe(100);
      console.log(`e2e request latency from a client pod, p50/p99: ${base.p50.toFixed(2)}/${base.p99.toFixed(2)} ms without, ${snap.p50.toFixed(2)}/${snap.p99.toFixed(2)} ms with a snapshot per request`);
      // One per request at least (the kubelet's probes add theirs).
      await waitFor('100 snapshots in the handler', async () => (snapshots.filter(inHandler).length >= 100 ? true : undefined), 30_000);
      const first = snapshots.find(inHandler)!;
      expect(first).toMatchObject({ path: localFile, line, capture: 'node-cdp' });
      expect(stopped).toBe(0);
      // After the first hits (paused while the capture is placed) the condition captures without pausing.
      const inPlace = snapshots.filter((s) => s.capture === 'node-condition');
      expect(inPlace.filter(inHandler).length).toBeGreaterThanOrEqual(90);
      expect(inPlace[0]).toMatchObject({ path: localFile, line });
      const pauses = snapshots.map((s) => s.pauseMs).sort((a, b) => a - b);
      console.log(`e2e snapshot pause over ${pauses.length} snapshots (${pauses.length - inPlace.length} paused, ${inPlace.length} in the condition): p50 ${pauses[Math.floor(pauses.length / 2)]!.toFixed(2)} ms, p99 ${pauses[Math.floor(pauses.length * 0.99)]!.toFixed(2)} ms`);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Readiness never failed during the session: no new Unhealthy event, still Ready, no restart.
    expect(await health(pod)).toEqual({ ready: true, restarts: 0, unhealthy: before.unhealthy });
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('the tunnel drops while stopped at a breakpoint: the agent side resumes the process, the Service answers again', { timeout: 240_000 }, async () => {
    const pod = await readyPodName(core, ns, 'web');
    const dc = newAttachClient();
    let killed = false;
    try {
      await attach(dc, {});
      await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: "req.url === '/held'" }] });
      await dc.configurationDoneRequest();
      const held = requestFromCluster(ns, client, 'http://web/held', 60);
      await dc.waitForEvent('stopped');
      // The tunnel goes with the kmirror-dap process, without a goodbye (the agent stays up until its idle exit).
      killAdapter(dc);
      killed = true;
      expect(JSON.parse(await held)).toMatchObject({ url: '/held', pod });
    } finally {
      if (killed) (dc as unknown as { stopAdapter(): void }).stopAdapter();
      else await dc.stop().catch(() => undefined);
    }
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://web/after-drop', 10))).toMatchObject({ url: '/after-drop', pod });
    expect((await health(pod)).restarts).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 120_000);
  });

  it('the pod is deleted while attached: the session ends naming the reason, nothing is left', { timeout: 240_000 }, async () => {
    const pod = await readyPodName(core, ns, 'web');
    const dc = newAttachClient();
    const important: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { important.push(e.body.output); });
    try {
      await attach(dc, {});
      await dc.configurationDoneRequest();
      const terminated = dc.waitForEvent('terminated', 120_000);
      await core.deleteNamespacedPod({ namespace: ns, name: pod, gracePeriodSeconds: 0 });
      await terminated;
      expect(important.join('')).toMatch(new RegExp(`session ended: pod ${pod} was deleted`));
    } finally {
      await dc.stop().catch(() => undefined);
    }
    await readyPodName(core, ns, 'web');
    await waitForNoKmirrorObjects(guard.kc, ns, 120_000);
  });
});

/** A snapshot taken in the request handler (its closure holds the request). */
function inHandler(s: Snapshot): boolean {
  return s.scopes.some((scope) => scope.variables.some((v) => v.name === 'req'));
}
