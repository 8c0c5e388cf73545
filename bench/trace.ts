// Trace gadget overhead (root), one run, ratios against baselines measured in the same run:
//   * an HTTP server inside a local target (a network namespace; each request opens a file, and
//     every request is a new connection: accept + close + open events in the target) — request
//     latency p50/p99 (sequential) and throughput (16 concurrent clients) with no gadget attached,
//     then with all four (tcp, dns, exec, open) attached by `kmirror trace` (dist/kmirror.js, its
//     own process and agent, every event written out, no rate limit);
//   * the same server outside the target (this machine's namespace): the same figures, where
//     the gadgets cost only the hook (the netns check drops the event in the kernel);
//   * events per second under the throughput load, and the kernel's drops.
// The machine has 2 cores: the server and the load generator are pinned to CPU 0, the agent and
// the trace client to CPU 1, as on a node where the agent does not share the app's core. Rounds
// alternate untraced/traced (a warm-up round first, discarded); medians over the rounds.
// Goal (issue 16): p50 +≤ 3 % on the traced target; overhead ≈ 0 outside it.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, createNetns, type TestNetns } from '#test/harness/netns.js';
import { REPO } from '../agent/test/helpers/target-fixture.js';

const SEQUENTIAL_N = Number(process.env.KMIRROR_BENCH_REQUESTS ?? 1000);
const LOAD_SECONDS = Number(process.env.KMIRROR_BENCH_LOAD_S ?? 3);
const ROUNDS = Number(process.env.KMIRROR_BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
// KMIRROR_BENCH_GADGETS=tcp (comma-separated) measures some gadgets alone; default all four.
const GADGETS = (process.env.KMIRROR_BENCH_GADGETS ?? 'tcp,dns,exec,open').split(',');
const CLI_JS = join(REPO, 'dist/kmirror.js');

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

interface TraceRun { stop(): Promise<{ events: number; dropped: number; suppressed: number; summary: string }> }

/** `kmirror trace --target netns/NAME GADGETS -o /dev/null` on CPU 1; resolves once the programs are attached. */
async function startTraceClient(ns: TestNetns): Promise<TraceRun> {
  const child = spawn('taskset', ['-c', '1', process.execPath, CLI_JS, 'trace', '--target', `netns/${ns.name}`, ...GADGETS, '-o', '/dev/null', '--max-rate', '1000000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stderr! });
  await new Promise<void>((resolve, reject) => {
    rl.on('line', (l) => { lines.push(l); if (l.startsWith('kmirror trace: tracing')) resolve(); });
    child.once('exit', (code) => reject(new Error(`kmirror trace exited ${code}: ${lines.join('\n')}`)));
  });
  return {
    async stop() {
      child.kill('SIGINT');
      await once(child, 'exit');
      const summary = lines.find((l) => l.includes(' events, ')) ?? '';
      const sum = (re: RegExp): number => [...summary.matchAll(re)].reduce((a, m) => a + Number(m[1]), 0);
      return { events: sum(/(\d+) events/g), dropped: sum(/(\d+) dropped/g), suppressed: sum(/(\d+) suppressed/g), summary };
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
type Side = { p50: number; p99: number; rps: number };
const medianSide = (xs: Side[]): Side => ({ p50: median(xs.map((x) => x.p50)), p99: median(xs.map((x) => x.p99)), rps: median(xs.map((x) => x.rps)) });

async function main(): Promise<void> {
  if (!existsSync(CLI_JS)) throw new Error('dist/kmirror.js missing: run npm run build');
  execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' }); // the servers spawned below inherit CPU 0
  const ns = createNetns();
  const children: ChildProcess[] = [];
  let trace: TraceRun | undefined;
  try {
    const inside = await startServer(ns.podIp, ns);
    const outside = await startServer('127.0.0.1');
    children.push(inside.child, outside.child);
    await measure(inside.url, outside.url); // warm-up, discarded
    const base: Figures[] = [];
    const traced: Figures[] = [];
    const counts: Array<{ events: number; dropped: number; suppressed: number; seconds: number }> = [];
    let summary = '';
    for (let r = 0; r < ROUNDS; r++) {
      base.push(await measure(inside.url, outside.url));
      trace = await startTraceClient(ns);
      const t0 = Date.now();
      const m = await measure(inside.url, outside.url);
      const seconds = (Date.now() - t0) / 1000;
      const c = await trace.stop();
      trace = undefined;
      traced.push(m);
      counts.push({ ...c, seconds });
      summary = c.summary;
    }
    // Sustained rate: only the throughput load runs in the target while the trace is on.
    trace = await startTraceClient(ns);
    const sustainedRps = await throughput(inside.url, LOAD_SECONDS);
    const sustained = await trace.stop();
    trace = undefined;
    const bi = medianSide(base.map((b) => b.inside));
    const ti = medianSide(traced.map((t) => t.inside));
    const bo = medianSide(base.map((b) => b.outside));
    const to = medianSide(traced.map((t) => t.outside));
    const events = counts.reduce((a, c) => a + c.events, 0);
    const seconds = counts.reduce((a, c) => a + c.seconds, 0);
    console.log(`trace overhead (${GADGETS.join(', ')}): ${ROUNDS} rounds of ${SEQUENTIAL_N} sequential requests per server and ${LOAD_SECONDS} s × ${CONCURRENCY} clients, new connection per request; medians`);
    console.log(row('target', bi, ti) + ' (goal p50 +≤ 3 %)');
    console.log(row('outside', bo, to) + ' (goal ≈ 0)');
    console.log(`events   ${events} written by kmirror trace in ${seconds.toFixed(1)} s traced (${(events / seconds).toFixed(0)}/s average), `
      + `dropped ${counts.reduce((a, c) => a + c.dropped, 0)}, suppressed ${counts.reduce((a, c) => a + c.suppressed, 0)}`);
    console.log(`sustained ${(sustained.events / LOAD_SECONDS).toFixed(0)} events/s for ${LOAD_SECONDS} s at ${sustainedRps.toFixed(0)} req/s, dropped ${sustained.dropped}, suppressed ${sustained.suppressed} (${sustained.summary.replace(/^kmirror trace: /, '')})`);
    console.log(`last round: ${summary.replace(/^kmirror trace: /, '')}`);
  } finally {
    await trace?.stop().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
    ns.cleanup();
    cleanupAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
