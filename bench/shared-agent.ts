// Shared agent benchmark on the project's test cluster (npm run cluster:up), in one run:
// (1) session join time (openClusterAgent of a second session on a target whose agent runs)
// against a first session's start (placing the agent), image present — goal: joining ≤ 0.5 s;
// (2) the full load: ten sessions with their own header filters on one port of a
// Deployment pod, a seeded mix of all ten headers plus unmatched requests from a client pod for
// 60 s at 1,000 req/s (KMIRROR_BENCH_SHARED_SECONDS / _RATE) — every request answered exactly
// once by the right session or by the pod, and the agent's peak RSS against its idle RSS.
import { resolve } from 'node:path';
import { openClusterAgent, type ClusterAgentSession } from '#runtime/placement/cluster-agent.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { misrouted, rssMb, runLoad, stealByHeader } from '#test/e2e/harness/shared-load.js';
import { APP_PORT, createClientPod, deployApp, hostPidOfContainer, readyPodName } from '#test/e2e/k8s/fixtures.js';

const JOINS = 5;
const SESSIONS = 10;
const SECONDS = Number(process.env.KMIRROR_BENCH_SHARED_SECONDS ?? 60);
const RATE = Number(process.env.KMIRROR_BENCH_SHARED_RATE ?? 1000);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number): string => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const guard = new ClusterGuard();
  try {
    const ns = await guard.namespace('kmb-shared');
    const core = guard.core;
    await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'bench');
    const client = await createClientPod(core, ns);
    await readyPodName(core, ns, 'web');
    const open = (): Promise<ClusterAgentSession> => openClusterAgent({ kubeconfig: KUBECONFIG_PATH, namespace: ns, target: 'deploy/web' });

    // (1) first session (places the agent) vs a joining one, interleaved.
    const firsts: number[] = [];
    const joins: number[] = [];
    for (let i = 0; i < JOINS; i++) {
      let t0 = Date.now();
      const first = await open();
      firsts.push(Date.now() - t0);
      t0 = Date.now();
      const joiner = await open();
      joins.push(Date.now() - t0);
      if (joiner.info.agentPod !== first.info.agentPod) throw new Error('the second session did not join the first one\'s agent');
      await joiner.close();
      await first.close();
    }
    console.log(`session start, image present: first (places the agent) median ${s(median(firsts))} s [${firsts.map(s).join(', ')}], `
      + `joining median ${s(median(joins))} s [${joins.map(s).join(', ')}] → ${(median(joins) / median(firsts)).toFixed(2)}× (goal: joining ≤ 0.5 s)`);

    // (2) ten filtered sessions under the full load.
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, open));
    try {
      const filtered = await Promise.all(sessions.map((x, i) => stealByHeader(x, i, APP_PORT)));
      const pid = await hostPidOfContainer(core, ns, sessions[0]?.info.agentPod ?? '', 'kmirror-agent');
      const idle = rssMb(pid);
      let peak = idle;
      const sampler = setInterval(() => { peak = Math.max(peak, rssMb(pid)); }, 500);
      const report = await runLoad(ns, client, { url: 'http://web/', total: SECONDS * RATE, rate: RATE, keys: SESSIONS, seed: 13, kubectl: resolve('test/cluster/kubectl.sh') })
        .finally(() => clearInterval(sampler));
      const total = Object.values(report.sent).reduce((a, b) => a + b, 0);
      const lost = filtered.reduce((n, f) => n + Math.abs((report.sent[`u${f.index}`] ?? 0) - f.received), 0);
      console.log(`${SESSIONS} sessions, ${total} requests in ${report.seconds.toFixed(1)} s (${(total / report.seconds).toFixed(0)} req/s offered ${RATE}): `
        + `misrouted ${misrouted(report)}, failed ${report.failed}, session count mismatches ${lost}, unmatched answered by the pod ${report.answeredBy.none?.pod ?? 0}/${report.sent.none ?? 0}; `
        + `latency p50 ${report.p50Ms.toFixed(1)} ms p99 ${report.p99Ms.toFixed(1)} ms; agent RSS idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB`);
      if (report.failures.length) console.log(`first failures: ${report.failures.join('; ')}`);
    } finally {
      await Promise.all(sessions.map((x) => x.close().catch(() => undefined)));
    }
  } finally {
    await guard.dispose();
  }
}

// Exit explicitly: the Kubernetes client leaves keep-alive sockets that would hold the process open
// after the report (the full `npm run bench` waited on it).
main().then(() => process.exit(0), (err: unknown) => { console.error(`bench shared-agent: ${(err as Error).stack ?? String(err)}`); process.exit(1); });
