// Replay rate: `kmirror replay --speed max` (the replay engine: one new connection per exchange,
// response parsed and compared by status and body digest) against a plain load generator sending
// the same request bytes the same way (new connection each, read to the end of the response, no
// comparison), both at the same concurrency into the same local HTTP server, in one run. Also the
// writer: recording file bytes per exchange vs the raw request+response bytes, and write rate.
//   BENCH_REPLAY_EXCHANGES (default 5000), BENCH_REPLAY_CONCURRENCY (default 8)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseReader } from '#runtime/recording/http-response.js';
import { readRecordingFile } from '#runtime/recording/reader.js';
import { indexRecording, requestBytes, type ReplayItem } from '#runtime/recording/recording-index.js';
import { redactionSettings } from '#runtime/recording/redaction.js';
import { replay } from '#runtime/recording/replay.js';
import { RecordingWriter } from '#runtime/recording/writer.js';

const N = Number(process.env.BENCH_REPLAY_EXCHANGES ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_REPLAY_CONCURRENCY ?? 8);
const body = (i: number): string => `{"order":${i},"items":[1,2,3],"note":"${'x'.repeat(200)}"}`;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => res.end(`ok ${req.url} ${Buffer.concat(chunks).length}`));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
const dir = mkdtempSync(join(tmpdir(), 'kmrec-replay-bench-'));

try {
  // The recording: N POSTs with their answers, as this server gives them (so replays match).
  const file = join(dir, 'bench.kmrec');
  const w = await RecordingWriter.open(file, { target: 'deploy/bench', ports: [port], redaction: redactionSettings() });
  let raw = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const b = body(i);
    const req = `POST /orders/${i} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer t\r\nContent-Length: ${b.length}\r\n\r\n${b}`;
    const answer = `ok /orders/${i} ${b.length}`;
    const res = `HTTP/1.1 200 OK\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`;
    raw += req.length + res.length;
    w.connection({ conn: i, client: { address: '10.0.0.2', port: 30000 + (i % 30000) }, server: { address: '10.0.0.1', port }, ts: i });
    w.segment({ conn: i, dir: 'request', ts: i, bytes: Buffer.from(req) });
    w.segment({ conn: i, dir: 'response', ts: i + 0.5, bytes: Buffer.from(res) });
    w.closeConnection({ conn: i, ts: i + 0.6, reset: false });
  }
  await w.close();
  const writeS = (performance.now() - t0) / 1000;
  const size = statSync(file).size;
  console.log(`writer: ${N} exchanges in ${writeS.toFixed(2)} s (${Math.round(N / writeS)}/s); file ${(size / N).toFixed(0)} B per exchange vs ${(raw / N).toFixed(0)} B raw (${(size / raw).toFixed(2)}×)`);

  const items = indexRecording(readRecordingFile(file)).items;
  const plainS = await timed(() => plainLoad(items));
  let matched = 0;
  const replayS = await timed(async () => {
    const results = await replay(items, { to: { host: '127.0.0.1', port }, speed: 'max', concurrency: CONCURRENCY, timeoutMs: 30_000 });
    matched = results.filter((r) => r.match).length;
  });
  console.log(`plain load generator: ${N} requests, concurrency ${CONCURRENCY}: ${Math.round(N / plainS)} req/s`);
  console.log(`kmirror replay --speed max: ${N} requests (${matched} matched): ${Math.round(N / replayS)} req/s = ${(plainS / replayS).toFixed(2)}× the plain generator`);
  if (matched !== N) process.exitCode = 1;
} finally {
  server.close();
  rmSync(dir, { recursive: true, force: true });
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

/** The baseline: same bytes, same connection pattern and concurrency, nothing compared. */
async function plainLoad(items: ReplayItem[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port }, () => s.write(requestBytes(items[i] as ReplayItem)));
        const reader = new ResponseReader(false);
        s.on('data', (c: Buffer) => {
          if (reader.push(c)) {
            s.destroy();
            resolve();
          }
        });
        s.on('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}
