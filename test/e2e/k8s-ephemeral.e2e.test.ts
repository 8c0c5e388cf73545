// Ephemeral agent placement in a namespace that enforces Pod Security `baseline`: the
// node agent is refused with a clear message; the ephemeral agent starts without capabilities and
// still serves outgoing traffic, DNS and env, while steal says clearly that it needs capabilities.
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterAgent, type ClusterAgentSession } from '#runtime/placement/cluster-agent.js';
import { runDoctor, type DoctorCheck } from '#runtime/cluster/doctor.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { APP_PORT, deployApp, kmirrorObjects, readyPodName } from './k8s/fixtures.js';

const MESSAGE = 'pod under baseline';
let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let session: ClusterAgentSession | undefined;
const logLines: string[] = [];

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-baseline'));
  await core.patchNamespace({ name: ns, body: [{ op: 'add', path: '/metadata/labels/pod-security.kubernetes.io~1enforce', value: 'baseline' }] });
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  await deployApp(kc, ns, 'other', IMAGES.goHttp, 'other under baseline');
  await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'other');
});

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await guard?.dispose();
});

describe('Pod Security baseline namespace', () => {
  it('refuses the node agent with a message that points to ephemeral mode, and leaves nothing', async () => {
    const err = await openClusterAgent({ kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'deploy/web' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'FORBIDDEN', statusCode: 403 });
    expect((err as Error).message).toMatch(/PodSecurity "baseline/);
    expect((err as Error).message).toMatch(/ephemeral/);
    expect(await kmirrorObjects(kc, ns)).toEqual([]);
  });

  it('doctor says the node agent is refused here and checks the ephemeral agent instead', async () => {
    const checks: DoctorCheck[] = [];
    const ok = await runDoctor({ kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'deploy/web', report: (c) => checks.push(c) });
    const text = checks.map((c) => `${c.status} ${c.text}`).join('\n');
    expect(text).toContain(`warn Pod Security level of ${ns}: baseline — the node agent (hostPID, capabilities) is refused here; use agent.ephemeral`);
    expect(text).toMatch(/ok ephemeral agent .* ready in [\d.]+ s/);
    expect(text).toMatch(/ok env: \d+ variables/);
    expect(text).toContain('warn incoming steal/mirror: not available');
    expect(ok).toBe(true);
  });

  it('runs an ephemeral agent without capabilities that serves env, DNS and outgoing traffic', async () => {
    session = await openClusterAgent({
      kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'deploy/web', agent: { mode: 'ephemeral' },
      log: (level, message) => logLines.push(`${level} ${message}`),
    });
    expect(session.info).toMatchObject({ placement: 'ephemeral', podName: await readyPodName(core, ns, 'web') });
    expect(logLines.some((l) => /^warn Pod Security in namespace .* refuses the agent's capabilities/.test(l))).toBe(true);
    const pod = await core.readNamespacedPod({ namespace: ns, name: session.info.podName });
    const agent = pod.spec?.ephemeralContainers?.find((c) => c.name === session?.info.agentContainer);
    expect(agent).toMatchObject({ targetContainerName: 'app' });
    expect(agent?.securityContext?.capabilities).toBeUndefined();
    // The token came from a Secret, which is gone once the agent runs (its env is resolved at start).
    expect(JSON.stringify(pod)).not.toContain(session.token);
    expect(agent?.env?.find((e) => e.name === 'KMIRROR_AGENT_TOKEN')?.valueFrom?.secretKeyRef).toMatchObject({ key: 'token' });
    expect(await kmirrorObjects(kc, ns)).toEqual([]);

    expect((await session.env()).MESSAGE).toBe(MESSAGE);
    const svc = await core.readNamespacedService({ namespace: ns, name: 'other' });
    const [ip] = await session.resolve('other');
    expect(ip).toBe(svc.spec?.clusterIP);
    const sock = await session.connectTcp(ip ?? '', 80, { timeoutMs: 5000 });
    sock.end('GET /from-ephemeral HTTP/1.0\r\nHost: other\r\n\r\n');
    let reply = '';
    for await (const chunk of sock) reply += (chunk as Buffer).toString();
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({ app: 'go-http', url: '/from-ephemeral' });
  });

  it('reports clearly that steal needs capabilities', async () => {
    const s = session!;   // set by the previous test
    const err = await s.subscribe({ port: APP_PORT, mode: 'steal' }, () => undefined).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect((err as Error).message).toMatch(/steal of port 8080 needs the agent capabilities BPF, NET_ADMIN and SYS_ADMIN/);
  });

  it('the ephemeral agent exits after its client closes (the container record stays, as Kubernetes keeps it)', async () => {
    const s = session!;
    const { podName, agentContainer } = s.info;
    await s.close();
    session = undefined;
    const deadline = Date.now() + 30_000;
    let state: string | undefined;
    while (Date.now() < deadline) {
      const pod = await core.readNamespacedPod({ namespace: ns, name: podName });
      const st = pod.status?.ephemeralContainerStatuses?.find((c) => c.name === agentContainer)?.state;
      state = st?.terminated ? 'terminated' : st?.running ? 'running' : 'other';
      if (state === 'terminated') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(state).toBe('terminated');
  });
});
