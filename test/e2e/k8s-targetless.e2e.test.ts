// `targetless` against the test cluster: a plain agent pod (no hostPID, no capabilities) serves
// outgoing traffic and DNS from the namespace; its env carries no kmirror secret; incoming
// traffic is refused clearly; nothing remains after close().
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterAgent } from '#runtime/placement/cluster-agent.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { deployApp, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-targetless'));
  await deployApp(kc, ns, 'other', IMAGES.goHttp, 'reached targetless');
  await readyPodName(core, ns, 'other');
});

afterAll(async () => {
  await guard?.dispose();
});

describe('targetless', () => {
  it('reaches a Service by DNS name from a plain agent pod, hides its token, refuses steal, cleans up', async () => {
    const session = await openClusterAgent({ kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'targetless' });
    try {
      const agentPod = await core.readNamespacedPod({ namespace: ns, name: session.info.agentPod });
      expect(agentPod.spec?.hostPID ?? false).toBe(false);
      expect(agentPod.spec?.containers[0]?.securityContext?.capabilities).toBeUndefined();
      const [ip] = await session.resolve(`other.${ns}.svc.cluster.local`);
      const sock = await session.connectTcp(ip ?? '', 80, { timeoutMs: 5000 });
      sock.end('GET /targetless HTTP/1.0\r\nHost: other\r\n\r\n');
      let reply = '';
      for await (const chunk of sock) reply += (chunk as Buffer).toString();
      expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({ app: 'go-http', message: 'reached targetless' });
      expect(Object.keys(await session.env()).filter((k) => k.startsWith('KMIRROR_'))).toEqual([]);
      await expect(session.subscribe({ port: 8080, mode: 'steal' }, () => undefined)).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    } finally {
      await session.close();
    }
    await waitForNoKmirrorObjects(kc, ns, 30_000);
  });
});
