// Incoming traffic end to end: the real agent process (dist/kmirror-agent.js) against a netns
// target, driven through the workstation client API (connectAgent + subscribe). Steal, mirror
// and filtered steal through the tunnel; client disconnect detaches at once; and crash safety:
// kill -9 of the agent while a client loop runs gives traffic back to the original app as soon
// as the agent is gone and leaves no BPF program, map or link behind.
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent, type AgentSession, type IncomingConnection } from '#runtime/tunnel/agent-session.js';
import { heldBpf, startPodServer, stillLoaded, waitFor } from './helpers/pod.js';
import { requestBytes } from './fixtures/request-bytes.mjs';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';

const PORT = 8080;
let ns: TestNetns;
let agent: LocalAgent | undefined;
let session: AgentSession | undefined;
let fds: FdBaseline | undefined;

/** A GET with a hang guard (generous: a slow machine must not turn it into a speed check). */
function get(url: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** The workstation app: answers each request on a stolen connection. */
function serveStolen(conn: IncomingConnection): void {
  let buf = '';
  conn.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
      const [method, url] = buf.slice(0, end).split(' ');
      buf = buf.slice(end + 4);
      const text = `WORKSTATION ${method} ${url} from=${conn.source.address}`;
      conn.write(`HTTP/1.1 200 OK\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    }
  });
  conn.on('end', () => conn.end());
  conn.on('error', () => {});
}

let podPid = 0;

async function start(target = `netns/${ns.name}`): Promise<AgentSession> {
  agent = await startLocalAgent({ target });
  fds = fdBaseline(agent.pid);
  session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'incoming-test' });
  return session;
}

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  podPid = await startPodServer(ns, PORT);
});

afterEach(async () => {
  await session?.close().catch(() => undefined);
  try {
    await fds?.expectNoGrowth('the scenario'); // an agent killed by the scenario holds none
  } finally {
    await agent?.stop();
    session = undefined;
    agent = undefined;
    fds = undefined;
  }
});

afterAll(() => cleanupAll());

describe('incoming traffic through the agent', () => {
  it('steals, mirrors and filters through the tunnel', async () => {
    const s = await start();
    expect([...s.capabilities]).toEqual(expect.arrayContaining(['steal', 'mirror', 'steal-http-filter']));
    const steal = await s.subscribe({ port: PORT, mode: 'steal' }, serveStolen);
    expect(steal.listen).toMatchObject({ address: '::', port: expect.any(Number) });
    expect(await get(`http://${ns.podIp}:${PORT}/x`)).toBe(`WORKSTATION GET /x from=${ns.hostIp}`);
    await steal.close();
    expect(await get(`http://${ns.podIp}:${PORT}/y`)).toMatch(/^ORIGINAL GET \/y/);

    const copies: Buffer[] = [];
    let ended = false;
    const mirror = await s.subscribe({ port: PORT, mode: 'mirror' }, (conn) => {
      conn.on('data', (d: Buffer) => copies.push(d));
      conn.on('end', () => (ended = true));
      conn.on('error', () => {});
    });
    const body = requestBytes(300_000, 5, 1);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(`http://${ns.podIp}:${PORT}/upload/0`, { method: 'POST', agent: false }, (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end(body.subarray(body.indexOf('\r\n\r\n') + 4));
    });
    expect(answer).toMatch(/^ORIGINAL POST \/upload\/0 len=300000/);
    await waitFor('mirrored copy', () => (ended ? true : undefined), 10_000);
    expect(Buffer.concat(copies).toString('latin1')).toMatch(/^POST \/upload\/0 HTTP\/1.1\r\n/);
    expect(Buffer.concat(copies).subarray(-300_000).equals(body.subarray(-300_000))).toBe(true);
    await mirror.close();

    const filtered = await s.subscribe({ port: PORT, mode: 'steal', httpFilter: { pathFilter: '^/api/' } }, serveStolen);
    expect(await get(`http://${ns.podIp}:${PORT}/api/v1`)).toBe(`WORKSTATION GET /api/v1 from=${ns.hostIp}`);
    expect(await get(`http://${ns.podIp}:${PORT}/health`)).toMatch(/^ORIGINAL GET \/health/);
    await filtered.close();
  });

  it('steals for a pid/N target (the namespace of a process)', async () => {
    const s = await start(`pid/${podPid}`);
    const steal = await s.subscribe({ port: PORT, mode: 'steal' }, serveStolen);
    expect(await get(`http://${ns.podIp}:${PORT}/pid`)).toBe(`WORKSTATION GET /pid from=${ns.hostIp}`);
    await steal.close();
  });

  it('refuses a second unfiltered steal from another client with ALREADY_EXISTS and detaches when a client disconnects', async () => {
    const s = await start();
    const other = await connectAgent({ url: (agent as LocalAgent).url, token: (agent as LocalAgent).token });
    try {
      await s.subscribe({ port: PORT, mode: 'steal' }, serveStolen);
      const err = await other.subscribe({ port: PORT, mode: 'steal' }, () => {}).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'ALREADY_EXISTS' });
      const bad = await other.subscribe({ port: 70000, mode: 'steal' }, () => {}).then(() => undefined, (e: unknown) => e);
      expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await get(`http://${ns.podIp}:${PORT}/`)).toMatch(/^WORKSTATION/);
      await s.close(); // the stealing client goes away
      await waitFor('traffic back to the original app', async () => (/^ORIGINAL/.test(await get(`http://${ns.podIp}:${PORT}/`)) ? true : undefined));
      await other.subscribe({ port: PORT, mode: 'steal' }, serveStolen); // the port is free again
      expect(await get(`http://${ns.podIp}:${PORT}/`)).toMatch(/^WORKSTATION/);
    } finally {
      await other.close();
    }
  });

  it('gives traffic back at once after kill -9 and leaves no BPF object behind', async () => {
    const s = await start();
    await s.subscribe({ port: PORT, mode: 'steal' }, serveStolen);
    await s.subscribe({ port: 9999, mode: 'mirror' }, () => {});
    const held = heldBpf((agent as LocalAgent).pid);
    const loaded = await stillLoaded(held);
    expect(loaded.filter((o) => /km_steal$|km_mirror_tcx$|km_mirror_egr$/.test(o))).toHaveLength(3);
    expect(loaded.filter((o) => o.startsWith('link '))).toHaveLength(1 + 4); // sk_lookup + tcx ingress and egress (km_mirror_egr) on veth and lo
    // Ordered by events, not by a clock: a request that starts once the agent process is gone
    // (reaped) must reach the original app; only requests in flight around the kill may fail.
    // How fast traffic comes back is a figure of bench/chaos.ts.
    const results: Array<{ afterGone: boolean; ok: boolean; body: string }> = [];
    let gone = false;
    let running = true;
    const loop = (async () => {
      while (running) {
        const afterGone = gone;
        try {
          results.push({ afterGone, ok: true, body: await get(`http://${ns.podIp}:${PORT}/loop`) }); // one in flight at the kill may wait out the guard
        } catch (err) {
          results.push({ afterGone, ok: false, body: String(err) });
        }
      }
    })();
    await waitFor('stolen requests in the loop', () => (results.filter((r) => r.body.startsWith('WORKSTATION')).length >= 20 ? true : undefined));
    const pid = (agent as LocalAgent).pid;
    process.kill(pid, 'SIGKILL');
    await waitFor('agent gone', () => { try { process.kill(pid, 0); return undefined; } catch { gone = true; return true; } }, 10_000);
    await waitFor('original answers after the agent is gone', () => (results.filter((r) => r.afterGone && r.body.startsWith('ORIGINAL')).length >= 50 ? true : undefined), 60_000);
    running = false;
    await loop;
    const after = results.filter((r) => r.afterGone);
    expect(after.filter((r) => !r.body.startsWith('ORIGINAL')).slice(0, 3)).toEqual([]);
    expect(await stillLoaded(held)).toEqual([]);
  });
});
