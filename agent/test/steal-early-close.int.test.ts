// Issue 21: under an HTTP-filtered steal, a pod-side connection that ends before a whole request
// head — a plain connect-and-close (a kubelet tcpSocket probe, a load-balancer health check) or
// three non-HTTP bytes then close, from outside or through the tunnel — used to stay in
// CLOSE-WAIT in the agent forever. Now the agent closes the first and hands the second to the
// original app as it is; its descriptors come back to their count before the connections.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent, type AgentSession, type IncomingConnection } from '#runtime/tunnel/agent-session.js';
import { fdBaseline } from './helpers/fd-count.js';
import { startPodServer } from './helpers/pod.js';

const PORT = 8080;
const NON_HTTP = Buffer.from([0x16, 0x03, 0x01]); // the start of a TLS record
let ns: TestNetns;
let agent: LocalAgent;
let session: AgentSession;

/** What a pod-side client sees: bytes sent, then FIN; resolves with the answer once the agent closes. */
function sendAndClose(bytes: Buffer): Promise<{ answer: string; how: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ns.podIp, port: PORT });
    let answer = '';
    s.on('connect', () => s.end(bytes));
    s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ answer, how: e.code ?? 'error' }));
    s.on('close', () => resolve({ answer, how: 'closed' }));
  });
}

function serveStolen(conn: IncomingConnection): void {
  conn.on('data', () => conn.end('HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nWORKSTATION'));
  conn.on('error', () => undefined);
}

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  await startPodServer(ns, PORT);
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
  session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'early-close' });
  await session.subscribe({ port: PORT, mode: 'steal', httpFilter: { pathFilter: '^/api/' } }, serveStolen);
});

afterAll(async () => {
  try {
    await session?.close();
  } finally {
    await agent?.stop();
    cleanupAll();
  }
});

describe('filtered steal: connections that end before a request', () => {
  it('closes 20 connect-and-close connections (tcpSocket probes) and holds no descriptor for them', async () => {
    const fds = fdBaseline(agent.pid);
    const results = await Promise.all(Array.from({ length: 20 }, () => sendAndClose(Buffer.alloc(0))));
    expect(results).toEqual(Array.from({ length: 20 }, () => ({ answer: '', how: 'closed' })));
    await fds.expectNoGrowth('20 connect-and-close connections');
  });

  it('hands 3 non-HTTP bytes then FIN to the original app, whose answer reaches the client', async () => {
    const fds = fdBaseline(agent.pid);
    const r = await sendAndClose(NON_HTTP);
    expect(r.how).toBe('closed');
    expect(r.answer).toMatch(/^HTTP\/1\.1 400 Bad Request/); // the original app's parser refused them
    await fds.expectNoGrowth('a non-HTTP connection');
  });

  it('the same through the tunnel: a TcpConnect to the stolen port that sends 3 bytes and closes', async () => {
    const fds = fdBaseline(agent.pid);
    const other = await connectAgent({ url: agent.url, token: agent.token, clientName: 'tunnel-client' });
    for (const bytes of [NON_HTTP, Buffer.alloc(0)]) {
      const sock = await other.connectTcp(ns.podIp, PORT, { allowHalfOpen: true });
      const answer = await new Promise<string>((resolve, reject) => {
        let got = '';
        sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
        sock.on('end', () => resolve(got));
        sock.on('error', reject);
        sock.end(bytes);
      });
      expect(answer).toMatch(bytes.length > 0 ? /^HTTP\/1\.1 400 Bad Request/ : /^$/);
      sock.destroy();
    }
    await other.close();
    await fds.expectNoGrowth('tunnel connections that closed early');
  });

  it('still routes whole requests by the filter afterwards', async () => {
    const api = await sendAndClose(Buffer.from('GET /api/x HTTP/1.1\r\nHost: pod\r\n\r\n'));
    expect(api.answer).toMatch(/WORKSTATION$/);
    const other = await sendAndClose(Buffer.from('GET /health HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n'));
    expect(other.answer).toMatch(/ORIGINAL GET \/health/);
  });
});
