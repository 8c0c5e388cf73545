// The agent and cluster settings of `.kmirror.json` on the project's cluster, each run by `kmirror
// exec` as a user runs it and checked on the cluster's objects: the target found by `target.path`
// and `target.namespace` (the kubeconfig's namespace is another), the agent placed in
// `agent.namespace` with `image_pull_policy`, logging at `log_level`, exiting `ttl` seconds after
// its client was killed, an ephemeral agent, a too-short `startup_timeout` stopping with a clear
// error, `kube_context` choosing a context of a kubeconfig whose current one is unreachable, and
// `copy_target.scale_down`. Nothing of any session is left.
// config-keys: target.path, target.namespace, kube_context, agent.namespace, agent.image_pull_policy
// config-keys: agent.log_level, agent.ttl, agent.ephemeral, agent.startup_timeout
// config-keys: feature.copy_target, feature.copy_target.scale_down
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig, type CoreV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { deployApp, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { startKmirrorExec, type ExecRun } from './k8s/kmirror-exec.js';

const MESSAGE = 'agent settings';
const AGENT_SELECTOR = 'app.kubernetes.io/name=kmirror-agent';
// Prints the pod's MESSAGE, connects to a closed port of the pod (a refused connect the agent logs
// at debug level), then stays until stopped.
const PROGRAM = [process.execPath, '-e', `console.log('env MESSAGE=' + process.env.MESSAGE);
require('net').connect(1, process.env.KMT_POD_IP).on('error', (e) => console.log('connect: ' + e.code));
setInterval(() => {}, 1 << 30);`];

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let agentNs: string;
let podIp: string;
let twoContexts: string;
const runs: ExecRun[] = [];

function exec(config: object, env: Record<string, string> = {}): ExecRun {
  const run = startKmirrorExec(config, PROGRAM, { KMT_POD_IP: podIp, ...env });
  runs.push(run);
  return run;
}

const target = (): object => ({ path: 'deploy/web', namespace: ns });

async function agentPods(namespace: string): Promise<Array<{ name: string; pullPolicy?: string; args: string[] }>> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: AGENT_SELECTOR });
  return pods.items.map((p) => ({ name: p.metadata?.name ?? '', pullPolicy: p.spec?.containers[0]?.imagePullPolicy, args: p.spec?.containers[0]?.args ?? [] }));
}

async function agentLog(namespace: string, name: string): Promise<string> {
  return core.readNamespacedPodLog({ namespace, name });
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-agentcfg'));
  agentNs = await guard.namespace('kmt-agentns');
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  const pod = await core.readNamespacedPod({ namespace: ns, name: await readyPodName(core, ns, 'web') });
  podIp = pod.status?.podIP ?? '';
  // A kubeconfig with two contexts whose current one points at a closed port.
  const admin = guard.kc;
  const cluster = admin.getCurrentCluster();
  const user = admin.getCurrentUser();
  if (!cluster || !user) throw new Error('the admin kubeconfig has no current cluster or user');
  const two = new KubeConfig();
  two.loadFromOptions({
    clusters: [{ ...cluster, name: 'kmt-cluster' }, { name: 'kmt-unreachable', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ ...user, name: 'kmt-user' }],
    contexts: [{ name: 'kmt-unreachable', cluster: 'kmt-unreachable', user: 'kmt-user' }, { name: 'kmt-cluster', cluster: 'kmt-cluster', user: 'kmt-user' }],
    currentContext: 'kmt-unreachable',
  });
  twoContexts = join(tmpdir(), `kmt-two-contexts-${process.pid}.kubeconfig`);
  writeFileSync(twoContexts, two.exportConfig(), { mode: 0o600 });
}, 300_000);

afterEach(async () => {
  for (const run of runs.splice(0)) {
    run.kill('SIGKILL');
    await run.exited();
    rmSync(run.dir, { recursive: true, force: true });
  }
  await waitForNoKmirrorObjects(kc, ns, 45_000);
  await waitForNoKmirrorObjects(kc, agentNs, 45_000);
});

afterAll(async () => {
  if (twoContexts) rmSync(twoContexts, { force: true });
  await guard?.dispose();
});

describe('agent settings', () => {
  it('agent.namespace, image_pull_policy and log_level: the agent runs there, with that policy, logging at debug', async () => {
    const run = exec({ target: target(), agent: { namespace: agentNs, image_pull_policy: 'Never', log_level: 'debug' } });
    await run.waitFor(new RegExp(`env MESSAGE=${MESSAGE}`), 120_000);
    await run.waitFor(/connect: ECONNREFUSED/);
    expect(await agentPods(ns)).toEqual([]);
    const [agent, ...more] = await agentPods(agentNs);
    expect(more).toEqual([]);
    expect(agent?.pullPolicy).toBe('Never');
    let log = '';
    await waitFor('the refused connect in the agent log', async () => {
      log = await agentLog(agentNs, agent?.name ?? '');
      return /"level":"debug","tag":"tcp","msg":"connect failed"/.test(log) ? true : undefined;
    }, 30_000).catch(() => undefined);
    expect(log).toMatch(/"level":"debug","tag":"tcp","msg":"connect failed"/);
    expect(log).toContain('"level":"info"');
    run.kill('SIGTERM');
    expect(await run.exited()).not.toBe(1);
  });

  it('log_level warn: no info or debug line; ttl: after kill -9 of the client the agent exits on its own', async () => {
    const run = exec({ target: target(), agent: { log_level: 'warn', ttl: 1 } });
    await run.waitFor(/connect: ECONNREFUSED/, 120_000);
    const [agent] = await agentPods(ns);
    expect(agent?.args.join(' ')).toContain('--idle-exit 1');
    expect(await agentLog(ns, agent?.name ?? '')).not.toMatch(/"level":"(info|debug)"/);
    run.kill('SIGKILL');
    await run.exited();
    const state = await waitFor('the agent container to end', async () => {
      const pod = await core.readNamespacedPod({ namespace: ns, name: agent?.name ?? '' });
      return pod.status?.containerStatuses?.[0]?.state?.terminated ?? undefined;
    }, 60_000);
    expect(state.exitCode).toBe(0);
  });

  it('agent.startup_timeout too short: a clear error naming the setting, the program never runs, nothing left', async () => {
    const run = exec({ target: target(), agent: { startup_timeout: 0.001 } });
    expect(await run.exited()).toBe(1);
    expect(run.output()).toMatch(/not done after 1 ms/);
    expect(run.output()).toContain('agent.startup_timeout');
    expect(run.output()).not.toContain('env MESSAGE=');
  });

  it('agent.ephemeral: the agent is a container added to the target pod', async () => {
    const run = exec({ target: target(), agent: { ephemeral: true } });
    await run.waitFor(new RegExp(`env MESSAGE=${MESSAGE}`), 120_000);
    const pod = await core.readNamespacedPod({ namespace: ns, name: await readyPodName(core, ns, 'web') });
    expect(pod.spec?.ephemeralContainers?.map((c) => c.name)).toEqual([expect.stringMatching(/kmirror/)]);
    expect(await agentPods(ns)).toEqual([]);
    run.kill('SIGTERM');
    await run.exited();
  });
});

describe('kube_context', () => {
  it('picks the named context of a kubeconfig whose current context is unreachable', async () => {
    const run = exec({ target: target(), kube_context: 'kmt-cluster' }, { KUBECONFIG: twoContexts });
    await run.waitFor(new RegExp(`env MESSAGE=${MESSAGE}`), 120_000);
    run.kill('SIGTERM');
    await run.exited();
  });

  it('without it the current (unreachable) context is used; an unknown name is an error listing the contexts', async () => {
    const current = exec({ target: target() }, { KUBECONFIG: twoContexts });
    expect(await current.exited()).toBe(1);
    expect(current.output()).toMatch(/127\.0\.0\.1:1\b|ECONNREFUSED/);
    const unknown = exec({ target: target(), kube_context: 'kmt-nope' }, { KUBECONFIG: twoContexts });
    expect(await unknown.exited()).toBe(1);
    expect(unknown.output()).toContain('context "kmt-nope" is not in the kubeconfig (contexts: kmt-unreachable, kmt-cluster)');
  });
});

describe('copy_target', () => {
  it('scale_down: the Deployment is at 0 while the program runs on the copy, and back at 1 after', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = async (): Promise<number> => (await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns })).spec?.replicas ?? 0;
    const run = exec({ target: target(), feature: { copy_target: { scale_down: true } } });
    await run.waitFor(new RegExp(`env MESSAGE=${MESSAGE}`), 120_000);
    expect(await replicas()).toBe(0);
    run.kill('SIGTERM');
    await run.exited();
    expect(await replicas()).toBe(1);
    await readyPodName(core, ns, 'web');
  });
});
