// `kmirror record` (dist/kmirror.js) against a netns target running a real server, with clients
// on the host reaching it over the veth (mirror: the server keeps answering). Both directions of
// every connection must land in the file byte-exact; --only-failing keeps exactly the 5xx and
// reset exchanges, --http-filter exactly the matching requests; raw TCP and h2c connections are kept whole; limits, a killed agent and a
// full disk stop or gap the recording as documented.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { readRecordingFile } from '#runtime/recording/reader.js';
import { RawHttpConnection, recordingProxy, request, sha256, type ConnectionBytes } from './helpers/raw-client.js';
import { CLI, recordedConnections, startRecord, waitForRecording, type RecordRun } from './helpers/record-cli.js';
import { runWorkload } from './helpers/workload.js';

let ns: TestNetns;
let ports: { http: number; h2: number; raw: number };
const dir = mkdtempSync(join(tmpdir(), 'kmrec-record-'));
const runs: RecordRun[] = [];

async function record(args: string[]): Promise<RecordRun> {
  const run = await startRecord(['--target', `netns/${ns.name}`, ...args]);
  runs.push(run);
  return run;
}

function expectSameBytes(file: string, clients: ConnectionBytes[]): void {
  const recorded = recordedConnections(readRecordingFile(file));
  for (const c of clients) {
    const r = recorded.get(c.localPort);
    expect(r, `connection from port ${c.localPort} recorded`).toBeDefined();
    expect(sha256(r!.request), `request bytes of ${c.localPort}: ${firstDifference(r!.request, c.sent)}`).toBe(sha256(c.sent));
    expect(sha256(r!.response), `response bytes of ${c.localPort}: ${firstDifference(r!.response, c.received)}`).toBe(sha256(c.received));
  }
}

/** Where recorded bytes first differ from the client's, for the failure message. */
function firstDifference(recorded: Buffer[], client: Buffer[]): string {
  const a = Buffer.concat(recorded);
  const b = Buffer.concat(client);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (x: Buffer): string => JSON.stringify(x.subarray(Math.max(0, i - 16), i + 32).toString('latin1'));
  return i === a.length && i === b.length ? 'same' : `${a.length} recorded vs ${b.length} bytes, first difference at ${i}: ${show(a)} vs ${show(b)}`;
}

const allClosed = (clients: ConnectionBytes[]) => (read: Parameters<typeof recordedConnections>[0]): boolean => {
  const rec = recordedConnections(read);
  return clients.every((c) => rec.get(c.localPort)?.closed);
};

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  const child = ns.spawn(process.execPath, [join(import.meta.dirname, 'fixtures/record-target.mjs')]);
  ports = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('}')) resolve(JSON.parse(out)); });
    child.once('exit', (code) => reject(new Error(`target server exited (${code})`)));
    setTimeout(() => reject(new Error('target server not ready in 10 s')), 10_000).unref();
  });
});

afterAll(async () => {
  for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  cleanupAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('kmirror record', () => {
  it('records 1,000 HTTP/1.1 requests (keep-alive, new connections, pipelined, chunked, 1 MiB bodies) byte-exact in both directions', async () => {
    const file = join(dir, 'load.kmrec');
    const run = await record(['--port', String(ports.http), '-o', file]);
    const clients = await runWorkload(ns.podIp, ports.http, { requests: 1000, lanes: 8, intervalMs: 50 });
    await waitForRecording(file, 'every connection closed', allClosed(clients), 30_000);
    expect(await run.stop()).toBe(0);
    const read = readRecordingFile(file);
    expect(read.end?.reason).toBe('interrupted');
    expect(read.records.filter((r) => r.type === 'gap')).toEqual([]);
    expect(read.records.filter((r) => r.type === 'exchange')).toHaveLength(1000);
    expectSameBytes(file, clients);
    expect(run.stdout()).toMatch(/1000 HTTP exchanges/);
  }, 90_000);

  it('--only-failing keeps exactly the 5xx and reset exchanges of a mixed workload', async () => {
    const file = join(dir, 'failing.kmrec');
    const run = await record(['--port', String(ports.http), '--only-failing', '-o', file]);
    const keepAlive = await RawHttpConnection.open(ns.podIp, ports.http);
    await keepAlive.exchange(request('GET', '/ok?a'));
    await keepAlive.exchange(request('GET', '/fail?1'));
    await keepAlive.exchange(request('POST', '/ok?b', { body: Buffer.alloc(5000, 'x') }));
    await keepAlive.exchange(request('GET', '/fail?2'), request('GET', '/ok?c'), request('GET', '/fail?3')); // pipelined
    await keepAlive.close();
    const thenReset = await RawHttpConnection.open(ns.podIp, ports.http);
    await thenReset.exchange(request('GET', '/ok?d'));
    await thenReset.exchangeReset(request('GET', '/reset?1'));
    const onlyOk = await RawHttpConnection.open(ns.podIp, ports.http);
    await onlyOk.exchange(request('GET', '/ok?e'));
    await onlyOk.close();
    const reset = await RawHttpConnection.open(ns.podIp, ports.http);
    await reset.exchangeReset(request('POST', '/reset?2', { body: Buffer.from('payload') }));
    await waitForRecording(file, '5 failing exchanges', (r) => r.records.filter((x) => x.type === 'exchange').length >= 5);
    expect(await run.stop()).toBe(0);
    const read = readRecordingFile(file);
    const kept = read.records.flatMap((r) => (r.type === 'exchange' ? [`${r.path} ${r.status}${r.reset ? ' reset' : ''}`] : []));
    expect(kept.sort()).toEqual(['/fail?1 500', '/fail?2 500', '/fail?3 500', '/reset?1 0 reset', '/reset?2 0 reset']);
    const kept_bytes = Buffer.concat(read.records.flatMap((r) => (r.type === 'segment' ? [Buffer.from(r.bytes)] : []))).toString('latin1');
    expect(kept_bytes).not.toMatch(/\/ok\?/);
    expect(read.end?.dropped).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('--http-filter keeps exactly the exchanges whose request matches (non-HTTP dropped); an invalid pattern stops before anything starts', async () => {
    const file = join(dir, 'filtered.kmrec');
    const run = await record(['--port', String(ports.http), '--port', String(ports.raw), '--http-filter', 'x-user: a', '-o', file]);
    const user = (u: string) => ({ headers: [`x-user: ${u}`] });
    const other = await RawHttpConnection.open(ns.podIp, ports.http);
    await other.exchange(request('GET', '/ok?b0', user('b')));
    await other.close();
    const raw = net.connect(ports.raw, ns.podIp, () => raw.write('PING a\nBYE\n'));
    await once(raw.resume(), 'close');
    const c = await RawHttpConnection.open(ns.podIp, ports.http);
    await c.exchange(request('GET', '/ok?a1', user('a')));
    await c.exchange(request('GET', '/fail?b1', user('b')));
    await c.exchange(request('POST', '/ok?none', { body: Buffer.from('x-user: a') }));
    await c.exchange(request('GET', '/fail?a2', user('a')), request('GET', '/ok?b2', user('b')), request('GET', '/ok?a3', user('a'))); // pipelined
    await c.close();
    // the connection's exchanges are decided in order: once /ok?a3 is in the file, all of its others are
    await waitForRecording(file, 'the last "a" exchange', (r) => r.records.some((x) => x.type === 'exchange' && x.path === '/ok?a3'));
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toContain("only requests matching x-user: a");
    const ls = JSON.parse(execFileSync(process.execPath, [CLI, 'recording', 'ls', file, '--json'], { encoding: 'utf8' }));
    expect(ls.header.httpFilter).toBe('x-user: a');
    expect(ls.items.map((i: { kind: string; path: string; status: number }) => `${i.kind} ${i.path} ${i.status}`))
      .toEqual(['exchange /ok?a1 200', 'exchange /fail?a2 500', 'exchange /ok?a3 200']);
    expect(readRecordingFile(file).end?.dropped).toBeGreaterThanOrEqual(3);
    expect(run.stdout()).toMatch(/dropped \(not matching --http-filter\)/);
    // before anything starts: no agent, no file
    const bad = spawn(process.execPath, [CLI, 'record', '--target', `netns/${ns.name}`, '--port', String(ports.http), '--http-filter', 'x-user: (a', '-o', join(dir, 'bad.kmrec')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(bad, 'exit');
    expect(code).toBe(2);
    expect(err).toMatch(/--http-filter\.header_filter: invalid regex at position 10 \(Unterminated group\):\n {2}x-user: \(a\n {12}\^/);
    expect(existsSync(join(dir, 'bad.kmrec'))).toBe(false);
  }, 60_000);

  it('records a raw TCP protocol connection and an HTTP/2 (h2c) connection whole', async () => {
    const file = join(dir, 'whole.kmrec');
    const run = await record(['--port', String(ports.raw), '--port', String(ports.h2), '-o', file]);
    const rawProxy = await recordingProxy(ns.podIp, ports.raw);
    const h2Proxy = await recordingProxy(ns.podIp, ports.h2);
    try {
      const { default: net } = await import('node:net');
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(rawProxy.port, '127.0.0.1', () => s.write('PING one\nPING two\n'));
        let got = '';
        let saidBye = false;
        s.on('data', (d) => {
          got += d.toString();
          if (got.includes('PONG two') && !saidBye) { saidBye = true; s.write('PING three\nBYE\n'); }
        });
        s.on('close', () => resolve());
        s.on('error', reject);
      });
      const session = http2.connect(`http://127.0.0.1:${h2Proxy.port}`);
      for (const path of ['/a', '/b', '/c']) {
        await new Promise<void>((resolve, reject) => {
          const req = session.request({ ':path': path });
          req.on('data', () => {});
          req.on('end', () => resolve());
          req.on('error', reject);
          req.end();
        });
      }
      await new Promise<void>((resolve) => session.close(() => resolve()));
      const clients = [...rawProxy.connections, ...h2Proxy.connections];
      expect(clients).toHaveLength(2);
      await waitForRecording(file, 'both connections closed', allClosed(clients));
      expect(await run.stop()).toBe(0);
      expectSameBytes(file, clients);
      const read = readRecordingFile(file);
      expect(read.records.filter((r) => r.type === 'exchange')).toEqual([]); // not HTTP/1.x: kept as whole connections
    } finally {
      await rawProxy.close();
      await h2Proxy.close();
    }
  }, 60_000);

  it('stops by itself at --max-requests and at --duration, with the summary (and a progress line on a terminal)', async () => {
    const file = join(dir, 'limit.kmrec');
    const run = await record(['--port', String(ports.http), '--max-requests', '5', '-o', file]);
    const c = await RawHttpConnection.open(ns.podIp, ports.http);
    for (let i = 0; i < 20 && run.child.exitCode === null; i++) await c.exchange(request('GET', `/ok?${i}`)).catch(() => undefined);
    expect(await run.exited).toBe(0);
    await c.close();
    expect(run.stdout()).toMatch(/--max-requests 5 reached/);
    const read = readRecordingFile(file);
    expect(read.end?.reason).toMatch(/--max-requests 5 reached/);
    expect(read.records.filter((r) => r.type === 'exchange').length).toBe(5);
    // On a terminal (script(1) gives it a pty) a progress line is redrawn until the end.
    const command = [process.execPath, CLI, 'record', '--target', `netns/${ns.name}`, '--port', String(ports.http), '--duration', '2s', '-o', join(dir, 'timed.kmrec')];
    const tty = spawn('script', ['-qfec', command.join(' '), '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    tty.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const [code] = await once(tty, 'exit');
    expect(code).toBe(0);
    expect(screen).toMatch(/\r\x1b\[K\d+s · \d+ requests · \d+ connections · \d+ B · no gaps/);
    expect(screen).toMatch(/stopped \(--duration reached\)/);
    expect(readRecordingFile(join(dir, 'timed.kmrec')).end?.reason).toBe('--duration reached');
  }, 60_000);

  it('a killed agent is a gap in the file and the recording resumes with a new agent', async () => {
    const file = join(dir, 'gap.kmrec');
    const run = await record(['--port', String(ports.http), '-o', file]);
    const before = await RawHttpConnection.open(ns.podIp, ports.http);
    await before.exchange(request('GET', '/ok?before'));
    await waitForRecording(file, 'the first exchange', (r) => r.records.some((x) => x.type === 'exchange'));
    const agentPid = Number(execFileSync('pgrep', ['-P', String(run.child.pid), '-f', 'kmirror-agent'], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(agentPid, 'SIGKILL');
    await waitForRecording(file, 'a session-wide gap', (r) => r.records.some((x) => x.type === 'gap' && x.conn === null));
    await waitFor(run, /recording resumed/);
    const after = await RawHttpConnection.open(ns.podIp, ports.http);
    await after.exchange(request('GET', '/ok?after'));
    await after.close();
    await waitForRecording(file, 'the exchange after the gap', (r) => r.records.some((x) => x.type === 'exchange' && x.path === '/ok?after'));
    expect(await run.stop()).toBe(0);
    const read = readRecordingFile(file);
    const order = read.records.flatMap((r) => (r.type === 'exchange' ? [r.path] : r.type === 'gap' && r.conn === null ? ['GAP'] : []));
    expect(order).toEqual(['/ok?before', 'GAP', '/ok?after']);
    await before.close().catch(() => undefined);
  }, 60_000);

  it('stops with a clear message on a full disk and on an unwritable output; the file stays readable', async () => {
    const small = join(dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'kmrec-test', small]);
    try {
      const file = join(small, 'full.kmrec');
      const run = await record(['--port', String(ports.http), '-o', file]);
      const c = await RawHttpConnection.open(ns.podIp, ports.http);
      await c.exchange(request('GET', '/big'));
      await c.close();
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toMatch(/the disk is full/);
      const read = readRecordingFile(file);
      expect(read.header.ports).toEqual([ports.http]);
      expect(read.records.some((r) => r.type === 'segment')).toBe(true);
    } finally {
      for (const r of runs) if (r.child.exitCode === null) { r.child.kill('SIGKILL'); await r.exited; }
      execFileSync('umount', ['-l', small]); // lazy: never left mounted, even if something still holds it
    }
    const bad = await startRecord(['--target', `netns/${ns.name}`, '--port', String(ports.http), '-o', join(dir, 'missing-dir', 'x.kmrec')]).catch((e: Error) => e);
    expect(bad).toBeInstanceOf(Error);
    expect(String(bad)).toMatch(/cannot write the recording .*missing-dir/);
  }, 60_000);
});

async function waitFor(run: RecordRun, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(run.stderr())) {
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`kmirror record never printed ${pattern}:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
