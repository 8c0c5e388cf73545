// Soak: many concurrent stolen keep-alive connections for a long time through `kmirror exec`
// (bench/lib/stolen-load-rig.ts): 1,000 connections through a local pid/N target and 200 through
// deploy/web on the project's cluster, each sending one GET per second. Agent and proxy (the
// `kmirror exec` process) RSS are sampled every 10 s. Goals: 0 failed requests, every request
// answered by the local program, RSS flat within ±10 % after warm-up: every sample from
// KMIRROR_SOAK_WARMUP_SECONDS (default 180 s, at most half the run) on, against their median.
// Warm-up is until the processes reach their steady state: ≈ 105 s in, V8's memory reducer runs a
// "Mark-Compact (reduce)" in proxy and agent and gives back the heap committed while every
// connection opened (proxy: 72.7 → 39.2 MB committed, `--trace-gc`), a one-time step of −14 to
// −21 % in their anonymous memory (see the README), so a window ending before it measures that
// step, not growth.
// Every sample (RSS split into glibc's main heap, other anonymous memory and files) goes as a JSON
// line to build/bench/soak-memory-<row>.jsonl; KMIRROR_SOAK_TRACE_GC=1 also runs the proxy with
// --trace-gc into build/bench/soak-proxy-gc-<row>.log.
// KMIRROR_SOAK_SECONDS (default 600) shortens the run; KMIRROR_SOAK_ROWS=local,cluster picks rows;
// KMIRROR_SOAK_LOCAL_CONNECTIONS / _CLUSTER_CONNECTIONS change the connection counts.
// The cluster row prints NOT MEASURED (with the reason) when the cluster is down.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { clusterPlace, localPlace, startLoad, startStealSession, type Place } from './lib/stolen-load-rig.js';
import { flatness, sampleMemory, type MemorySample } from './lib/memory-samples.js';
import { SETTLE_MS } from './common/process-stats.js';

const SECONDS = Number(process.env.KMIRROR_SOAK_SECONDS ?? 600);
const ROWS = (process.env.KMIRROR_SOAK_ROWS ?? 'local,cluster').split(',');
const CONNECTIONS = { local: Number(process.env.KMIRROR_SOAK_LOCAL_CONNECTIONS ?? 1000), cluster: Number(process.env.KMIRROR_SOAK_CLUSTER_CONNECTIONS ?? 200) };
const SAMPLE_MS = 10_000;
const WARMUP_S = Math.min(Number(process.env.KMIRROR_SOAK_WARMUP_SECONDS ?? 180), SECONDS / 2);
const TRACE_GC = process.env.KMIRROR_SOAK_TRACE_GC === '1';

async function row(place: Place): Promise<void> {
  const connections = CONNECTIONS[place.kind];
  const gcLog = `build/bench/soak-proxy-gc-${place.kind}.log`;
  const samplesFile = `build/bench/soak-memory-${place.kind}.jsonl`;
  writeFileSync(samplesFile, '');
  if (TRACE_GC) writeFileSync(gcLog, '');
  let t0 = Date.now();
  const session = await startStealSession(place, TRACE_GC ? {
    nodeArgs: ['--trace-gc'],
    onLine: (l) => { if (/^\[\d+:0x[0-9a-f]+\]/.test(l)) appendFileSync(gcLog, `${((Date.now() - t0) / 1000).toFixed(1)} ${l}\n`); },
  } : {});
  try {
    const agentPid = await place.agentPid(session.execPid);
    const load = startLoad(place, connections, SECONDS);
    t0 = Date.now();
    const samples = { agent: [] as MemorySample[], proxy: [] as MemorySample[] };
    const sample = (): void => {
      const s = Math.round((Date.now() - t0) / 1000);
      for (const [who, pid] of [['agent', agentPid], ['proxy', session.execPid]] as const) {
        const m = sampleMemory(pid, s);
        samples[who].push(m);
        appendFileSync(samplesFile, JSON.stringify({ who, ...m }) + '\n');
      }
    };
    sample();
    const sampler = setInterval(sample, SAMPLE_MS);
    const totals = await load.done.finally(() => clearInterval(sampler));
    sample();
    // Once the load is over the agent's memory release (full GC, then malloc_trim) runs: what it gives
    // back was free memory kept by the allocators, what stays is held.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settled = sampleMemory(agentPid, Math.round((Date.now() - t0) / 1000));
    const rate = totals.sent / SECONDS;
    console.log(`soak ${place.kind}: ${connections} stolen keep-alive connections × ${SECONDS} s, ${totals.sent} requests (${rate.toFixed(0)} req/s): `
      + `failed ${totals.failed}, answered by the local program ${totals.local}, by the target's own app ${totals.other}, connections opened ${totals.opened} (of ${connections}), `
      + `latency p50 ${Number(totals.p50Ms ?? NaN).toFixed(1)} ms p99 ${Number(totals.p99Ms ?? NaN).toFixed(1)} ms`);
    if (totals.failed) console.log(`  failures: ${JSON.stringify(totals.errors)}`);
    console.log(`  agent ${SETTLE_MS / 1000} s after the load (its memory release ran): RSS ${settled.rss.toFixed(1)} MB, glibc main heap ${settled.brk.toFixed(1)}, other anonymous ${settled.anon.toFixed(1)}`);
    for (const [who, xs] of Object.entries(samples)) {
      const f = flatness(xs, WARMUP_S);
      const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
      console.log(`  ${who} RSS every 10 s (MB): ${xs.map((x) => x.rss.toFixed(0)).join(' ')}`);
      console.log(`    after the ${WARMUP_S} s warm-up: ${f.atWarmupEnd.toFixed(1)} MB at its end, min ${f.min.toFixed(1)}, max ${f.max.toFixed(1)}, median ${f.median.toFixed(1)} MB: `
        + `${pct(f.low)} … ${pct(f.high)} of the median, last third vs first third ${pct(f.trend)} → ${f.flat ? 'flat (±10 %)' : 'NOT flat'}`);
      const first = xs[0]; const last = xs.at(-1);
      if (first && last) console.log(`    split first → last sample (MB): glibc main heap ${first.brk.toFixed(0)} → ${last.brk.toFixed(0)}, other anonymous ${first.anon.toFixed(0)} → ${last.anon.toFixed(0)}, files ${first.file.toFixed(0)} → ${last.file.toFixed(0)}`);
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
