// Kubernetes benchmark on the project's test cluster (npm run cluster:up), ratios in one
// run: (1) bulk throughput of kmirror's tunnel (API server port-forward → agent → pod port)
// against a raw `kubectl port-forward` to the same pod port, and 64-byte round trips on both to an
// echo server in that pod; (2) request latency added by steal
// (client pod → Service → pod netns → agent → tunnel → workstation handler) against a direct
// request to the pod; (3) session start time (openClusterAgent until the tunnel handshake) with
// the agent image present. Goals: throughput ≥ 1.0×, start ≤ 3 s.
import { execFile, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { openClusterAgent } from '#runtime/placement/cluster-agent.js';
import { openPortForward } from '#runtime/cluster/port-forward.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { waitForPodReady } from '#test/e2e/harness/pods.js';
import { createClientPod, deployApp, readyPodName } from '#test/e2e/k8s/fixtures.js';

const BULK_MB = Number(process.env.KMIRROR_BENCH_K8S_MB ?? 128);
const RUNS = Number(process.env.KMIRROR_BENCH_K8S_RUNS ?? 5);
const REQUESTS = Number(process.env.KMIRROR_BENCH_K8S_REQUESTS ?? 200);
const STARTS = 5;
const BULK_PORT = 9000;
const ECHO_PORT = 9001;
const ROUND_TRIPS = Number(process.env.KMIRROR_BENCH_K8S_ROUND_TRIPS ?? 2000);
const CONNECTS = Number(process.env.KMIRROR_BENCH_K8S_CONNECTS ?? 200);

const BULK_SERVER = `require('net').createServer((s) => { const chunk = Buffer.alloc(256 * 1024, 90); let left = ${BULK_MB} * 1024 * 1024;
  const pump = () => { while (left > 0) { left -= chunk.length; if (!s.write(chunk)) return s.once('drain', pump); } s.end(); }; pump(); }).listen(${BULK_PORT});
require('net').createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); }).listen(${ECHO_PORT});`;
// Sequential GETs, one connection each (what steal intercepts); prints sorted latencies in µs.
const LATENCY_CLIENT = `const http = require('http'); const [url, n] = process.argv.slice(1); const t = [];
(async () => { for (let i = 0; i < Number(n); i++) { const s = process.hrtime.bigint();
  await new Promise((res, rej) => http.get(url, { agent: false }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
  t.push(Number(process.hrtime.bigint() - s) / 1000); } console.log(JSON.stringify(t.sort((a, b) => a - b))); })();`;

// Bundled into build/bench/, so kubectl is found from the repository root (bench.sh runs there).
const KUBECTL = resolve('test/cluster/kubectl.sh');

function kubectlExec(ns: string, pod: string, argv: string[]): Promise<string> {
  return new Promise((res, rej) => execFile(KUBECTL, ['exec', '-n', ns, pod, '--', ...argv], { timeout: 300_000, maxBuffer: 64 << 20 },
    (err, stdout, stderr) => (err ? rej(new Error(`kubectl exec: ${stderr || err.message}`)) : res(stdout))));
}

/** A raw `kubectl port-forward` to an ephemeral local port (the baseline transport). */
function kubectlPortForward(ns: string, pod: string, port: number): Promise<{ localPort: number; close(): void }> {
  const child = spawn(KUBECTL, ['port-forward', '-n', ns, `pod/${pod}`, `:${port}`, '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((res, rej) => {
    let out = '';
    const timer = setTimeout(() => { child.kill(); rej(new Error(`kubectl port-forward not ready: ${out}`)); }, 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); res({ localPort: Number(m[1]), close: () => child.kill() }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`kubectl port-forward exited ${code}: ${out}`)); });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/** Sequential 64-byte round trips on one connection (after 100 unmeasured); sorted latencies in µs. */
async function roundTrips(sock: Duplex | Socket, n: number): Promise<number[]> {
  const small = Buffer.alloc(64, 0x41);
  const times: number[] = [];
  let pending = 0;
  let wake: (() => void) | undefined;
  sock.on('data', (d: Buffer) => { pending -= d.length; if (pending <= 0) wake?.(); });
  for (let i = 0; i < n + 100; i++) {
    const t0 = process.hrtime.bigint();
    pending = small.length;
    await new Promise<void>((res) => { wake = res; sock.write(small); });
    if (i >= 100) times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  sock.destroy();
  return times.sort((a, b) => a - b);
}

/** One new connection: µs until it is open (for the tunnel: the agent's answer) and until a first 64-byte echo. */
async function connectAndEcho(open: () => Promise<Duplex | Socket>): Promise<{ open: number; echo: number }> {
  const t0 = process.hrtime.bigint();
  const sock = await open();
  const opened = Number(process.hrtime.bigint() - t0) / 1000;
  await new Promise<void>((res, rej) => {
    let got = 0;
    sock.on('data', (d: Buffer) => { got += d.length; if (got >= 64) res(); });
    sock.once('error', rej);
    sock.write(Buffer.alloc(64, 0x42));
  });
  const echo = Number(process.hrtime.bigint() - t0) / 1000;
  sock.destroy();
  return { open: opened, echo };
}

/** Reads a stream to its end; returns MB/s. */
async function drain(stream: Duplex | Socket): Promise<number> {
  const start = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  if (bytes !== BULK_MB * 1024 * 1024) throw new Error(`bulk read ${bytes} bytes, expected ${BULK_MB} MiB`);
  return bytes / (Number(process.hrtime.bigint() - start) / 1e9) / 1e6;
}

async function main(): Promise<void> {
  const guard = new ClusterGuard();
  const core = guard.core;
  try {
    const ns = await guard.namespace('kmb-k8s');
    await core.createNamespacedPod({ namespace: ns, body: {
      metadata: { name: 'bulk' },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'bulk', image: IMAGES.nodeHttp, imagePullPolicy: 'Never', command: ['/usr/bin/node', '-e', BULK_SERVER] }] },
    } });
    await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'bench');
    const client = await createClientPod(core, ns);
    await waitForPodReady(core, ns, 'bulk');
    await readyPodName(core, ns, 'web');
    const common = { kubeconfig: KUBECONFIG_PATH, namespace: ns };

    // (3) session start time, image present (the first start also warms nothing else up).
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const t0 = Date.now();
      const s = await openClusterAgent({ ...common, target: 'pod/bulk' });
      starts.push(Date.now() - t0);
      await s.close();
    }

    // (1) throughput: raw kubectl port-forward vs kmirror's tunnel to the same pod port, runs
    // interleaved so that load from other processes on the machine hits both alike.
    const raw: number[] = [];
    const tunnel: number[] = [];
    const library: number[] = [];   // the transport kmirror rides, without the agent: the client library's port-forward
    const rawRtt: number[] = [];
    const tunnelRtt: number[] = [];
    const rawConnects: { open: number; echo: number }[] = [];
    const tunnelConnects: { open: number; echo: number }[] = [];
    const pf = await kubectlPortForward(ns, 'bulk', BULK_PORT);
    const session = await openClusterAgent({ ...common, target: 'pod/bulk' });
    try {
      // One unmeasured warm-up per path (JIT, TCP windows, the agent's first connection).
      await drain(connect(pf.localPort, '127.0.0.1'));
      await drain(await session.connectTcp('127.0.0.1', BULK_PORT));
      await drain(await openPortForward(guard.kc, { namespace: ns, pod: 'bulk', port: BULK_PORT }));
      for (let i = 0; i < RUNS; i++) {
        raw.push(await drain(connect(pf.localPort, '127.0.0.1')));
        tunnel.push(await drain(await session.connectTcp('127.0.0.1', BULK_PORT)));
        library.push(await drain(await openPortForward(guard.kc, { namespace: ns, pod: 'bulk', port: BULK_PORT })));
      }
      // Round trips, kubectl port-forward and the tunnel alternating in blocks.
      const echoPf = await kubectlPortForward(ns, 'bulk', ECHO_PORT);
      try {
        const connected = (port: number): Promise<Socket> => new Promise((res, rej) => { const c = connect(port, '127.0.0.1', () => res(c)); c.setNoDelay(true); c.once('error', rej); });
        for (let b = 0; b < 4; b++) {
          rawRtt.push(...await roundTrips(await connected(echoPf.localPort), ROUND_TRIPS / 4));
          tunnelRtt.push(...await roundTrips(await session.connectTcp('127.0.0.1', ECHO_PORT), ROUND_TRIPS / 4));
        }
        // New connections (issue 17: a connect should cost one tunnel round trip), alternating.
        for (let i = 0; i < CONNECTS; i++) {
          rawConnects.push(await connectAndEcho(() => connected(echoPf.localPort)));
          tunnelConnects.push(await connectAndEcho(() => session.connectTcp('127.0.0.1', ECHO_PORT)));
        }
      } finally {
        echoPf.close();
      }
    } finally {
      pf.close();
      await session.close();
    }

    // (2) latency: direct request to the pod (through the Service) vs stolen to a workstation handler.
    const measure = async (): Promise<number[]> => JSON.parse(await kubectlExec(ns, client, ['/usr/bin/node', '-e', LATENCY_CLIENT, 'http://web/', String(REQUESTS)])) as number[];
    const direct = await measure();
    const steal = await openClusterAgent({ ...common, target: 'deploy/web' });
    let stolen: number[];
    try {
      const sub = await steal.subscribe({ port: 8080, mode: 'steal' }, (conn) => {
        conn.once('data', () => conn.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
        conn.on('error', () => undefined);
      });
      stolen = await measure();
      await sub.close();
    } finally {
      await steal.close();
    }

    const rawMed = median(raw);
    const tunMed = median(tunnel);
    console.log(`k8s-session: load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (at the end of the run)`);
    console.log(`session start (image present): median ${(median(starts) / 1000).toFixed(2)} s over ${STARTS} [${starts.map((s) => (s / 1000).toFixed(2)).join(', ')}] (goal ≤ 3 s)`);
    const best = (xs: number[]): number => Math.max(...xs);
    console.log(`throughput ${BULK_MB} MiB × ${RUNS} interleaved: kubectl port-forward median ${rawMed.toFixed(1)} MB/s (best ${best(raw).toFixed(1)}), `
      + `kmirror tunnel median ${tunMed.toFixed(1)} MB/s (best ${best(tunnel).toFixed(1)}) → ratio ${(tunMed / rawMed).toFixed(2)}× median, ${(best(tunnel) / best(raw)).toFixed(2)}× best (goal ≥ 1.0×); `
      + `client-library port-forward alone (no agent) median ${median(library).toFixed(1)} MB/s = ${(median(library) / rawMed).toFixed(2)}× kubectl`);
    rawRtt.sort((a, b) => a - b);
    tunnelRtt.sort((a, b) => a - b);
    console.log(`round trips (${ROUND_TRIPS} × 64 B to an echo server in the pod): kubectl port-forward p50 ${(pct(rawRtt, 0.5) / 1000).toFixed(2)} ms p99 ${(pct(rawRtt, 0.99) / 1000).toFixed(2)} ms; `
      + `kmirror tunnel p50 ${(pct(tunnelRtt, 0.5) / 1000).toFixed(2)} ms p99 ${(pct(tunnelRtt, 0.99) / 1000).toFixed(2)} ms → ${(pct(tunnelRtt, 0.5) / pct(rawRtt, 0.5)).toFixed(2)}× p50`);
    const p50Of = (xs: number[]): number => pct([...xs].sort((a, b) => a - b), 0.5);
    const tunnelOpen = p50Of(tunnelConnects.map((c) => c.open));
    console.log(`new connections (${CONNECTS}, alternating; p50): kmirror tunnel connect ${(tunnelOpen / 1000).toFixed(2)} ms = ${(tunnelOpen / pct(tunnelRtt, 0.5)).toFixed(2)} tunnel round trips (goal ≤ 1), `
      + `connect + first 64-byte echo ${(p50Of(tunnelConnects.map((c) => c.echo)) / 1000).toFixed(2)} ms vs kubectl port-forward ${(p50Of(rawConnects.map((c) => c.echo)) / 1000).toFixed(2)} ms `
      + `(its local connect ${(p50Of(rawConnects.map((c) => c.open)) / 1000).toFixed(2)} ms: the pod connection opens behind it)`);
    console.log(`request latency (${REQUESTS} sequential GETs from a pod via the Service): direct p50 ${(pct(direct, 0.5) / 1000).toFixed(2)} ms p99 ${(pct(direct, 0.99) / 1000).toFixed(2)} ms; `
      + `stolen p50 ${(pct(stolen, 0.5) / 1000).toFixed(2)} ms p99 ${(pct(stolen, 0.99) / 1000).toFixed(2)} ms → added p50 ${((pct(stolen, 0.5) - pct(direct, 0.5)) / 1000).toFixed(2)} ms`);
  } finally {
    await guard.dispose();
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(`bench k8s-session: ${(err as Error).stack ?? String(err)}`); process.exit(1); });
