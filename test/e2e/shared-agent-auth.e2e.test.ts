// Joining a shared agent against real RBAC (docs/shared-agent.md): ServiceAccounts bound to the
// shipped ClusterRole place and join one agent and see each other by kubeconfig identity; an
// account without `create jobs` (which placing the agent needs) is refused with the verb named;
// an account without `get leases` cannot read the agent's record (nor its token) at all.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAllYaml, RbacAuthorizationV1Api, type CoreV1Api, type KubeConfig, type V1ClusterRole, type V1PolicyRule } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClusterAgent, type ClusterAgentSession } from '#runtime/placement/cluster-agent.js';
import { ClusterGuard, IMAGES, openGuardedNamespace } from './harness/cluster.js';
import { deployApp, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let rbac: RbacAuthorizationV1Api;
let ns: string;
let dir: string;
const prefix = `kmirror-join-e2e-${process.pid}`;
const roles: string[] = [];

/** The shipped role's rules with `drop` removed (a verb of a resource, or a whole resource). */
function rulesWithout(rules: V1PolicyRule[], resource: string, verb?: string): V1PolicyRule[] {
  return rules.flatMap((r) => {
    if (!(r.resources ?? []).includes(resource)) return [r];
    if (!verb) return (r.resources ?? []).length > 1 ? [{ ...r, resources: r.resources?.filter((x) => x !== resource) }] : [];
    return [{ ...r, verbs: r.verbs.filter((v) => v !== verb) }];
  });
}

async function account(name: string, rules: V1PolicyRule[]): Promise<string> {
  const role = `${prefix}-${name}`;
  await rbac.createClusterRole({ body: { metadata: { name: role }, rules } });
  roles.push(role);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
  await rbac.createNamespacedRoleBinding({ namespace: ns, body: {
    metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
  } });
  const tr = await core.createNamespacedServiceAccountToken({ namespace: ns, name, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  const cluster = kc.getCurrentCluster();
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': name,
    clusters: [{ name: 'c', cluster: { server: cluster?.server, ...(cluster?.caData ? { 'certificate-authority-data': cluster.caData } : { 'certificate-authority': cluster?.caFile }) } }],
    users: [{ name, user: { token: tr.status?.token } }],
    contexts: [{ name, context: { cluster: 'c', user: name, namespace: ns } }],
  }));
  return file;
}

let alice: string;
let bob: string;
let noJobs: string;
let noLeases: string;

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-join'));
  rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-join-'));
  const [shipped] = (loadAllYaml(readFileSync(resolve(import.meta.dirname, '../../deploy/rbac.yaml'), 'utf8')) as V1ClusterRole[]).filter((d) => d.kind === 'ClusterRole');
  const rules = shipped?.rules ?? [];
  alice = await account('alice', rules);
  bob = await account('bob', rules);
  noJobs = await account('nojobs', rulesWithout(rules, 'jobs', 'create'));
  noLeases = await account('noleases', rulesWithout(rules, 'leases'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'shared');
  await readyPodName(core, ns, 'web');
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await Promise.all(roles.map((name) => rbac?.deleteClusterRole({ name }).catch(() => undefined)));
  await guard?.dispose();
});

describe('joining a shared agent with real RBAC', () => {
  it('the shipped role places and joins; a joiner lacking a verb the placement needs, or leases, is refused', async () => {
    const open: ClusterAgentSession[] = [];
    try {
      const first = await openClusterAgent({ kubeconfig: alice, target: 'deploy/web' });
      open.push(first);
      const second = await openClusterAgent({ kubeconfig: bob, target: 'deploy/web' });
      open.push(second);
      expect(second.info.agentPod).toBe(first.info.agentPod);
      expect((await second.env()).MESSAGE).toBe('shared');
      const listed = await second.sessions?.();
      expect(listed?.map((s) => s.user).sort()).toEqual(['alice', 'bob']);

      await expect(openClusterAgent({ kubeconfig: noJobs, target: 'deploy/web' }))
        .rejects.toThrow(/joining the shared agent .* is refused: you may not create jobs\.batch/);
      await expect(openClusterAgent({ kubeconfig: noLeases, target: 'deploy/web' }))
        .rejects.toThrow(/reading the agent lease .*forbidden/i);
      expect((await first.sessions?.())?.length).toBe(2);
    } finally {
      await Promise.all(open.map((s) => s.close()));
    }
    await waitForNoKmirrorObjects(kc, ns, 30_000);
  }, 120_000);
});
