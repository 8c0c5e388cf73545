// deploy/rbac.yaml and `kmirror doctor` against real RBAC: a ServiceAccount bound to the
// shipped ClusterRole (and nothing else) runs a full session — node agent, tunnel, steal — and
// doctor reports every needed verb as allowed and the node's features as working; the same
// account without the binding gets FAIL lines that name the missing verbs.
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAllYaml, RbacAuthorizationV1Api, type CoreV1Api, type KubeConfig, type V1ClusterRole } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterAgent } from '#runtime/placement/cluster-agent.js';
import { runDoctor, type DoctorCheck } from '#runtime/cluster/doctor.js';
import { ClusterGuard, IMAGES, openGuardedNamespace } from './harness/cluster.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let rbac: RbacAuthorizationV1Api;
let ns: string;
let client: string;
let dir: string;
const roleName = `kmirror-user-e2e-${process.pid}`;

/** A kubeconfig for ServiceAccount `sa` in `ns` (a short-lived token from the TokenRequest API). */
async function kubeconfigFor(sa: string): Promise<string> {
  const tr = await core.createNamespacedServiceAccountToken({ namespace: ns, name: sa, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const cluster = kc.getCurrentCluster();
  const file = join(dir, `${sa}.kubeconfig`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': sa,
    clusters: [{ name: 'c', cluster: { server: cluster?.server, ...(cluster?.caData ? { 'certificate-authority-data': cluster.caData } : { 'certificate-authority': cluster?.caFile }) } }],
    users: [{ name: sa, user: { token: tr.status?.token } }],
    contexts: [{ name: sa, context: { cluster: 'c', user: sa, namespace: ns } }],
  }));
  return file;
}

async function doctor(kubeconfig: string, target?: string): Promise<{ ok: boolean; checks: DoctorCheck[] }> {
  const checks: DoctorCheck[] = [];
  const ok = await runDoctor({ kubeconfig, ...(target ? { target } : {}), report: (c) => checks.push(c) });
  return { ok, checks };
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-rbac'));
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-rbac-'));
  const [role] = (loadAllYaml(readFileSync(resolve(import.meta.dirname, '../../deploy/rbac.yaml'), 'utf8')) as V1ClusterRole[]).filter((d) => d.kind === 'ClusterRole');
  await rbac.createClusterRole({ body: { ...role, metadata: { ...role?.metadata, name: roleName } } });
  for (const sa of ['granted', 'bare']) await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: {
    metadata: { name: 'kmirror-granted' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name: 'granted', namespace: ns }],
  } });
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'least privilege');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
});

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await rbac?.deleteClusterRole({ name: roleName }).catch(() => undefined);
  await guard?.dispose();
});

describe('least privilege', () => {
  it('the shipped ClusterRole is enough for a full session (node agent, tunnel, steal)', async () => {
    const session = await openClusterAgent({ kubeconfig: await kubeconfigFor('granted'), target: 'deploy/web' });
    try {
      expect((await session.env()).MESSAGE).toBe('least privilege');
      const sub = await session.subscribe({ port: 8080, mode: 'steal' }, (conn) => conn.once('data', () => conn.end('HTTP/1.1 200 OK\r\ncontent-length: 4\r\nconnection: close\r\n\r\nrbac')));
      expect(await requestFromCluster(ns, client, 'http://web/')).toBe('rbac');
      await sub.close();
    } finally {
      await session.close();
    }
    await waitForNoKmirrorObjects(kc, ns, 30_000);
  });

  it('doctor: everything allowed and the node features work with the role', async () => {
    const { ok, checks } = await doctor(await kubeconfigFor('granted'), 'deploy/web');
    expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(ok).toBe(true);
    const text = checks.map((c) => `${c.status} ${c.text}`).join('\n');
    expect(text).toContain('ok create pods/portforward in');
    expect(text).toContain('ok create jobs.batch in');
    expect(text).toContain('ok create secrets in');
    expect(text).toContain('ok patch secrets in');
    expect(text).toMatch(/ok node-job agent .* ready in [\d.]+ s/);
    expect(text).toMatch(/ok incoming steal \(BPF\): works/);
    expect(text).toMatch(/ok incoming mirror \(BPF\): works/);
    expect(text).toMatch(/ok DNS: kubernetes.default → /);
    await waitForNoKmirrorObjects(kc, ns, 30_000);
  });

  it('doctor: without the role it fails and names the missing verbs', async () => {
    const { ok, checks } = await doctor(await kubeconfigFor('bare'));
    expect(ok).toBe(false);
    const failed = checks.filter((c) => c.status === 'fail').map((c) => c.text);
    expect(failed).toEqual(expect.arrayContaining([
      expect.stringMatching(/^create pods\/portforward in .*: denied/),
      expect.stringMatching(/^create jobs\.batch in .*: denied/),
      expect.stringMatching(/^create secrets in .*: denied/),
    ]));
  });
});
