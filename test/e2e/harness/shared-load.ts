// Load on a port shared by several sessions' HTTP filters (e2e shared-agent-load and
// bench/shared-agent.ts): each session steals `x-user: uN` requests and answers `{"session":N}`;
// a Node client in a pod sends a seeded mix of every header plus unmatched requests at a fixed
// rate, one connection per request, and checks who answered. Counts on both sides show that every
// request was answered exactly once, by the right session or by the pod.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AgentSession, IncomingConnection, Subscription } from '#runtime/tunnel/agent-session.js';
import { KUBECTL } from './cluster.js';

export interface FilteredSession {
  readonly index: number;
  /** Requests this session's handler received. */
  received: number;
  readonly sub: Subscription;
}

/** Subscribes session i to steal `port` for `x-user: u<i>` and answer `{"session":i}`. */
export async function stealByHeader(session: AgentSession, index: number, port: number): Promise<FilteredSession> {
  const state = { index, received: 0 } as FilteredSession;
  const sub = await session.subscribe({ port, mode: 'steal', httpFilter: { headerFilter: `^x-user: u${index}$` } }, (conn: IncomingConnection) => {
    let head = '';
    conn.on('error', () => undefined);
    conn.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      state.received++;
      const body = JSON.stringify({ session: index });
      conn.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  });
  Object.assign(state, { sub });
  return state;
}

/** What the load client saw: per header key (u0.. and 'none'), sent and answers by who answered. */
export interface LoadReport {
  readonly sent: Record<string, number>;
  /** answeredBy[key][who]: who is "s<N>" (a session) or "pod". */
  readonly answeredBy: Record<string, Record<string, number>>;
  readonly failed: number;
  /** Failed requests per header key. */
  readonly failedBy: Record<string, number>;
  /** The first ten failures, "key: error". */
  readonly failures: string[];
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

// Runs inside the client pod (node-http image): seeded PRNG (mulberry32), fixed rate in 10 ms
// ticks, at most 512 requests in flight, 10 s timeout each.
const CLIENT = String.raw`
const http = require('http');
const [url, total, rate, keys, seed] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
let a = seed >>> 0; const rnd = () => { a = (a + 0x6D2B79F5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const sent = {}, by = {}, failedBy = {}, lat = []; let failed = 0, started = 0, done = 0, inflight = 0; const failures = []; const t0 = Date.now();
function one() {
  const k = Math.floor(rnd() * (keys + 1)); const key = k < keys ? 'u' + k : 'none';
  const headers = k < keys ? { 'x-user': key } : (rnd() < 0.5 ? { 'x-user': 'nobody' } : {});
  sent[key] = (sent[key] || 0) + 1; inflight++; const s = process.hrtime.bigint();
  const finish = (who, err) => { inflight--; done++; if (err) { failed++; failedBy[key] = (failedBy[key] || 0) + 1; if (failures.length < 10) failures.push(key + ': ' + err); } else { lat.push(Number(process.hrtime.bigint() - s) / 1e6); (by[key] = by[key] || {})[who] = (by[key][who] || 0) + 1; } if (done === total) end(); };
  const req = http.get(url, { agent: false, headers, timeout: 10000 }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => {
    try { const j = JSON.parse(b); finish(typeof j.session === 'number' ? 's' + j.session : j.app ? 'pod' : 'other:' + b.slice(0, 40)); } catch (e) { finish(null, 'bad body ' + b.slice(0, 60)); } }); });
  req.on('timeout', () => req.destroy(new Error('timeout'))); req.on('error', (e) => finish(null, e.message));
}
function end() { lat.sort((x, y) => x - y); const q = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] || 0;
  console.log(JSON.stringify({ sent, answeredBy: by, failed, failedBy, failures, seconds: (Date.now() - t0) / 1000, p50Ms: q(0.5), p99Ms: q(0.99) })); }
const tick = setInterval(() => { const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate)); while (started < due && inflight < 512) { started++; one(); } if (started >= total) clearInterval(tick); }, 10);
`;

/** Sends `total` requests at `rate`/s from the client pod to `url`; resolves with what it saw. */
export function runLoad(ns: string, clientPod: string,
  o: { url: string; total: number; rate: number; keys: number; seed: number; /** kubectl.sh (bundled benches resolve it from the repository root) */ kubectl?: string }): Promise<LoadReport> {
  const argv = ['exec', '-n', ns, clientPod, '--', '/usr/bin/node', '-e', CLIENT, o.url, String(o.total), String(o.rate), String(o.keys), String(o.seed)];
  const timeout = Math.ceil(o.total / o.rate) * 1000 + 120_000;
  return new Promise((res, rej) => execFile(o.kubectl ?? KUBECTL, argv, { timeout, maxBuffer: 16 << 20 },
    (err, stdout, stderr) => (err ? rej(new Error(`load client: ${stderr || err.message}`)) : res(JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as LoadReport))));
}

/** Resident memory of a host process in MB (the agent's, found by hostPidOfContainer). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Requests answered by someone other than the expected session (or the pod for 'none'). */
export function misrouted(report: LoadReport): number {
  let wrong = 0;
  for (const [key, by] of Object.entries(report.answeredBy)) {
    const right = key === 'none' ? 'pod' : `s${key.slice(1)}`;
    for (const [who, n] of Object.entries(by)) if (who !== right) wrong += n;
  }
  return wrong;
}
