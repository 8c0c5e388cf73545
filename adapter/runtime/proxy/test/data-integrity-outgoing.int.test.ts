// No data lost on outgoing TCP (issue 14, item 2), through the local proxy's relay and a real
// agent in a network namespace: a program uploads 8 MiB of random bytes and exits at once (the
// session ends right behind it), or uploads after the target half-closed first; the target's
// sha256 must match. Where the relay cannot survive (the tunnel dropped mid-transfer) the program
// and the target must see a reset, never a clean end after missing bytes.
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { closeFixtures, tcpServerInside } from '../../../../agent/test/helpers/target-fixture.js';
import { droppableSession, randomPayload, receiveAll, type Received } from '../../../../agent/test/helpers/integrity.js';
import { rawReceiver } from '../../../../agent/test/helpers/raw-recv.js';
import { drainRelays, type JoinedRelay } from '../relay-drain.js';
import { relayTcp, type TcpCounters } from '../tcp-relay.js';

const SIZE = 8 * 1024 * 1024;
let ns: TestNetns;
let agent: LocalAgent;
/** What the target's server saw on its latest connection. */
let targetGot: Promise<Received>;
let targetSocket: Promise<Socket>;
let uploadPort = 0;
let halfClosePort = 0;
let downloadPort = 0;

const counters = (): TcpCounters => ({ connections: 0, active: 0, workstationToPodBytes: 0, podToWorkstationBytes: 0 });

function expectConnection(): (s: Socket) => void {
  let accept!: (s: Socket) => void;
  targetSocket = new Promise((resolve) => { accept = resolve; });
  targetGot = targetSocket.then((s) => receiveAll(s));
  return accept;
}
let onTarget: (s: Socket) => void = () => undefined;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  uploadPort = (await tcpServerInside(ns, (s) => { s.on('error', () => undefined); onTarget(s); })).port;
  // Half-closes first (FIN right after accept), then reads everything.
  halfClosePort = (await tcpServerInside(ns, (s) => { s.on('error', () => undefined); s.end(); onTarget(s); })).port;
  downloadPort = (await tcpServerInside(ns, (s) => { s.on('error', () => undefined); s.write(randomPayload(SIZE).bytes); onTarget(s); })).port;
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
});

afterAll(async () => {
  try { await agent?.stop(); } finally { closeFixtures(); cleanupAll(); }
});

/** The program's connection through the proxy's relay to `port` in the target. */
async function programConnect(session: AgentSession, port: number, live: Set<JoinedRelay>): Promise<Socket> {
  onTarget = expectConnection();
  const relay = await relayTcp(session, '127.0.0.1', port, false, counters(), undefined, live);
  const sock = createConnection({ host: relay.address, port: relay.port, allowHalfOpen: true });
  sock.on('error', () => undefined);
  return sock;
}

/** What `kmirror exec` does when the program exits: the proxy closes (draining relays), then the session. */
async function endSession(session: AgentSession, live: Set<JoinedRelay>): Promise<void> {
  await drainRelays(live);
  await session.close();
}

describe('outgoing TCP: every byte of an upload reaches the target', () => {
  it('when the program exits right after writing and the session ends', async () => {
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'upload-exit' });
    const live = new Set<JoinedRelay>();
    const payload = randomPayload(SIZE);
    const sock = await programConnect(session, uploadPort, live);
    // The program writes, closes its socket and exits (the kernel keeps what it has not sent yet).
    sock.end(payload.bytes, () => sock.destroy());
    await new Promise((resolve) => sock.once('close', resolve));
    const ended = endSession(session, live);
    expect(await targetGot).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await ended;
  });

  it('when the target half-closed first and the session ends right after the upload', async () => {
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'half-close' });
    const live = new Set<JoinedRelay>();
    const payload = randomPayload(SIZE);
    const sock = await programConnect(session, halfClosePort, live);
    sock.resume();
    await new Promise((resolve) => sock.once('end', resolve)); // the target's FIN arrived first
    sock.end(payload.bytes);
    await new Promise((resolve) => sock.once('close', resolve));
    const ended = endSession(session, live);
    expect(await targetGot).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await ended;
  });
});

describe('outgoing TCP: a relay that cannot survive fails loudly', () => {
  it('the tunnel drops mid-download: the program and the target see a reset, not a clean end', async () => {
    const { session, drop } = await droppableSession(agent, 'drop');
    onTarget = expectConnection();
    const relay = await relayTcp(session, '127.0.0.1', downloadPort, false, counters());
    const program = rawReceiver(relay.address, relay.port, Buffer.alloc(0));
    await program.midway;
    const target = await targetSocket;
    const targetSaw = new Promise<string>((resolve) => { target.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')); target.once('close', () => resolve('closed')); });
    drop();
    expect(await targetSaw).toMatch(/^(ECONNRESET|EPIPE)$/);
    const got = await program.received;
    expect(got.how).toBe('ECONNRESET');
    expect(got.length).toBeLessThan(SIZE);
  });
});
