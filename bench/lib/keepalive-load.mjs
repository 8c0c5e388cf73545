// Load generator for bench/soak.ts and bench/chaos.ts, run as its own process so that its memory
// and CPU are not counted as the proxy's. N keep-alive connections (one http.Agent with one socket
// each) each send GET every intervalMs for `seconds`. Every 100 ms it prints a JSON line with that
// bucket's outcomes (`at`: the bucket's end, epoch ms): answered by the local program (body starts with "local"), by anyone else,
// failed (error, timeout, bad status; `errors`: how many of each kind), and new connections opened.
// A last line has the totals.
// It ends early when its stdin closes (the bench stopped it; also through `kubectl exec -i`).
// argv (the last four, so that `node -e` works too): url connections seconds intervalMs
import http from 'node:http';

const [url, connections, seconds, intervalMs] = process.argv.slice(-4);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
const N = Number(connections);
const END = Date.now() + Number(seconds) * 1000;
const INTERVAL = Number(intervalMs);
const TIMEOUT_MS = 5_000;

let bucket = { local: 0, other: 0, failed: 0, opened: 0 };
const totals = { sent: 0, local: 0, other: 0, failed: 0, opened: 0 };
const errors = new Map();
const latencies = [];

function once(agent) {
  return new Promise((resolve) => {
    const started = performance.now();
    totals.sent++;
    let settled = false;
    const fail = (why) => {
      if (settled) return;
      settled = true; bucket.failed++; totals.failed++; errors.set(why, (errors.get(why) ?? 0) + 1);
      bucket.errors = { ...bucket.errors, [why]: (bucket.errors?.[why] ?? 0) + 1 };
      resolve();
    };
    const req = http.get(url, { agent, timeout: TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return fail(`status ${res.statusCode}`);
        if (settled) return;
        settled = true;
        latencies.push(performance.now() - started);
        if (body.startsWith('local')) { bucket.local++; totals.local++; } else { bucket.other++; totals.other++; }
        resolve();
      });
      res.on('error', (e) => fail(e.code ?? e.message));
    });
    req.on('socket', (s) => { if (!req.reusedSocket) { bucket.opened++; totals.opened++; } s.setMaxListeners(0); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => fail(e.code ?? e.message));
  });
}

async function connection(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise((r) => setTimeout(r, (i * INTERVAL) / N)); // spread the connections over one interval
  while (Date.now() < END) {
    const started = Date.now();
    await once(agent);
    const wait = INTERVAL - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  agent.destroy();
}

const flush = setInterval(() => {
  process.stdout.write(`${JSON.stringify({ at: Date.now(), ...bucket })}\n`);
  bucket = { local: 0, other: 0, failed: 0, opened: 0 };
}, 100);
await Promise.all(Array.from({ length: N }, (_, i) => connection(i)));
clearInterval(flush);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
process.stdout.write(`${JSON.stringify({ at: Date.now(), ...bucket })}\n`);
process.stdout.write(`${JSON.stringify({ done: true, ...totals, p50Ms: pct(50), p99Ms: pct(99), errors: Object.fromEntries(errors) })}\n`);
process.exit(0); // stdin (kept open to stop us early) would keep the process alive
