// Chaos under load: a program under `kmirror exec` steals the target's port 8080 while
// KMIRROR_CHAOS_CONNECTIONS (default 100) keep-alive connections each send one GET per second
// (bench/lib/stolen-load-rig.ts). After a 5 s steady phase one fault is injected; for each it
// counts the requests lost (failed: error, reset, 5 s timeout) and answered by the target's own
// app, and the time to recover: from the fault until the local program answers again with no
// failure or foreign answer after that (100 ms resolution), within an observation window. A
// keep-alive connection a client opened to the target's app during a gap stays there (the steal
// takes new connections), so such runs show as not recovered, with the count of those answers.
// Faults, each on a fresh session: kill -9 the agent, restart the debuggee (its process is killed
// and started again by its shell loop), and on the project's cluster also cut the connections
// to the API server (the port-forward with them) and delete the target pod (the Deployment makes
// a new one). The cluster rows print NOT MEASURED (with the reason) when the cluster is down.
// KMIRROR_CHAOS_ROWS=local,cluster picks the rows.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { clusterPlace, localPlace, startLoad, startStealSession, type Bucket, type Place, type StealSession } from './lib/stolen-load-rig.js';

const CONNECTIONS = Number(process.env.KMIRROR_CHAOS_CONNECTIONS ?? 100);
const ROWS = (process.env.KMIRROR_CHAOS_ROWS ?? 'local,cluster').split(',');
const STEADY_MS = 5_000;
const STABLE_MS = 5_000; // recovered means: this long with only local answers
const OBSERVE_MS = { local: 45_000, cluster: 90_000 };

interface Fault { name: string; inject(place: Place, session: StealSession): Promise<void> }

const killAgent: Fault = { name: 'kill -9 the agent', inject: async (place, session) => { process.kill(await place.agentPid(session.execPid), 'SIGKILL'); } };
const restartDebuggee: Fault = { name: 'restart the debuggee', inject: async (_place, session) => session.restartProgram() };

/** Pids of `root` and its descendants. */
function tree(root: number): Set<number> {
  const pids = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e) || pids.has(Number(e))) continue;
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        if (pids.has(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))) { pids.add(Number(e)); grew = true; }
      } catch { /* exited */ }
    }
  }
  return pids;
}

/** Kills (ss -K) every TCP connection of the kmirror exec process tree to the API server (:16443). */
function cutApiServerConnections(execPid: number): number {
  const pids = tree(execPid);
  const lines = execFileSync('ss', ['-tnpH', 'state', 'established', 'dport', '=', ':16443']).toString().split('\n');
  const ports = lines.flatMap((l) => {
    const m = /\S+:(\d+)\s+\S+:16443\s+users:.*pid=(\d+),/.exec(l);
    return m && pids.has(Number(m[2])) ? [m[1] as string] : [];
  });
  for (const p of ports) execFileSync('ss', ['-K', 'state', 'established', 'sport', '=', `:${p}`, 'dport', '=', ':16443'], { stdio: 'ignore' });
  return ports.length;
}

/** Lost requests, foreign answers and time to recover after `faultAt`. */
function analyze(buckets: Bucket[], faultAt: number): { lost: number; foreign: number; firstForeignMs: number | undefined; recoveredMs: number | undefined; lastMs: number; errors: Record<string, number>; lastFailureMs: number | undefined } {
  const after = buckets.filter((b) => b.at > faultAt);
  const lost = after.reduce((n, b) => n + b.failed, 0);
  const foreign = after.reduce((n, b) => n + b.other, 0);
  let lastBad = -1;
  after.forEach((b, i) => { if (b.failed || b.other) lastBad = i; });
  const back = after.slice(lastBad + 1).find((b) => b.local > 0);
  const lastMs = (after.at(-1)?.at ?? faultAt) - faultAt;
  const stable = back && (after.at(-1)?.at ?? 0) - back.at >= STABLE_MS;
  // No failure and no foreign answer at all: nothing visible to recover from.
  const recoveredMs = !stable ? undefined : lastBad < 0 ? 0 : back.at - faultAt;
  const firstForeign = after.find((b) => b.other > 0);
  // How the lost requests ended, and when the last one did: a reset comes at once, a hang at the 5 s timeout.
  const errors: Record<string, number> = {};
  for (const b of after) for (const [why, n] of Object.entries(b.errors ?? {})) errors[why] = (errors[why] ?? 0) + n;
  const lastFailure = [...after].reverse().find((b) => b.failed > 0);
  return { lost, foreign, firstForeignMs: firstForeign && firstForeign.at - faultAt, recoveredMs, lastMs, errors, lastFailureMs: lastFailure && lastFailure.at - faultAt };
}

async function run(place: Place, fault: Fault): Promise<void> {
  const session = await startStealSession(place);
  const observe = OBSERVE_MS[place.kind];
  const load = startLoad(place, CONNECTIONS, (STEADY_MS + observe) / 1000 + 2);
  load.done.catch(() => undefined); // stopped early: the buckets are what counts
  try {
    await new Promise((r) => setTimeout(r, STEADY_MS));
    const steadyBad = load.buckets.reduce((n, b) => n + b.failed + b.other, 0);
    const faultAt = Date.now();
    await fault.inject(place, session);
    const end = faultAt + observe;
    while (Date.now() < end && analyze(load.buckets, faultAt).recoveredMs === undefined) await new Promise((r) => setTimeout(r, 500));
    load.stop();
    const a = analyze(load.buckets, faultAt);
    const sent = load.buckets.filter((b) => b.at > faultAt).reduce((n, b) => n + b.local + b.other + b.failed, 0);
    const recovered = a.recoveredMs === undefined ? `NOT recovered within ${(a.lastMs / 1000).toFixed(0)} s` : `recovered after ${a.recoveredMs} ms`;
    const givenBack = a.firstForeignMs === undefined ? '' : ` (first after ${a.firstForeignMs} ms)`;
    console.log(`chaos ${place.kind.padEnd(7)} ${fault.name.padEnd(38)} | lost ${String(a.lost).padStart(5)} of ${sent} | answered by the target's app ${String(a.foreign).padStart(5)}${givenBack} | ${recovered}${steadyBad ? ` (${steadyBad} bad before the fault)` : ''}`);
    if (a.lost) console.log(`  lost requests ended with ${JSON.stringify(a.errors)}, the last ${a.lastFailureMs} ms after the fault`);
    if (a.recoveredMs === undefined) console.log(`  kmirror exec said: ${session.output().trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    load.stop();
    await session.stop();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('chaos needs root (namespaces, BPF, the cluster)');
  console.log(`chaos: ${CONNECTIONS} keep-alive connections × 1 req/s, fault after ${STEADY_MS / 1000} s, recovered = ${STABLE_MS / 1000} s of local answers only`);
  if (ROWS.includes('local')) {
    const local = await localPlace();
    try {
      for (const f of [killAgent, restartDebuggee]) await run(local, f).catch((err: unknown) => console.log(`chaos local   ${f.name}: FAILED TO RUN — ${(err as Error).message.split('\n')[0]}`));
    } finally {
      await local.close();
    }
  }
  if (!ROWS.includes('cluster')) return;
  const clusterFaults: Fault[] = [killAgent, { name: 'cut the port-forward (API connections)', inject: async (_p, s) => { if (!cutApiServerConnections(s.execPid)) throw new Error('no API server connection to cut'); } }];
  if (!existsSync(KUBECONFIG_PATH)) {
    console.log(`chaos cluster: NOT MEASURED — the project's cluster is down (no ${KUBECONFIG_PATH}; npm run cluster:up)`);
    return;
  }
  const cluster = await clusterPlace().catch((err: unknown) => { console.log(`chaos cluster: NOT MEASURED — ${(err as Error).message}`); });
  if (!cluster) return;
  clusterFaults.push({ name: 'delete the target pod', inject: async () => { await cluster.guard.core.deleteNamespacedPod({ namespace: cluster.namespace, name: await cluster.podName(), gracePeriodSeconds: 0 }); } }, restartDebuggee);
  try {
    for (const f of clusterFaults) await run(cluster, f).catch((err: unknown) => console.log(`chaos cluster ${f.name}: FAILED TO RUN — ${(err as Error).message.split('\n')[0]}`));
  } finally {
    await cluster.close();
  }
}

await main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
process.exit();
