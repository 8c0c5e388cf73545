// Remote attach (issue 11) on the project's cluster: the Node service `web` (image node-http, an
// ordinary Deployment + Service with liveness and readiness probes) already runs; kmirror-dap
// attaches to its main process by `deploy/web` (the agent opens its inspector with SIGUSR1), a
// request sent to the Service from a client pod stops at a breakpoint in the handler of the
// checkout's copy of /app/server.js, and after continue + detach the same container keeps answering.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attach, kmirrorAttachArgs, startAttachClient } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const SERVER_SOURCE = fileURLToPath(new URL('../cluster/images/node-http/server.js', import.meta.url));
const MESSAGE = 'answered by the attached pod';
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let pod: string;
let dir: string;
let localFile: string;

async function restarts(): Promise<number> {
  const p = await core.readNamespacedPod({ namespace: ns, name: pod });
  return p.status?.containerStatuses?.[0]?.restartCount ?? -1;
}

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-attach'));
  // An ordinary manifest: nothing in it is for kmirror (no inspector flag, no debug port).
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, MESSAGE, {
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 6 },
  });
  client = await createClientPod(core, ns);
  pod = await readyPodName(core, ns, 'web');
  ({ dir, file: localFile } = checkoutOf(SERVER_SOURCE, 'kmirror-e2e-attach-')); // the checkout: the image's /app/server.js
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

const attachArgs = (extra: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments => kmirrorAttachArgs({ debugger: 'node', target: 'deploy/web', namespace: ns }, extra);

describe('attach to a Node service already running in deploy/web', () => {
  it('stops at a breakpoint hit by a request to the Service, reads values, continues, detaches; the pod keeps serving', { timeout: 180_000 }, async () => {
    const line = lineWith(localFile, "res.setHeader('content-type'");
    const consoleOutput: string[] = [];
    const dc = await startAttachClient((c) => c.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') consoleOutput.push(e.body.output); }));
    try {
      await attach(dc, attachArgs({ localRoot: dir, remoteRoot: '/app' }));
      expect(consoleOutput.join('')).toMatch(/fails its liveness probe and the kubelet may restart the container\. Probes found: livenessProbe HTTP GET \/healthz on port 8080 every 10s, timeout 1s, failureThreshold 6/);
      const bp = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: "req.url === '/e2e-stop'" }] }); // not the kubelet's probes
      expect(bp.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();

      const answer = requestFromCluster(ns, client, 'http://web/e2e-stop', 60);
      const stopped = await dc.waitForEvent('stopped');
      expect(stopped.body.reason).toBe('breakpoint');
      const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;
      expect(frame).toMatchObject({ line, source: { path: localFile } });
      expect((await dc.evaluateRequest({ expression: 'req.url', frameId: frame.id })).body.result).toBe('"/e2e-stop"');
      expect((await dc.evaluateRequest({ expression: 'message', frameId: frame.id })).body.result).toBe(JSON.stringify(MESSAGE));
      await dc.continueRequest({ threadId: 1 });
      expect(JSON.parse(await answer)).toMatchObject({ url: '/e2e-stop', message: MESSAGE, pod });
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Detached: the same container (no restart) answers, not stopped, and nothing of kmirror is left.
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://web/after', 10))).toMatchObject({ url: '/after', pod });
    expect(await restarts()).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('refuses a second session while one is attached (each with its own agent) and a pid not in the container', { timeout: 180_000 }, async () => {
    const first = await startAttachClient();
    try {
      await first.attachRequest(attachArgs());
      const second = await startAttachClient();
      try {
        const refused = await second.attachRequest(attachArgs()).then(() => 'attached', (e: Error) => e.message);
        expect(refused).toMatch(/process 1 \(\/usr\/bin\/node \/app\/server\.js\) already has a kmirror debug session attached/);
        const noPid = await second.attachRequest(attachArgs({ processId: 4242 })).then(() => 'attached', (e: Error) => e.message);
        expect(noPid).toMatch(/no process 4242 in the PID namespace of .* \(processes there: 1 node\)/);
      } finally {
        await second.stop();
      }
      await first.disconnectRequest({});
    } finally {
      await first.stop();
    }
    expect(JSON.parse(await requestFromCluster(ns, client, 'http://web/after-refusal', 10))).toMatchObject({ url: '/after-refusal', pod });
    expect(await restarts()).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });
});
