// Recording benchmark (root), one run, ratios against a baseline measured in the same run on the
// same target: a netns server (test/recording/fixtures/record-target.mjs) reached over its veth.
//   * request latency p50/p99 (sequential keep-alive GETs) and throughput (8 concurrent
//     keep-alive clients, fixed time) of the pod without and with `kmirror record` running, in
//     alternating rounds;
//   * at 1,000 requests/s for 10 s while recording: requests answered vs exchanges in the file
//     (dropped = the difference), gaps;
//   * recording file size per request vs the raw request+response bytes.
// Goals (issue 12): p50 +≤ 5 %, nothing dropped at 1,000 req/s.
import http from 'node:http';
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupAll, createNetns } from '#test/harness/netns.js';
import { readRecordingFile } from '#runtime/recording/reader.js';
import { startRecord, waitForRecording } from '../test/recording/helpers/record-cli.js';

const LATENCY_N = Number(process.env.KMIRROR_BENCH_REQUESTS ?? 3000);
const THROUGHPUT_S = 2;
const ROUNDS = 3;
const RATE = 1000;
const RATE_SECONDS = Number(process.env.KMIRROR_BENCH_RATE_S ?? 10);

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function get(url: string, agent: http.Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

async function latency(url: string, n: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 200; i++) await get(url, agent);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await get(`${url}?${i}`, agent);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  agent.destroy();
  return times.sort((a, b) => a - b);
}

async function throughput(url: string, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (Date.now() < end) { await get(url, agent); done++; }
  }));
  agent.destroy();
  return done / seconds;
}

/** Sends `rate` GETs per second for `seconds` (paced in 10 ms ticks over 16 keep-alive sockets). */
async function paced(url: string, rate: number, seconds: number): Promise<{ sent: number; answered: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let sent = 0;
  let answered = 0;
  const inflight: Promise<void>[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    const due = Math.floor(((Date.now() - t0) / 1000) * rate);
    while (sent < due) inflight.push(get(`${url}?r${sent++}`, agent).then(() => { answered++; }, () => undefined));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  agent.destroy();
  return { sent, answered };
}

async function main(): Promise<void> {
  const ns = createNetns();
  const dir = mkdtempSync(join(tmpdir(), 'kmrec-bench-'));
  try {
    const child = ns.spawn(process.execPath, [join(process.cwd(), 'test/recording/fixtures/record-target.mjs')]);
    const ports = await new Promise<{ http: number }>((resolve) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('}')) resolve(JSON.parse(out)); });
    });
    const url = `http://${ns.podIp}:${ports.http}/ok`;

    // Rounds alternate without and with a recording, so load from other work hits both alike.
    const base: number[] = [];
    const rec: number[] = [];
    let baseRps = 0;
    let recRps = 0;
    const file = join(dir, 'bench.kmrec');
    let load = { sent: 0, answered: 0 };
    let expected = 0;
    let seen = 0;
    for (let round = 0; round < ROUNDS; round++) {
      base.push(...await latency(url, LATENCY_N / ROUNDS));
      baseRps += await throughput(url, THROUGHPUT_S) / ROUNDS;
      const run = await startRecord(['--target', `netns/${ns.name}`, '--port', String(ports.http), '-o', file]);
      rec.push(...await latency(url, LATENCY_N / ROUNDS));
      recRps += await throughput(url, THROUGHPUT_S) / ROUNDS;
      if (round === ROUNDS - 1) {
        const before = readRecordingFile(file).records.filter((r) => r.type === 'exchange').length;
        load = await paced(url, RATE, RATE_SECONDS);
        expected = before + load.answered;
        try {
          await waitForRecording(file, 'every paced request', (r) => (seen = r.records.filter((x) => x.type === 'exchange').length) >= expected, 30_000);
        } catch {
          // reported below as dropped
        }
      }
      await run.stop();
    }
    base.sort((a, b) => a - b);
    rec.sort((a, b) => a - b);
    const read = readRecordingFile(file);
    const exchanges = read.records.filter((r) => r.type === 'exchange').length;
    const gaps = read.records.filter((r) => r.type === 'gap').length;
    const raw = read.end?.bytes ?? 0;
    const size = statSync(file).size;

    const p = (a: number[], q: number): string => `${pct(a, q).toFixed(0)} µs`;
    console.log(`latency (n=${LATENCY_N}, keep-alive GET over the veth):`);
    console.log(`  p50 ${p(base, 50)} → ${p(rec, 50)} while recording (×${(pct(rec, 50) / pct(base, 50)).toFixed(3)})`);
    console.log(`  p99 ${p(base, 99)} → ${p(rec, 99)} while recording (×${(pct(rec, 99) / pct(base, 99)).toFixed(3)})`);
    console.log(`throughput (8 clients, ${ROUNDS} × ${THROUGHPUT_S} s): ${baseRps.toFixed(0)} → ${recRps.toFixed(0)} req/s while recording (×${(recRps / baseRps).toFixed(3)})`);
    console.log(`at ${RATE} req/s for ${RATE_SECONDS} s: ${load.answered}/${load.sent} answered by the pod, ${Math.max(0, expected - seen)} dropped from the recording, ${gaps} gaps`);
    console.log(`file: ${exchanges} exchanges, ${size} bytes = ${(size / exchanges).toFixed(0)} B/request vs ${(raw / exchanges).toFixed(0)} B/request raw traffic (×${(size / raw).toFixed(3)})`);
  } finally {
    cleanupAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
