// Data integrity across a tunnel reconnect (issue 14, item 2) through ReconnectingAgentSession,
// the session `kmirror` uses for cluster targets, over a real agent in a network namespace: the
// tunnel is carried on a socket the test cuts, as a lost port-forward would be. A transfer cut by
// the drop must end with a reset at both ends (never a clean short end); an upload started after
// the reconnect must reach the target whole while the session ends behind it.
import type { Socket } from 'node:net';
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { ReconnectingAgentSession, type ReconnectStatus } from '#runtime/cluster/reconnecting-session.js';
import { closeFixtures, tcpServerInside } from '../../../../agent/test/helpers/target-fixture.js';
import { droppableSession, randomPayload, receiveAll, type Received } from '../../../../agent/test/helpers/integrity.js';
import { rawReceiver } from '../../../../agent/test/helpers/raw-recv.js';
import { drainRelays, type JoinedRelay } from '../relay-drain.js';
import { relayTcp, type TcpCounters } from '../tcp-relay.js';

const SIZE = 8 * 1024 * 1024;
let ns: TestNetns;
let agent: LocalAgent;
let uploadPort = 0;
let downloadPort = 0;
let accepted: (s: Socket) => void = () => undefined;

const counters = (): TcpCounters => ({ connections: 0, active: 0, workstationToPodBytes: 0, podToWorkstationBytes: 0 });
const nextTarget = (): Promise<Socket> => new Promise((resolve) => { accepted = resolve; });

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  uploadPort = (await tcpServerInside(ns, (s) => { s.on('error', () => undefined); accepted(s); })).port;
  downloadPort = (await tcpServerInside(ns, (s) => { s.on('error', () => undefined); s.write(randomPayload(SIZE).bytes); accepted(s); })).port;
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
});

afterAll(async () => {
  try { await agent?.stop(); } finally { closeFixtures(); cleanupAll(); }
});

describe('outgoing TCP across a tunnel reconnect', () => {
  it('a download cut by the drop is a reset at both ends; an upload after the reconnect is whole', async () => {
    let drop: () => void = () => undefined;
    const connect = async (): Promise<{ session: Awaited<ReturnType<typeof droppableSession>>['session'] }> => {
      const d = await droppableSession(agent, 'reconnect');
      drop = d.drop;
      return { session: d.session };
    };
    const session = new ReconnectingAgentSession((await connect()).session, () => connect(), { reconnectTimeoutMs: 30_000, retryDelayMs: 100 });
    const reconnected = new Promise<ReconnectStatus>((resolve) => session.on('status', (s: ReconnectStatus) => { if (s.type !== 'disconnected') resolve(s); }));
    try {
      // Cut mid-download: the program (a plain recv() reader) and the target both see a reset.
      const target1 = nextTarget();
      const relay1 = await relayTcp(session, '127.0.0.1', downloadPort, false, counters());
      const program1 = rawReceiver(relay1.address, relay1.port, Buffer.alloc(0));
      await program1.midway;
      const t1 = await target1;
      const targetSaw = new Promise<string>((resolve) => { t1.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')); t1.once('close', () => resolve('closed')); });
      drop();
      expect(await targetSaw).toMatch(/^(ECONNRESET|EPIPE)$/);
      const got1 = await program1.received;
      expect(got1.how).toBe('ECONNRESET');
      expect(got1.length).toBeLessThan(SIZE);
      expect((await reconnected).type).toBe('reconnected');

      // After the reconnect: an upload whose program exits at once, the session ending behind it.
      const payload = randomPayload(SIZE);
      const target2 = nextTarget();
      const live = new Set<JoinedRelay>();
      const relay2 = await relayTcp(session, '127.0.0.1', uploadPort, false, counters(), undefined, live);
      const sock = createConnection({ host: relay2.address, port: relay2.port, allowHalfOpen: true });
      sock.on('error', () => undefined);
      const targetGot: Promise<Received> = target2.then((s) => receiveAll(s));
      sock.end(payload.bytes, () => sock.destroy());
      await new Promise((resolve) => sock.once('close', resolve));
      await drainRelays(live);
      await session.close();
      expect(await targetGot).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    } finally {
      await session.close().catch(() => undefined);
    }
  });
});
