// Snapshot debugging of a Go service in the cluster (issue 11 item 4): the Go service `api` (image go-http-debug,
// an ordinary Deployment + Service with a readiness probe) is attached by `deploy/api` with "nonBreaking": dlv runs
// in a debugger container and kmirror-dap's generic snapshot layer turns each breakpoint stop in the handler into a
// snapshot (stack, locals) and continues. Requests to the Service (each with a body of a different length, which
// the handler's local `n` holds at the breakpoint) are all answered, every one's snapshot carries its `n`, the
// client never sees a stop, the pod stays Ready with 0 restarts, and nothing of kmirror is left.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attach, kmirrorAttachArgs, startAttachClient } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { waitForDebuggersExited } from './harness/debugger-containers.js';
import { execInPod } from './harness/pods.js';
import { createClientPod, deployApp, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const GO_SOURCE = fileURLToPath(new URL('../cluster/images/go-http/main.go', import.meta.url));
const REQUESTS = 30;
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let localFile: string;

interface Variable { name: string; value: string }
interface Snapshot { path?: string; line: number; pauseMs: number; capture: string; stack: unknown[]; scopes: Array<{ name: string; variables: Variable[] }> }

// REQUESTS sequential POSTs from the client pod, request i with a body of i bytes: how many were answered with
// their own byte count, and the latencies (ms).
const POSTS = `const http = require('http'); let ok = 0; const ms = [];
(async () => { for (let i = 1; i <= ${REQUESTS}; i++) await new Promise((done) => { const t0 = process.hrtime.bigint();
  const req = http.request('http://api/snap-' + i, { method: 'POST', timeout: 10000 }, (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => {
    try { if (JSON.parse(b).bodyBytes === i) ok++; } catch {} ms.push(Number(process.hrtime.bigint() - t0) / 1e6); done(); }); });
  req.on('timeout', () => req.destroy(new Error('timeout'))); req.on('error', done); req.end('x'.repeat(i)); });
  ms.sort((a, b) => a - b); process.stdout.write(JSON.stringify({ ok, p50: ms[Math.floor(ms.length / 2)], p99: ms[ms.length - 1] })); })();`;

async function posts(): Promise<{ ok: number; p50: number; p99: number }> {
  return JSON.parse(await execInPod(ns, client, ['/usr/bin/node', '-e', POSTS], { timeoutMs: 180_000 })) as { ok: number; p50: number; p99: number };
}

/** The pod's readiness, its app container's restarts, and its Unhealthy events (counted per message). */
async function health(pod: string): Promise<{ ready: boolean; restarts: number; unhealthy: string[] }> {
  const p = await core.readNamespacedPod({ namespace: ns, name: pod });
  const events = await core.listNamespacedEvent({ namespace: ns });
  return {
    ready: p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    restarts: p.status?.containerStatuses?.find((s) => s.name === 'app')?.restartCount ?? -1,
    unhealthy: events.items.filter((e) => e.reason === 'Unhealthy' && e.involvedObject.name === pod).map((e) => `${e.message ?? ''} (×${e.count ?? 1})`).sort(),
  };
}

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-snap-go'));
  await deployApp(guard.kc, ns, 'api', IMAGES.goHttpDebug, 'go snapshots');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'api');
  ({ dir, file: localFile } = checkoutOf(GO_SOURCE, 'kmirror-e2e-snap-go-'));
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

describe('snapshot breakpoints on a Go service (deploy/api, dlv in a debugger container)', () => {
  it(`${REQUESTS} requests during a snapshot breakpoint: all answered, each snapshot holds the request's local, the pod stays Ready`, { timeout: 240_000 }, async () => {
    const pod = await readyPodName(core, ns, 'api');
    const before = await health(pod);
    const line = lineWith(localFile, 'w.Header().Set("content-type"');
    const snapshots: Snapshot[] = [];
    const notices: string[] = [];
    let stopped = 0;
    const dc = await startAttachClient((c) => {
      c.on('output', (e: DebugProtocol.OutputEvent) => {
        const d = e.body.data as (Snapshot & { kind?: string }) | undefined;
        if (d?.kind === 'kmirror/snapshot') snapshots.push(d);
        else notices.push(e.body.output);
      });
      c.on('stopped', () => { stopped++; });
    });
    try {
      await attach(dc, kmirrorAttachArgs({ debugger: 'go', target: 'deploy/api', namespace: ns }, { localRoot: dir, remoteRoot: '/build/go-http', targetTimeoutMs: 60_000, nonBreaking: true }));
      await dc.configurationDoneRequest();
      const base = await posts(); // attached, no breakpoint: the same requests' baseline
      expect(base.ok).toBe(REQUESTS);
      // No condition: the kubelet's readiness probes hit it too (n = 0), and pass.
      expect((await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line }] })).body.breakpoints[0]?.verified).toBe(true);
      const snap = await posts();
      expect(snap.ok).toBe(REQUESTS);
      const local = (s: Snapshot, name: string): string | undefined => s.scopes.flatMap((x) => x.variables).find((v) => v.name === name)?.value;
      const sizes = await waitFor(`${REQUESTS} snapshots of the POSTs`, async () => {
        const n = new Set(snapshots.map((s) => Number(local(s, 'n'))).filter((x) => x > 0));
        return n.size >= REQUESTS ? n : undefined;
      }, 30_000);
      expect([...sizes].sort((a, b) => a - b)).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
      expect(snapshots[0]).toMatchObject({ path: localFile, line, capture: 'dap' });
      expect(snapshots[0]!.stack.length).toBeGreaterThan(1);
      expect(stopped).toBe(0);
      expect(notices.join('')).toMatch(/snapshot mode \("nonBreaking"\): breakpoints in .*deploy\/api.* the process runs on/);
      expect(notices.join('')).not.toMatch(/fails its liveness probe/);
      const pauses = snapshots.map((s) => s.pauseMs).sort((a, b) => a - b);
      console.log(`e2e go snapshot: request p50/p99 ${base.p50.toFixed(2)}/${base.p99.toFixed(2)} ms without, ${snap.p50.toFixed(2)}/${snap.p99.toFixed(2)} ms with a snapshot per request; `
        + `pause over ${pauses.length} snapshots p50 ${pauses[Math.floor(pauses.length / 2)]!.toFixed(2)} ms, p99 ${pauses[Math.floor(pauses.length * 0.99)]!.toFixed(2)} ms`);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Readiness never failed during the session: no new Unhealthy event, still Ready, no restart.
    expect(await health(pod)).toEqual({ ready: true, restarts: 0, unhealthy: before.unhealthy });
    await waitForDebuggersExited(core, ns, pod, 'kmirror-dlv-');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });
});
