// kill -9 of a client in the middle of agent placement, at each step that used to leave an object
// without an owner: the token Secret created but not its Job (`secret`), the agent Job created but
// not yet the Secret's owner (`job`), copy_target's copy created but not yet adopted by an agent
// (`copy`), and an ephemeral agent's token Secret created but not its container (`secret`, whose
// owner used to be the target pod, which outlives the session). The test-only hook KMIRROR_TEST_PAUSE_AFTER (adapter/runtime/cluster/test-pause.ts)
// stops `kmirror exec` right there; at that moment every Secret must have an owner, and after the
// kill nothing of any of these sessions may be left (the placement anchor's deadline, the agent's
// idle exit and the Jobs' TTLs end the roots; the garbage collector follows the owner references).
import { type CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MANAGED_SELECTOR } from '#runtime/cluster/agent-pod-spec.js';
import { TEST_PAUSE_ENV, testPauseLine, type TestPausePoint } from '#runtime/cluster/test-pause.js';
import { ClusterGuard, IMAGES, openGuardedNamespace } from './harness/cluster.js';
import { deployApp, kmirrorObjects, readyPodName, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { startKmirrorExec, type ExecRun } from './k8s/kmirror-exec.js';

// Each case: a step to stop after, and the session's settings.
const CASES: ReadonlyArray<{ point: TestPausePoint; config: { agent?: object; feature?: object } }> = [
  { point: 'secret', config: {} },
  { point: 'job', config: {} },
  { point: 'copy', config: { feature: { copy_target: true } } },
  { point: 'secret', config: { agent: { ephemeral: true } } },
];
let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
const runs: ExecRun[] = [];

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-killplace'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'answered by the pod');
  await readyPodName(core, ns, 'web');
}, 120_000);

afterEach(() => {
  for (const run of runs.splice(0)) run.kill('SIGKILL');
});

afterAll(async () => {
  await guard?.dispose();
});

describe('kill -9 of the client during placement', () => {
  it('leaves no object without an owner at any step, and nothing at all once the owners end', async () => {
    // startup_timeout bounds the anchors of the copy (its start and its agent's) and of the ephemeral agent.
    const started = CASES.map(({ point, config }) => startKmirrorExec({
      target: { path: 'deploy/web', namespace: ns }, ...config, agent: { startup_timeout: 5, ...config.agent },
    }, ['sleep', '300'], { [TEST_PAUSE_ENV]: point }));
    runs.push(...started);
    await Promise.all(started.map((run, i) => run.waitFor(new RegExp(escapeRegExp(testPauseLine(CASES[i]?.point ?? 'secret'))), 90_000)));

    // Paused at the dangerous moments: the objects exist, and every Secret has an owner that ends by itself.
    const objects = await kmirrorObjects(kc, ns);
    expect(objects.filter((o) => o.startsWith('secret/kmirror-agent-'))).toHaveLength(3);
    expect(objects.filter((o) => o.startsWith('job/kmirror-agent-'))).toHaveLength(1);
    expect(objects.filter((o) => /^job\/web-.*-kmcopy-/.test(o))).toHaveLength(1);
    expect(objects.filter((o) => o.startsWith('job/kmirror-anchor-'))).toHaveLength(4);
    const secrets = (await core.listNamespacedSecret({ namespace: ns, labelSelector: MANAGED_SELECTOR })).items;
    expect(secrets).toHaveLength(4);
    for (const s of secrets) {
      expect({ secret: s.metadata?.name, owners: s.metadata?.ownerReferences ?? [] }).toMatchObject({ owners: [expect.objectContaining({ kind: 'Job' })] });
    }

    for (const run of started) run.kill('SIGKILL');
    await Promise.all(started.map((run) => run.exited()));
    const tookMs = await waitForNoKmirrorObjects(kc, ns, 120_000);
    console.log(`kill -9 during placement (${CASES.map((c) => c.point).join(', ')}): nothing left after ${tookMs} ms`);
  }, 240_000);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
