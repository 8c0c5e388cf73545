// Incoming-traffic benchmark (root), one run, ratios against baselines measured in the same run:
//   * added latency of a stolen small HTTP request (keep-alive, answered by the workstation app
//     through the agent and tunnel) vs the same request answered directly by the original app;
//   * stolen-connection upload throughput vs a direct upload to the original app;
//   * mirror at 1,000 requests/s for 10 s: requests answered by the app vs requests seen in the
//     mirrored copies (zero loss expected), kernel ring-buffer drops, gaps;
//   * agent RSS idle, under the mirror load, and once the stolen uploads are over;
//   * CPU per GB of the uploads: this process (client and, stolen, the workstation's sink) plus
//     the agent, against the direct upload (this process and the pod's sink process).
// Goals: ≤150 µs p50 / ≤1 ms p99 added, mirror loss 0, RSS ≤60 MB idle / ≤100 MB loaded,
// stolen upload ≥ 0.7× direct, agent RSS back to idle + 10 MB after the uploads (issue 17).
import http from 'node:http';
import net from 'node:net';
import { cleanupAll, createNetns } from '#test/harness/netns.js';
import { connectAgent, type IncomingConnection } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent } from '#runtime/tunnel/local-agent.js';
import { BYTE_SINK_SCRIPT, startPodServer } from '../agent/test/helpers/pod.js';
import { cpuMsPerGB, cpuSeconds, processCpuSeconds, rssMb, settledRssMb } from './common/process-stats.js';
import { answerWorkstation } from './lib/workstation-http.js';

const HTTP_PORT = 8080;
const SINK_PORT = 7070;
const DIRECT_PORT = 8081;
const LATENCY_N = Number(process.env.KMIRROR_BENCH_REQUESTS ?? 3000);
const BULK_BYTES = Number(process.env.KMIRROR_BENCH_BULK_MB ?? 256) << 20;
const MIRROR_RATE = 1000;
const MIRROR_SECONDS = Number(process.env.KMIRROR_BENCH_MIRROR_S ?? 10);
/** KMIRROR_BENCH_SECTIONS=upload (a comma list of mirror, latency, upload) runs only those parts. */
const SECTIONS = new Set((process.env.KMIRROR_BENCH_SECTIONS ?? 'mirror,latency,upload').split(','));

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/**
 * Sequential GETs on two keep-alive connections, alternating in blocks so that machine noise
 * hits both paths alike; sorted latencies in µs for each URL.
 */
async function latencies(urlA: string, urlB: string, n: number): Promise<[number[], number[]]> {
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
  const once = (url: string, agent: http.Agent): Promise<void> => new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  const urls = [urlA, urlB];
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < 200; i++) { await once(urlA, agents[0] as http.Agent); await once(urlB, agents[1] as http.Agent); } // warm-up
  for (let block = 0; block < n / 50; block++) {
    for (const k of [0, 1] as const) {
      for (let i = 0; i < 50; i++) {
        const t0 = process.hrtime.bigint();
        await once(urls[k] as string, agents[k] as http.Agent);
        times[k].push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
  }
  for (const a of agents) a.destroy();
  return [times[0].sort((a, b) => a - b), times[1].sort((a, b) => a - b)];
}

/** Uploads `total` bytes on one connection, half-closes, checks the count; MB/s. */
function upload(host: string, port: number, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    const t0 = process.hrtime.bigint();
    const s = net.connect({ host, port, allowHalfOpen: true }, async () => {
      for (let sent = 0; sent < total; sent += chunk.length) if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
      s.end();
    });
    let answer = '';
    s.on('data', (d: Buffer) => (answer += d.toString()));
    s.on('end', () => {
      if (Number(answer) !== total) return reject(new Error(`upload lost data: ${answer} of ${total}`));
      resolve(total / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6);
    });
    s.on('error', reject);
  });
}

function workstationByteSink(conn: IncomingConnection): void {
  let n = 0;
  conn.on('data', (d: Buffer) => (n += d.length));
  conn.on('end', () => conn.end(String(n)));
  conn.on('error', () => {});
}

/** Fires GETs at `rate`/s for `seconds` over a keep-alive pool; resolves with answered count. */
async function steadyLoad(url: string, rate: number, seconds: number, sample: () => void): Promise<{ sent: number; answered: number; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let sent = 0, answered = 0, failed = 0;
  const total = rate * seconds;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  while (sent < total) {
    const due = t0 + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const i = sent++;
    inflight.push(new Promise((resolve) => {
      http.get(`${url}/m/${i}`, { agent }, (res) => { res.resume(); res.on('end', () => { answered++; resolve(); }); })
        .on('error', () => { failed++; resolve(); });
    }));
    if (i % 100 === 0) sample();
  }
  await Promise.all(inflight);
  agent.destroy();
  return { sent, answered, failed };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the incoming benchmark needs root (namespaces, BPF)');
  const ns = createNetns();
  try {
    await startPodServer(ns, HTTP_PORT);
    await startPodServer(ns, DIRECT_PORT);
    const sinkPid = await startPodServer(ns, SINK_PORT, BYTE_SINK_SCRIPT);
    const agent = await startLocalAgent({ target: `netns/${ns.name}` });
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'bench' });
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = rssMb(agent.pid);
    const url = `http://${ns.podIp}:${HTTP_PORT}`;

    if (SECTIONS.has('mirror')) {
      let mirroredRequests = 0, mirroredBytes = 0, gaps = 0, copies = 0;
      const mirror = await session.subscribe({ port: HTTP_PORT, mode: 'mirror' }, (conn) => {
        copies++;
        let tail = '';
        conn.on('data', (d: Buffer) => {
          mirroredBytes += d.length;
          const text = tail + d.toString('latin1');
          mirroredRequests += (text.match(/GET \/m\/\d+ HTTP\/1\.1\r\n/g) ?? []).length;
          tail = text.slice(-40);
          const last = tail.lastIndexOf('GET /m/');
          if (last >= 0 && /HTTP\/1\.1\r\n/.test(tail.slice(last))) tail = tail.slice(last + 7); // counted already
        });
        conn.on('gap', () => gaps++);
        conn.on('error', () => {});
      });
      const rssIdleSubscribed = rssMb(agent.pid);
      let rssPeak = 0;
      const load = await steadyLoad(url, MIRROR_RATE, MIRROR_SECONDS, () => (rssPeak = Math.max(rssPeak, rssMb(agent.pid))));
      const deadline = Date.now() + 5_000;
      while (mirroredRequests < load.answered && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await mirror.close();
      console.log(`mirror   ${MIRROR_RATE} req/s × ${MIRROR_SECONDS} s: sent ${load.sent}, answered by the app ${load.answered}, failed ${load.failed}, seen in copies ${mirroredRequests} over ${copies} connections, gaps ${gaps}, loss ${load.answered - mirroredRequests} (${(((load.answered - mirroredRequests) / load.answered) * 100).toFixed(3)} %)`);
      console.log(`rss      agent idle ${rssIdle.toFixed(1)} MB (goal ≤60), subscribed idle ${rssIdleSubscribed.toFixed(1)} MB, under mirror load peak ${rssPeak.toFixed(1)} MB (goal ≤100)`);
    }
    if (SECTIONS.has('latency')) {
      // The same app on a second port is the direct baseline, measured alongside the stolen port.
      const steal = await session.subscribe({ port: HTTP_PORT, mode: 'steal' }, answerWorkstation);
      const [direct, stolen] = await latencies(`http://${ns.podIp}:${DIRECT_PORT}/direct`, `${url}/stolen`, LATENCY_N);
      await steal.close();
      const [d50, d99, s50, s99] = [pct(direct, 50), pct(direct, 99), pct(stolen, 50), pct(stolen, 99)];
      console.log(`latency  direct p50 ${d50.toFixed(0)} µs p99 ${d99.toFixed(0)} µs | stolen p50 ${s50.toFixed(0)} µs p99 ${s99.toFixed(0)} µs`);
      console.log(`latency  added p50 ${(s50 - d50).toFixed(0)} µs (goal ≤150), added p99 ${(s99 - d99).toFixed(0)} µs (goal ≤1000), ratio p50 ${(s50 / d50).toFixed(2)}×`);
    }

    if (SECTIONS.has('upload')) {
      await upload(ns.podIp, SINK_PORT, 32 << 20); // warm-up
      let c0 = cpuSeconds(sinkPid, agent.pid);
      const directMBs = await upload(ns.podIp, SINK_PORT, BULK_BYTES);
      const directCpu = cpuSeconds(sinkPid, agent.pid) - c0;
      const sinkSteal = await session.subscribe({ port: SINK_PORT, mode: 'steal' }, workstationByteSink);
      await upload(ns.podIp, SINK_PORT, 32 << 20);
      const rssBeforeBulk = rssMb(agent.pid);
      c0 = cpuSeconds(sinkPid, agent.pid);
      const a0 = processCpuSeconds(agent.pid);
      const stolenMBs = await upload(ns.podIp, SINK_PORT, BULK_BYTES);
      const stolenCpu = cpuSeconds(sinkPid, agent.pid) - c0;
      const stolenAgentCpu = processCpuSeconds(agent.pid) - a0;
      await sinkSteal.close();
      const rssAfterBulk = rssMb(agent.pid);
      const rssSettled = await settledRssMb(agent.pid);
      console.log(`throughput direct ${directMBs.toFixed(0)} MB/s | stolen ${stolenMBs.toFixed(0)} MB/s | ratio ${(stolenMBs / directMBs).toFixed(2)}× (goal ≥ 0.7×)`);
      console.log(`cpu/GB   direct ${cpuMsPerGB(directCpu, BULK_BYTES).toFixed(0)} ms | stolen ${cpuMsPerGB(stolenCpu, BULK_BYTES).toFixed(0)} ms | ratio ${(stolenCpu / directCpu).toFixed(2)}× (client, sinks and agent; stolen: agent ${cpuMsPerGB(stolenAgentCpu, BULK_BYTES).toFixed(0)} ms)`);
      console.log(`rss      agent idle ${rssIdle.toFixed(1)} MB, before the ${BULK_BYTES >> 20} MB stolen upload ${rssBeforeBulk.toFixed(1)} MB, right after ${rssAfterBulk.toFixed(1)} MB, 4 s later ${rssSettled.toFixed(1)} MB = idle + ${(rssSettled - rssIdle).toFixed(1)} MB (goal ≤ idle + 10)`);
    }
    await session.close();
    await agent.stop();
  } finally {
    cleanupAll();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
