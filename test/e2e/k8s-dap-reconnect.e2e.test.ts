// kmirror-dap keeps a cluster debugging session alive across an agent loss: a local Node
// program launched through DAP steals the Deployment's traffic; the agent is killed with -9; the
// session places a new agent, re-subscribes and reports the gap as a `kmirror/status` event; the
// debuggee is not restarted and receives the Service's traffic again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, startServer, type TestServer } from '#dap/test/harness.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { createClientPod, deployApp, hostPidOfContainer, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { freePort } from '#test/harness/free-port.js';

let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let server: TestServer;
const savedKubeconfig = process.env.KUBECONFIG;

const APP = `require('http').createServer((req, res) => res.end(JSON.stringify({ local: true, pid: process.pid, url: req.url }))).listen(Number(process.argv[2]));\n`; // a kernel-picked port, mapped to the pod's 8080

async function localAnswer(path: string): Promise<{ local: boolean; pid: number } | undefined> {
  const body = await requestFromCluster(ns, client, `http://web${path}`, 3).catch(() => '');
  try {
    const parsed = JSON.parse(body) as { local?: boolean; pid: number };
    return parsed.local ? { local: true, pid: parsed.pid } : undefined;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  process.env.KUBECONFIG = KUBECONFIG_PATH;     // kmirror-dap runs in this process
  ({ guard, core, ns } = await openGuardedNamespace('kmt-dapre'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'pod');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-dapre-'));
  writeFileSync(join(dir, 'app.js'), APP);
  server = await startServer();
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (guard) await waitForNoKmirrorObjects(guard.kc, ns, 30_000).catch(() => undefined);
  await guard?.dispose();
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = savedKubeconfig;
});

describe('kmirror-dap session against deploy/web', () => {
  it('survives kill -9 of the agent: new agent, steal restored, gap reported, debuggee not restarted', { timeout: 180_000 }, async () => {
    const localPort = await freePort();
    const dc: DebugClient = await connectClient(server.port, 60_000);
    const statusEvents: Array<Record<string, unknown>> = [];
    dc.on('kmirror/status', (e: { body: Record<string, unknown> }) => statusEvents.push(e.body));
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      await Promise.all([
        dc.waitForEvent('initialized').then(() => dc.configurationDoneRequest()),
        dc.launchRequest({
          type: 'kmirror', request: 'launch', program: join(dir, 'app.js'), args: [String(localPort)], cwd: dir, targetTimeoutMs: 60_000,
          kmirror: { target: { path: 'deploy/web', namespace: ns }, feature: { network: { incoming: { mode: 'steal', port_mapping: [[localPort, 8080]] } } } },
        } as never),
      ]);
      const before = await waitFor('the debuggee to receive the Service traffic', () => localAnswer('/before'), 60_000);

      const agentPod = (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=kmirror' })).items[0]?.metadata?.name ?? '';
      expect(agentPod).not.toBe('');
      process.kill(await hostPidOfContainer(core, ns, agentPod, 'kmirror-agent'), 'SIGKILL');

      const reconnected = await waitFor('a kmirror/status event reporting the reconnect', async () =>
        statusEvents.find((b) => /^reconnected after \d+ ms \(new agent /.test(String(b.agentEvent ?? ''))), 60_000);
      // The gap is reported (matched above); its size is a figure of bench/chaos.ts, not asserted here.
      expect(reconnected.agentEvent).toMatch(/new agent /);
      const after = await waitFor('the debuggee to receive the Service traffic again', () => localAnswer('/after'), 30_000);
      expect(after.pid).toBe(before.pid);
      await dc.disconnectRequest({ terminateDebuggee: true });
    } finally {
      await dc.stop();
    }
  });
});
