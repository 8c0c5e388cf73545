// Kubernetes targets end to end on the project's test cluster, through the library entry
// the workstation session uses (openClusterAgent): the node agent serves env, DNS, files and
// outgoing traffic from inside the target pod; a port-forward cut and a killed agent are
// recovered from; a deleted pod is followed; nothing of kmirror remains afterwards.
import { BatchV1Api, type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterAgent, type ClusterAgentSession } from '#runtime/placement/cluster-agent.js';
import type { ReconnectStatus } from '#runtime/cluster/reconnecting-session.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import {
  APP_PORT, createClientPod, deployApp, hostPidOfContainer, readyPodName, requestFromCluster, waitForNoKmirrorObjects,
} from './k8s/fixtures.js';

const MESSAGE = 'answered by the pod';
let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let client: string;
let session: ClusterAgentSession | undefined;
const statuses: ReconnectStatus[] = [];
const logLines: string[] = [];

function nextStatus(type: ReconnectStatus['type'], after: number): Promise<ReconnectStatus> {
  return waitFor(`a "${type}" status`, async () => statuses.slice(after).find((s) => s.type === type), 60_000);
}

async function httpThroughAgent(s: ClusterAgentSession, host: string, path: string): Promise<string> {
  const [ip] = await s.resolve(host);
  if (!ip) throw new Error(`no address for ${host}`);
  const sock = await s.connectTcp(ip, 80, { timeoutMs: 5000 });
  sock.end(`GET ${path} HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
  let reply = '';
  for await (const chunk of sock) reply += (chunk as Buffer).toString();
  return reply;
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-k8s'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  await deployApp(kc, ns, 'other', IMAGES.goHttp, 'answered by the other service');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'other');
});

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await guard?.dispose();
});

describe('node agent for deploy/web', () => {
  it('starts pinned to the node with hostPID and capabilities, never privileged', async () => {
    session = await openClusterAgent({
      kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'deploy/web',
      log: (level, message) => logLines.push(`${level} ${message}`),
    });
    session.on('status', (s: ReconnectStatus) => statuses.push(s));
    const info = session.info;
    expect(info).toMatchObject({ namespace: ns, container: 'app', placement: 'node-job' });
    expect(info.podName).toBe(await readyPodName(core, ns, 'web'));
    const jobs = await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=kmirror' });
    expect(jobs.items).toHaveLength(1);
    const spec = jobs.items[0]?.spec;
    expect(spec?.template.spec).toMatchObject({ hostPID: true, nodeName: info.nodeName });
    expect(spec?.template.spec?.containers[0]?.securityContext).toMatchObject({ privileged: false, capabilities: { add: ['BPF', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_PTRACE'] } });
    expect(spec?.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(spec?.ttlSecondsAfterFinished).toBeGreaterThanOrEqual(0);
  });

  it("keeps the session token out of the pod spec: a Secret owned by the Job, referenced by the agent's env", async () => {
    const s = session!;   // set by the first test
    const [job] = (await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=kmirror' })).items;
    const agentPod = await core.readNamespacedPod({ namespace: ns, name: s.info.agentPod });
    expect(JSON.stringify(job)).not.toContain(s.token);
    expect(JSON.stringify(agentPod)).not.toContain(s.token);
    const tokenEnv = agentPod.spec?.containers[0]?.env?.find((e) => e.name === 'KMIRROR_AGENT_TOKEN');
    const ref = tokenEnv?.valueFrom?.secretKeyRef;
    expect(tokenEnv?.value).toBeUndefined();
    expect(ref?.name).toBeTruthy();
    const secret = await core.readNamespacedSecret({ namespace: ns, name: ref?.name ?? '' });
    expect(Buffer.from(secret.data?.[ref?.key ?? ''] ?? '', 'base64').toString()).toBe(s.token);
    expect(secret.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'kmirror', 'kmirror.dev/session': job?.metadata?.labels?.['kmirror.dev/session'] });
    expect(secret.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: job?.metadata?.name, uid: job?.metadata?.uid })]);
  });

  it("serves the pod's env, files, DNS and outgoing traffic to another Service by name", async () => {
    const s = session!;   // set by the first test
    expect((await s.env()).MESSAGE).toBe(MESSAGE);
    expect((await s.readFile('/etc/hostname')).toString().trim()).toBe(s.info.podName);
    const svc = await core.readNamespacedService({ namespace: ns, name: 'other' });
    expect(await s.resolve(`other.${ns}.svc.cluster.local`)).toContain(svc.spec?.clusterIP);
    const reply = await httpThroughAgent(s, 'other', '/through-the-agent');
    expect(reply).toMatch(/^HTTP\/1\.[01] 200/);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({ app: 'go-http', url: '/through-the-agent' });
  });

  it('resumes on the same agent when the port-forward is cut (the gap is a bench/chaos.ts figure)', async () => {
    const s = session!;
    const agentPod = s.info.agentPod;
    const mark = statuses.length;
    s.interruptTransport();
    const st = await nextStatus('reconnected', mark);
    expect(st).toMatchObject({ type: 'reconnected', note: `same agent ${agentPod}`, gapMs: expect.any(Number) });
    expect((await s.env()).MESSAGE).toBe(MESSAGE);
    expect(logLines.some((l) => /reconnected after \d+ ms/.test(l))).toBe(true);
  });

  it('steals Service traffic; after kill -9 of the agent the pod answers again, then a new agent steals again', async () => {
    const s = session!;
    const sub = await s.subscribe({ port: APP_PORT, mode: 'steal' }, (conn) => {
      conn.on('data', () => conn.end('HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nstolen\n'));
    });
    try {
      expect(await requestFromCluster(ns, client, 'http://web/steal-me')).toBe('stolen\n');
      const mark = statuses.length;
      const oldAgent = s.info.agentPod;
      process.kill(await hostPidOfContainer(core, ns, oldAgent, 'kmirror-agent'), 'SIGKILL');
      // BPF links died with the agent: the next request is answered by the pod itself.
      const fromPod = JSON.parse(await requestFromCluster(ns, client, 'http://web/after-kill')) as { app: string; message: string };
      expect(fromPod).toMatchObject({ app: 'node-http', message: MESSAGE });
      const st = await nextStatus('reconnected', mark);
      expect(st).toMatchObject({ resubscribed: 1, note: expect.stringMatching(/^new agent /), gapMs: expect.any(Number) });
      expect(s.info.agentPod).not.toBe(oldAgent);
      await waitFor('steal to resume on the new agent', async () =>
        (await requestFromCluster(ns, client, 'http://web/steal-again')) === 'stolen\n' ? true : undefined, 30_000);
    } finally {
      await sub.close();
    }
  });

  it('follows the Deployment to a new pod when the target pod is deleted', async () => {
    const s = session!;
    const oldPod = s.info.podName;
    const mark = statuses.length;
    await core.deleteNamespacedPod({ namespace: ns, name: oldPod, gracePeriodSeconds: 0 });
    const st = await nextStatus('reconnected', mark);
    expect(st).toMatchObject({ note: expect.stringContaining(`followed ${oldPod} → `) });
    expect(s.info.podName).not.toBe(oldPod);
    expect((await s.readFile('/etc/hostname')).toString().trim()).toBe(s.info.podName);
  });

  it('leaves no kmirror object behind after close()', async () => {
    await session!.close();
    session = undefined;
    await waitForNoKmirrorObjects(kc, ns, 30_000); // throws, naming what is left, if any remains
  });
});
