// Soak: many concurrent stolen keep-alive connections for a long time through `kmirror exec`
// (bench/lib/stolen-load-rig.ts): 1,000 connections through a local pid/N target and 200 through
// deploy/web on the project's cluster, each sending one GET per second. Agent and proxy (the
// `kmirror exec` process) RSS are sampled every 10 s. Goals: 0 failed requests, every request
// answered by the local program, RSS flat within ±10 % after warm-up (the first quarter of the
// run, at most 60 s), measured against the first sample after warm-up.
// KMIRROR_SOAK_SECONDS (default 600) shortens the run; KMIRROR_SOAK_ROWS=local,cluster picks rows;
// KMIRROR_SOAK_LOCAL_CONNECTIONS / _CLUSTER_CONNECTIONS change the connection counts.
// The cluster row prints NOT MEASURED (with the reason) when the cluster is down.
import { existsSync } from 'node:fs';
import { KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { clusterPlace, localPlace, rssMb, startLoad, startStealSession, type Place } from './lib/stolen-load-rig.js';

const SECONDS = Number(process.env.KMIRROR_SOAK_SECONDS ?? 600);
const ROWS = (process.env.KMIRROR_SOAK_ROWS ?? 'local,cluster').split(',');
const CONNECTIONS = { local: Number(process.env.KMIRROR_SOAK_LOCAL_CONNECTIONS ?? 1000), cluster: Number(process.env.KMIRROR_SOAK_CLUSTER_CONNECTIONS ?? 200) };
const SAMPLE_MS = 10_000;
const WARMUP_S = Math.min(60, SECONDS / 4);

/** Deviation of the samples after warm-up from the first of them, in %: [min, max]. */
function flatness(samples: Array<{ s: number; mb: number }>): { base: number; low: number; high: number; flat: boolean } {
  const after = samples.filter((x) => x.s >= WARMUP_S && Number.isFinite(x.mb));
  const base = after[0]?.mb ?? NaN;
  const dev = after.map((x) => ((x.mb - base) / base) * 100);
  const [low, high] = [Math.min(...dev), Math.max(...dev)];
  return { base, low, high, flat: low >= -10 && high <= 10 };
}

async function row(place: Place): Promise<void> {
  const connections = CONNECTIONS[place.kind];
  const session = await startStealSession(place);
  try {
    const agentPid = await place.agentPid(session.execPid);
    const load = startLoad(place, connections, SECONDS);
    const t0 = Date.now();
    const samples = { agent: [] as Array<{ s: number; mb: number }>, proxy: [] as Array<{ s: number; mb: number }> };
    const sample = (): void => {
      const s = Math.round((Date.now() - t0) / 1000);
      samples.agent.push({ s, mb: rssMb(agentPid) });
      samples.proxy.push({ s, mb: rssMb(session.execPid) });
    };
    const sampler = setInterval(sample, SAMPLE_MS);
    const totals = await load.done.finally(() => clearInterval(sampler));
    sample();
    const rate = totals.sent / SECONDS;
    console.log(`soak ${place.kind}: ${connections} stolen keep-alive connections × ${SECONDS} s, ${totals.sent} requests (${rate.toFixed(0)} req/s): `
      + `failed ${totals.failed}, answered by the local program ${totals.local}, by the target's own app ${totals.other}, connections opened ${totals.opened} (of ${connections}), `
      + `latency p50 ${Number(totals.p50Ms ?? NaN).toFixed(1)} ms p99 ${Number(totals.p99Ms ?? NaN).toFixed(1)} ms`);
    if (totals.failed) console.log(`  failures: ${JSON.stringify(totals.errors)}`);
    for (const [who, xs] of Object.entries(samples)) {
      const f = flatness(xs);
      console.log(`  ${who} RSS every 10 s (MB): ${xs.map((x) => x.mb.toFixed(0)).join(' ')}; after ${WARMUP_S} s warm-up ${f.low.toFixed(1)} % … +${f.high.toFixed(1)} % of ${f.base.toFixed(0)} MB → ${f.flat ? 'flat (±10 %)' : 'NOT flat'}`);
    }
  } finally {
    await session.stop();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the soak needs root (namespaces, BPF, the cluster)');
  console.log(`soak: ${SECONDS} s per row${SECONDS < 600 ? ' (shortened by KMIRROR_SOAK_SECONDS; the full run is 600 s)' : ''}`);
  if (ROWS.includes('local')) {
    const place = await localPlace();
    try { await row(place); } finally { await place.close(); }
  }
  if (ROWS.includes('cluster')) {
    if (!existsSync(KUBECONFIG_PATH)) {
      console.log(`soak cluster: NOT MEASURED — the project's cluster is down (no ${KUBECONFIG_PATH}; npm run cluster:up)`);
      return;
    }
    const place = await clusterPlace().catch((err: unknown) => { console.log(`soak cluster: NOT MEASURED — the cluster did not take the workload: ${(err as Error).message}`); });
    if (!place) return;
    try { await row(place); } finally { await place.close(); }
  }
}

await main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
process.exit();
