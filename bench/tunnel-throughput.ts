// Tunnel benchmark (root): bulk TCP throughput and small request/response latency through the
// agent relay (a real agent process, WebSocket tunnel, flow-controlled stream, socket inside the
// namespace) against a direct connection into the same namespace, measured in one run.
// Goals (issue 17): throughput ≥ 0.8× direct, CPU per GB ≤ 1.5× direct, added latency ≤ 100 µs
// at p50 and ≤ 300 µs at p99, agent RSS back to idle + 10 MB once the transfers are over.
// KMIRROR_BENCH_PROFILE=DIR (scripts/bench.sh): CPU profiles of this process and the agent
// (summarize them with `node scripts/profile-top.mjs DIR`).
import { loadavg } from 'node:os';
import type { Duplex } from 'node:stream';
import { cleanupAll, createNetns, netnsPath } from '#test/harness/netns.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { createNetnsSockets } from '#agent/netns/sockets.js';
import { tcpServerInside } from '../agent/test/helpers/target-fixture.js';
import { rawRelay } from './common/raw-relay.js';
import { cpuMsPerGB, cpuSeconds, processCpuSeconds, processCpuSplit, rssMb, settledRssMb } from './common/process-stats.js';

const BULK_BYTES = Number(process.env.KMIRROR_BENCH_BULK_MB ?? 256) * 1024 * 1024;
/** Direct and tunnel runs alternate this many times; the median of each is reported (shared machines are noisy). */
const ROUNDS = Number(process.env.KMIRROR_BENCH_ROUNDS ?? 3);
const ROUND_TRIPS = Number(process.env.KMIRROR_BENCH_ROUND_TRIPS ?? 5000);
const CONNECTS = Number(process.env.KMIRROR_BENCH_CONNECTS ?? 1000);
const CHUNK = Buffer.alloc(256 * 1024, 0x5a);
const SMALL = Buffer.alloc(64, 0x41);

/** Sends `total` bytes, half-closes, waits for the server's byte count; returns MB/s. */
async function bulk(sock: Duplex, total: number): Promise<number> {
  const start = process.hrtime.bigint();
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  for (let sent = 0; sent < total; sent += CHUNK.length) {
    if (!sock.write(CHUNK)) await new Promise((r) => sock.once('drain', r));
  }
  sock.end();
  const got = await answer;
  if (Number(got) !== total) throw new Error(`bulk transfer lost data: server got ${got}, sent ${total}`);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return total / seconds / 1e6;
}

/** Sequential 64-byte request/response round trips; returns sorted latencies in µs. */
async function pingPong(sock: Duplex, n: number): Promise<number[]> {
  const times: number[] = [];
  let waiting: (() => void) | undefined;
  let pending = 0;
  sock.on('data', (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0 && waiting) waiting();
  });
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    pending = SMALL.length;
    await new Promise<void>((resolve) => { waiting = resolve; sock.write(SMALL); });
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  sock.destroy();
  return times.sort((a, b) => a - b);
}

/** Sequential new tunnel connections (connect, one 64-byte echo, close); sorted µs until connected. */
async function connects(open: () => Promise<Duplex>, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const sock = await open();
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
    await new Promise<void>((resolve, reject) => { sock.once('data', () => resolve()); sock.once('error', reject); sock.write(SMALL); });
    sock.destroy();
  }
  return times.sort((a, b) => a - b);
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the tunnel benchmark needs root (network namespaces)');
  const ns = createNetns();
  try {
    const sink = await tcpServerInside(ns, (s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(String(n)));
      s.on('error', () => undefined);
    });
    const echo = await tcpServerInside(ns, (s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => undefined); });
    const sockets = createNetnsSockets(netnsPath(ns));
    const agent = await startLocalAgent({ target: `netns/${ns.name}` });
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'bench' });
    const rssIdle = rssMb(agent.pid);
    try {
      const direct = async (port: number): Promise<Duplex> => {
        const { socket } = await sockets.connectTcp({ address: '127.0.0.1', port });
        socket.setNoDelay(true);
        return socket;
      };
      // Warm-up (JIT, socket buffers) on both paths.
      await bulk(await direct(sink.port), 32 << 20);
      await bulk(await session.connectTcp('127.0.0.1', sink.port, { allowHalfOpen: true }), 32 << 20);
      await bulk((await rawRelay(netnsPath(ns), sink.port)).socket, 32 << 20);

      const directRuns: number[] = [];
      const tunnelRuns: number[] = [];
      let directCpu = 0;
      let tunnelCpu = 0;
      let tunnelAgentCpu = 0;
      let tunnelKernelCpu = 0;
      let directKernelCpu = 0;
      const relayRuns: number[] = [];
      let relayCpu = 0;
      for (let r = 0; r < ROUNDS; r++) {
        let c0 = cpuSeconds(agent.pid);
        const d0 = process.cpuUsage().system;
        directRuns.push(await bulk(await direct(sink.port), BULK_BYTES));
        directCpu += cpuSeconds(agent.pid) - c0;
        directKernelCpu += (process.cpuUsage().system - d0) / 1e6;
        c0 = cpuSeconds(agent.pid);
        const a0 = processCpuSeconds(agent.pid);
        const k0 = processCpuSplit(agent.pid).system + process.cpuUsage().system / 1e6;
        tunnelRuns.push(await bulk(await session.connectTcp('127.0.0.1', sink.port, { allowHalfOpen: true }), BULK_BYTES));
        tunnelCpu += cpuSeconds(agent.pid) - c0;
        tunnelAgentCpu += processCpuSeconds(agent.pid) - a0;
        tunnelKernelCpu += processCpuSplit(agent.pid).system + process.cpuUsage().system / 1e6 - k0;
        const relay = await rawRelay(netnsPath(ns), sink.port);
        c0 = cpuSeconds();
        relayRuns.push(await bulk(relay.socket, BULK_BYTES));
        relayCpu += cpuSeconds() - c0 + await relay.cpuSeconds;
      }
      const rssAfter = rssMb(agent.pid);
      const rssSettled = await settledRssMb(agent.pid);
      const cpuPerGB = (sec: number): string => `${cpuMsPerGB(sec, ROUNDS * BULK_BYTES).toFixed(0)} ms`;
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const directMBs = median(directRuns);
      const tunnelMBs = median(tunnelRuns);
      const directLat = await pingPong(await direct(echo.port), ROUND_TRIPS);
      const tunnelLat = await pingPong(await session.connectTcp('127.0.0.1', echo.port), ROUND_TRIPS);
      const tunnelConnects = await connects(() => session.connectTcp('127.0.0.1', echo.port), CONNECTS);

      const fmt = (n: number): string => n.toFixed(1).padStart(9);
      console.log(`tunnel-throughput: ${ROUNDS} x ${BULK_BYTES >> 20} MiB bulk (median), ${ROUND_TRIPS} round trips of ${SMALL.length} B, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      console.log(`  runs MB/s: direct ${directRuns.map((x) => x.toFixed(0)).join(' ')}; tunnel ${tunnelRuns.map((x) => x.toFixed(0)).join(' ')}; raw relay ${relayRuns.map((x) => x.toFixed(0)).join(' ')}`);
      console.log(`                       direct     tunnel`);
      console.log(`  throughput MB/s  ${fmt(directMBs)}  ${fmt(tunnelMBs)}   ratio ${(tunnelMBs / directMBs).toFixed(2)}x (goal >= 0.8x)`);
      console.log(`  CPU per GB        ${cpuPerGB(directCpu).padStart(9)}  ${cpuPerGB(tunnelCpu).padStart(9)}   ratio ${(tunnelCpu / directCpu).toFixed(2)}x (goal <= 1.5x; sender + receiver + agent, all processes)`);
      console.log(`    of which          this process ${cpuPerGB(tunnelCpu - tunnelAgentCpu)} (sender, tunnel client, receiver), agent ${cpuPerGB(tunnelAgentCpu)}; in the kernel (both) ${cpuPerGB(tunnelKernelCpu)} vs ${cpuPerGB(directKernelCpu)} direct`);
      const relayMBs = median(relayRuns);
      console.log(`  floor of a user-space relay (a Node process piping loopback → namespace socket, no framing): ${relayMBs.toFixed(0)} MB/s = ${(relayMBs / directMBs).toFixed(2)}x direct, CPU per GB ${cpuPerGB(relayCpu)} = ${(relayCpu / directCpu).toFixed(2)}x direct; the tunnel is ${(tunnelMBs / relayMBs).toFixed(2)}x its throughput at ${(tunnelCpu / relayCpu).toFixed(2)}x its CPU`);
      console.log(`  agent RSS MB: idle ${rssIdle.toFixed(1)}, right after the transfers ${rssAfter.toFixed(1)}, settled (4 s later) ${rssSettled.toFixed(1)} = idle + ${(rssSettled - rssIdle).toFixed(1)} (goal <= idle + 10)`);
      for (const p of [50, 99]) {
        const d = pct(directLat, p);
        const t = pct(tunnelLat, p);
        console.log(`  rtt p${p} µs       ${fmt(d)}  ${fmt(t)}   added ${(t - d).toFixed(1)} µs (goal <= ${p === 50 ? 100 : 300} µs)`);
      }
      console.log(`  new connection (${CONNECTS} sequential, connect → TcpConnected) p50 ${pct(tunnelConnects, 50).toFixed(1)} µs, p99 ${pct(tunnelConnects, 99).toFixed(1)} µs = ${(pct(tunnelConnects, 50) / pct(tunnelLat, 50)).toFixed(2)} tunnel round trips at p50 (goal ≤ 1)`);
      console.log(`  check: throughput ${tunnelMBs / directMBs >= 0.8 ? 'meets' : 'MISSES'} its goal; CPU per GB ${tunnelCpu / directCpu <= 1.5 ? 'meets' : 'MISSES'}; RSS ${rssSettled - rssIdle <= 10 ? 'meets' : 'MISSES'}; added p50 latency ${pct(tunnelLat, 50) - pct(directLat, 50) <= 100 ? 'meets' : 'MISSES'}, p99 ${pct(tunnelLat, 99) - pct(directLat, 99) <= 300 ? 'meets' : 'MISSES'} its goal`);
    } finally {
      await session.close();
      await agent.stop();
      sink.server.close();
      echo.server.close();
    }
  } finally {
    cleanupAll();
  }
}

main().catch((err: unknown) => {
  console.error(`tunnel-throughput: ${(err as Error).stack ?? String(err)}`);
  cleanupAll();
  process.exit(1);
});
