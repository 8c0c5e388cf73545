// Trace gadget overhead (root), one run, ratios against baselines measured in the same run:
//   * an HTTP server inside a local target (a network namespace; each request opens a file, and
//     every request is a new connection: accept + close + open events in the target) — request
//     latency p50/p99 (sequential) and throughput (16 concurrent clients) with no gadget attached,
//     then with all four (tcp, dns, exec, open) attached and their events received by the client;
//   * the same server outside the target (this machine's namespace): the same figures, where
//     the gadgets cost only the hook (events are dropped in the kernel by the netns check);
//   * events per second received while the throughput load runs, and the kernel drops/suppressed.
// Goal (issue 16): p50 +≤ 3 % on the traced target; overhead ≈ 0 outside it.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { cleanupAll, createNetns, type TestNetns } from '#test/harness/netns.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { startTrace, TRACE_GADGETS, type TraceSession } from '#runtime/trace/trace-client.js';

const SEQUENTIAL_N = Number(process.env.KMIRROR_BENCH_REQUESTS ?? 2000);
const LOAD_SECONDS = Number(process.env.KMIRROR_BENCH_LOAD_S ?? 5);
const CONCURRENCY = 16;

// The server: answers every request after opening (and closing) a file, like an app reading its config.
const SERVER = `const http = require('http'); const fs = require('fs');
const s = http.createServer((req, res) => { fs.closeSync(fs.openSync('/etc/hostname', 'r')); res.end('ok'); });
s.keepAliveTimeout = 0;
s.listen(0, process.argv[1], () => console.log(s.address().port));`;

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function startServer(host: string, ns?: TestNetns): Promise<{ child: ChildProcess; url: string }> {
  const child = ns ? ns.spawn(process.execPath, ['-e', SERVER, host]) : spawn(process.execPath, ['-e', SERVER, host], { stdio: 'pipe' });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, url: `http://${host}:${line.trim()}/` };
}

/** One GET on a new connection (agent: false), so each request is a connect/accept/close. */
function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

/** Sequential requests, alternating between the URLs in blocks so noise hits both alike; sorted µs per URL. */
async function latencies(urls: string[], n: number): Promise<number[][]> {
  const times = urls.map(() => [] as number[]);
  for (let i = 0; i < 100; i++) for (const u of urls) await get(u); // warm-up
  for (let block = 0; block < n / 50; block++) {
    for (const [k, u] of urls.entries()) {
      for (let i = 0; i < 50; i++) {
        const t0 = process.hrtime.bigint();
        await get(u);
        times[k]!.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  return times.map((t) => t.sort((a, b) => a - b));
}

/** Requests per second with CONCURRENCY clients for `seconds`. */
async function throughput(url: string, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < end) { await get(url); done++; }
  }));
  return done / seconds;
}

interface Figures { inside: { p50: number; p99: number; rps: number }; outside: { p50: number; p99: number; rps: number } }

/** `count()` read around the inside throughput run gives the events per second under that load. */
async function measure(inside: string, outside: string, count: () => number = () => 0): Promise<Figures & { loadEventsPerSecond: number }> {
  const [ti, to] = await latencies([inside, outside], SEQUENTIAL_N) as [number[], number[]];
  const before = count();
  const rpsInside = await throughput(inside, LOAD_SECONDS);
  const loadEventsPerSecond = (count() - before) / LOAD_SECONDS;
  const rpsOutside = await throughput(outside, LOAD_SECONDS);
  return { inside: { p50: pct(ti, 50), p99: pct(ti, 99), rps: rpsInside }, outside: { p50: pct(to, 50), p99: pct(to, 99), rps: rpsOutside }, loadEventsPerSecond };
}

function row(label: string, base: { p50: number; p99: number; rps: number }, traced: { p50: number; p99: number; rps: number }): string {
  return `${label.padEnd(8)} p50 ${base.p50.toFixed(0)} → ${traced.p50.toFixed(0)} µs (${((traced.p50 / base.p50 - 1) * 100).toFixed(1)} %), `
    + `p99 ${base.p99.toFixed(0)} → ${traced.p99.toFixed(0)} µs (${((traced.p99 / base.p99 - 1) * 100).toFixed(1)} %), `
    + `throughput ${base.rps.toFixed(0)} → ${traced.rps.toFixed(0)} req/s (ratio ${(traced.rps / base.rps).toFixed(3)})`;
}

async function main(): Promise<void> {
  const ns = createNetns();
  let trace: TraceSession | undefined;
  const children: ChildProcess[] = [];
  let stopAgent: (() => Promise<void>) | undefined;
  try {
    const inside = await startServer(ns.podIp, ns);
    const outside = await startServer('127.0.0.1');
    children.push(inside.child, outside.child);
    const agent = await startLocalAgent({ target: `netns/${ns.name}` });
    stopAgent = agent.stop;
    const session = await connectAgent({ url: agent.url, token: agent.token });

    const base = await measure(inside.url, outside.url);

    // Every gadget, and no rate limit in the way: what the kernel and the agent keep up with.
    trace = await startTrace(session, { gadgets: TRACE_GADGETS, maxEventsPerSecond: 1_000_000 });
    let events = 0;
    trace.on('event', () => { events++; });
    const t0 = Date.now();
    const traced = await measure(inside.url, outside.url, () => events);
    const seconds = (Date.now() - t0) / 1000;
    await trace.close();
    const stats = [...trace.stats.values()];
    const dropped = stats.reduce((a, s) => a + s.dropped, 0);
    const suppressed = stats.reduce((a, s) => a + s.suppressed, 0);

    console.log(`trace overhead: ${SEQUENTIAL_N} sequential requests per server and ${LOAD_SECONDS} s × ${CONCURRENCY} clients, new connection per request`);
    console.log(row('target', base.inside, traced.inside) + ' (goal p50 +≤ 3 %)');
    console.log(row('outside', base.outside, traced.outside) + ' (goal ≈ 0)');
    console.log(`events   ${events} received in ${seconds.toFixed(1)} s (${(events / seconds).toFixed(0)}/s average), `
      + `${traced.loadEventsPerSecond.toFixed(0)}/s under the throughput load, dropped ${dropped}, suppressed ${suppressed}`);
    console.log(`per gadget: ${stats.map((s) => `${s.gadget} ${s.events} sent/${s.dropped} dropped/${s.suppressed} suppressed`).join(', ')}`);
    await session.close();
  } finally {
    await trace?.close().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
    await stopAgent?.();
    ns.cleanup();
    cleanupAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
