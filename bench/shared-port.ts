// Shared-port routing benchmark (root), one run, against a baseline measured in the same run:
// added latency of a stolen HTTP request when 1, 10 and 50 sessions filter one port of a shared
// agent (each its own tunnel connection with its own header filter; the request matches the
// last-subscribed filter, so every filter is tried first) vs the same request answered directly
// by the target's own server. Goal: 50 filters add ≤ 100 µs (p50) to the 1-filter figure.
// Also: the time a session takes to join the running local agent of a target vs the first
// session's start (which starts the agent). Goal: joining ≤ 0.5 s.
import http from 'node:http';
import { cleanupAll, createNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { openSharedLocalAgent, waitPidGone } from '#runtime/placement/local-shared-agent.js';
import { startPodServer } from '../agent/test/helpers/pod.js';
import { answerWorkstation } from './lib/workstation-http.js';

const DIRECT_PORT = 8080;
const FIRST_STOLEN_PORT = 8081;
const N = Number(process.env.KMIRROR_BENCH_REQUESTS ?? 2000);
const FILTER_COUNTS = [1, 10, 50];

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Target { url: string; headers: Record<string, string>; expect?: string }

/** Sequential keep-alive GETs, in alternating blocks over all targets so machine noise hits each alike; sorted µs per target. */
async function latencies(targets: Target[], n: number): Promise<number[][]> {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const once = (k: number): Promise<string> => new Promise((resolve, reject) => {
    const t = targets[k]!;
    http.get(t.url, { agent: agents[k], headers: t.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  for (let i = 0; i < 200; i++) for (let k = 0; k < targets.length; k++) await once(k); // warm-up
  for (let k = 0; k < targets.length; k++) {
    const want = targets[k]!.expect;
    if (want && (await once(k)) !== want) throw new Error(`${targets[k]!.url}: not answered by its session`);
  }
  const times: number[][] = targets.map(() => []);
  for (let block = 0; block < n / 50; block++) {
    for (let k = 0; k < targets.length; k++) {
      for (let i = 0; i < 50; i++) {
        const t0 = process.hrtime.bigint();
        await once(k);
        times[k]!.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  for (const x of agents) x.destroy();
  return times.map((t) => t.sort((x, y) => x - y));
}

/** First session (starts the shared agent) vs a joining one, median of 5 rounds each, in ms. */
async function joinTimes(netns: string): Promise<void> {
  const firsts: number[] = [];
  const joins: number[] = [];
  for (let round = 0; round < 5; round++) {
    let t0 = performance.now();
    const first = await openSharedLocalAgent({ target: { kind: 'netns', name: netns } });
    firsts.push(performance.now() - t0);
    t0 = performance.now();
    const second = await openSharedLocalAgent({ target: { kind: 'netns', name: netns } });
    joins.push(performance.now() - t0);
    if (!second.joined || second.pid !== first.pid) throw new Error('the second session did not join the first one\'s agent');
    await second.session.close();
    await first.session.close();
    await waitPidGone(first.pid, 5_000);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[2]!;
  console.log(`  local session start: first (starts the agent) ${median(firsts).toFixed(0)} ms, joining ${median(joins).toFixed(0)} ms `
    + `(${(median(joins) / median(firsts)).toFixed(2)}x; goal ≤ 500 ms: ${median(joins) <= 500 ? 'met' : 'NOT met'})`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the shared-port benchmark needs root (namespaces, BPF)');
  const ns = createNetns();
  const agent = await startLocalAgent({ target: `netns/${ns.name}` });
  try {
    await startPodServer(ns, DIRECT_PORT);
    // One port per filter count, all measured in the same interleaved blocks as the direct baseline.
    const sessions: AgentSession[] = [];
    const targets: Target[] = [{ url: `http://${ns.podIp}:${DIRECT_PORT}/x`, headers: {} }];
    for (const [index, filters] of FILTER_COUNTS.entries()) {
      const port = FIRST_STOLEN_PORT + index;
      await startPodServer(ns, port);
      for (let i = 0; i < filters; i++) {
        const s = await connectAgent({ url: agent.url, token: agent.token, clientName: `bench session ${i}` });
        sessions.push(s);
        await s.subscribe({ port, mode: 'steal', httpFilter: { headerFilter: `^x-user: u${i}$` } }, answerWorkstation);
      }
      targets.push({ url: `http://${ns.podIp}:${port}/x`, headers: { 'x-user': `u${filters - 1}` }, expect: 'workstation' });
    }
    const [direct, ...stolen] = await latencies(targets, N);
    for (const x of sessions) await x.close();
    const us = (x: number): string => `${x.toFixed(0)} µs`;
    const p50 = (xs: number[]): number => pct(xs, 50);
    console.log(`shared port: ${N} keep-alive requests per figure, interleaved; the request matches the last of F filters (F sessions, one agent)`);
    console.log(`  direct (the target's own server): p50 ${us(p50(direct!))} p99 ${us(pct(direct!, 99))}`);
    FILTER_COUNTS.forEach((filters, k) => {
      const st = stolen[k]!;
      console.log(`  F=${String(filters).padStart(2)}: stolen p50 ${us(p50(st))} p99 ${us(pct(st, 99))} | added p50 ${us(p50(st) - p50(direct!))} p99 ${us(pct(st, 99) - pct(direct!, 99))} | ratio p50 ${(p50(st) / p50(direct!)).toFixed(2)}x`);
    });
    const extra = p50(stolen[FILTER_COUNTS.indexOf(50)]!) - p50(stolen[FILTER_COUNTS.indexOf(1)]!);
    console.log(`  50 filters vs 1 filter: ${extra >= 0 ? '+' : ''}${us(extra)} p50 (goal ≤ 100 µs): ${extra <= 100 ? 'met' : 'NOT met'}`);
    await joinTimes(ns.name);
  } finally {
    await agent.stop();
    cleanupAll();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
