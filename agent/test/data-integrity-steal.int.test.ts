// No data lost on the incoming relays (issue 14, item 2): a stolen connection, an HTTP-filtered
// one routed to the workstation, and one passed through to the original app by the filter each
// carry 8 MiB of random bytes to the pod-side client, whose sha256 must match while the
// subscription ends, the session ends, or the tunnel drops. Where the relay cannot survive (the
// tunnel cut mid-answer, the agent killed) both ends must see an error, never a clean end.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent, type AgentSession, type IncomingConnection } from '#runtime/tunnel/agent-session.js';
import { afterBytes, droppableSession, randomPayload, receiveAll, type Payload } from './helpers/integrity.js';
import { rawReceiver } from './helpers/raw-recv.js';

const SIZE = 8 * 1024 * 1024;
const HEAD = `HTTP/1.1 200 OK\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`;
let ns: TestNetns;
let agent: LocalAgent;
let port: number;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  const app = ns.spawn(process.execPath, [new URL('./fixtures/pod-payload-server.mjs', import.meta.url).pathname]);
  port = await new Promise<number>((resolve, reject) => {
    app.stdout?.on('data', (d: Buffer) => { const m = /ready (\d+)/.exec(d.toString()); if (m) resolve(Number(m[1])); });
    app.once('exit', (code) => reject(new Error(`pod app exited (${code})`)));
  });
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
});

afterAll(async () => {
  try { await agent?.stop(); } finally { cleanupAll(); }
});

/** A pod-side client (through the veth) sending `request`; resolves with what it received after `skip` header bytes. */
function podClient(request: string, skip: number): { socket: net.Socket; received: ReturnType<typeof receiveAll> } {
  const socket = net.connect({ host: ns.podIp, port });
  socket.on('connect', () => socket.write(request));
  return { socket, received: receiveAll(socket, skip) };
}

/** The workstation program: answers the first request with HEAD + payload, then runs `after` at once. */
function answerThen(payload: Payload, after: (conn: IncomingConnection) => void): (conn: IncomingConnection) => void {
  return (conn) => {
    conn.on('error', () => undefined);
    conn.once('data', () => {
      conn.write(HEAD);
      conn.end(payload.bytes);
      after(conn);
    });
  };
}

async function session(name: string): Promise<AgentSession> {
  return connectAgent({ url: agent.url, token: agent.token, clientName: name });
}

describe.each([
  ['unfiltered steal', undefined],
  ['http_filter steal (matching request)', { pathFilter: '^/api/' }],
])('%s: the workstation answer reaches the pod whole', (_name, httpFilter) => {
  const sub = (s: AgentSession, onConn: (c: IncomingConnection) => void) => s.subscribe({ port, mode: 'steal', ...(httpFilter ? { httpFilter } : {}) }, onConn);

  it('when the subscription ends right after the answer', async () => {
    const payload = randomPayload(SIZE);
    const s = await session('unsubscribe');
    let subscription: Awaited<ReturnType<typeof sub>> | undefined;
    subscription = await sub(s, answerThen(payload, () => void subscription?.close()));
    const got = await podClient('GET /api/x HTTP/1.1\r\nHost: pod\r\n\r\n', HEAD.length).received;
    expect(got).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await s.close();
  });

  it('when the session ends right after the answer (a recv() reader: a FIN, not a reset)', async () => {
    const payload = randomPayload(SIZE);
    const s = await session('session-end');
    await sub(s, answerThen(payload, () => void s.close()));
    const got = await rawReceiver(ns.podIp, port, Buffer.from('GET /api/x HTTP/1.1\r\nHost: pod\r\n\r\n'), HEAD.length).received;
    expect(got).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
  });

  it('when the tunnel drops mid-answer: the pod client and the program see a reset, not a clean end', async () => {
    const { session: s, drop } = await droppableSession(agent, 'drop');
    let programSaw: Promise<string> | undefined;
    await sub(s, (conn) => {
      programSaw = new Promise((resolve) => { conn.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')); conn.once('finish', () => resolve('finished')); });
      conn.once('data', () => { conn.write(HEAD); conn.write(randomPayload(SIZE).bytes); });
    });
    const client = rawReceiver(ns.podIp, port, Buffer.from('GET /api/x HTTP/1.1\r\nHost: pod\r\n\r\n'), HEAD.length);
    await client.midway;
    drop();
    expect(await programSaw).toBe('UNAVAILABLE');
    const got = await client.received;
    expect(got.how).toBe('ECONNRESET');
    expect(got.length).toBeLessThan(SIZE);
  });
});

describe('http_filter steal: a request passed through to the original app', () => {
  it('reaches the pod whole while the session ends', async () => {
    const s = await session('passthrough');
    await s.subscribe({ port, mode: 'steal', httpFilter: { pathFilter: '^/api/' } }, (c) => c.destroy());
    const socket = net.connect({ host: ns.podIp, port });
    socket.write(`GET /bytes/${SIZE} HTTP/1.1\r\nHost: pod\r\nConnection: close\r\n\r\n`);
    const raw: Buffer[] = [];
    socket.on('data', (c: Buffer) => raw.push(c));
    await afterBytes(socket, 1024 * 1024);
    await s.close();
    const how = await new Promise<string>((resolve) => { socket.once('end', () => resolve('end')); socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')); });
    const all = Buffer.concat(raw);
    const split = all.indexOf('\r\n\r\n') + 4;
    const want = /x-sha256: ([0-9a-f]+)/i.exec(all.subarray(0, split).toString())?.[1];
    const { sha256 } = await import('./helpers/integrity.js');
    expect({ how, length: all.length - split, sha: sha256(all.subarray(split)) }).toEqual({ how: 'end', length: SIZE, sha: want });
  });
});

describe('the agent killed mid-answer', () => {
  it('the program sees the stream fail, the pod client a reset, and a new agent serves the port again', async () => {
    const s = await session('kill');
    let programSaw: Promise<string> | undefined;
    await s.subscribe({ port, mode: 'steal' }, (conn) => {
      programSaw = new Promise((resolve) => { conn.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')); conn.once('finish', () => resolve('finished')); });
      conn.once('data', () => { conn.write(HEAD); conn.write(randomPayload(SIZE).bytes); });
    });
    const client = rawReceiver(ns.podIp, port, Buffer.from('GET / HTTP/1.1\r\nHost: pod\r\n\r\n'), HEAD.length);
    await client.midway;
    process.kill(agent.pid, 'SIGKILL');
    expect(await programSaw).toBe('UNAVAILABLE');
    // The agent's pod-side socket has SO_LINGER {on, 0}: its death is a reset, not a clean short end.
    expect((await client.received).how).toBe('ECONNRESET');
    agent = await startLocalAgent({ target: `netns/${ns.name}` });
    const payload = randomPayload(SIZE);
    const again = await session('after-restart');
    await again.subscribe({ port, mode: 'steal' }, answerThen(payload, () => undefined));
    expect(await podClient('GET / HTTP/1.1\r\nHost: pod\r\n\r\n', HEAD.length).received).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await again.close();
  });
});
