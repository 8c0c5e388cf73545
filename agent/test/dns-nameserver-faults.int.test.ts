// Issue 21: a target nameserver that answers with a truncated packet or a bad compression
// pointer used to become an INTERNAL error (logged with a stack at error level) and the next
// nameserver was never asked. Now such an answer counts as that server failing, as in libc's
// resolver: the next nameserver of the target's resolv.conf is tried, and when none answers
// properly the client gets NAME_NOT_RESOLVED naming the malformed answer. Real fake nameservers
// inside the target's namespace (127.0.0.2 faulty, 127.0.0.3 good), a real agent process.
import type dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, netnsPath, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { createNetnsSockets } from '../src/netns/sockets.js';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';
import { startTargetProcess, type TargetProcess } from './helpers/target-fixture.js';

const NAME = 'svc.faults.internal';
const ADDRESS = '10.213.255.99';
type Mode = 'good' | 'truncated' | 'bad-pointer';

let ns: TestNetns;
let target: TargetProcess;
let agent: LocalAgent;
let session: AgentSession;
let fds: FdBaseline;
const logs: string[] = [];
const servers: Array<{ socket: dgram.Socket; mode: Mode; queries: number }> = [];

/** The answer a nameserver in `mode` sends to `query`. */
function answer(query: Buffer, mode: Mode): Buffer {
  const q = dnsPacket.decode(query);
  const good = dnsPacket.encode({
    type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions,
    answers: q.questions?.[0]?.type === 'A' ? [{ type: 'A', class: 'IN', name: NAME, ttl: 30, data: ADDRESS }] : [],
  });
  if (mode === 'good') return good;
  if (mode === 'truncated') return good.subarray(0, good.length - 7); // the answer's RDATA cut short
  // Header claiming one question whose name is a pointer to itself (offset 12): a loop dns-packet refuses.
  const header = Buffer.from(good.subarray(0, 12));
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(0, 6);
  return Buffer.concat([header, Buffer.from([0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01])]);
}

async function fakeNameserver(address: string, mode: Mode): Promise<(typeof servers)[number]> {
  const { socket } = await createNetnsSockets(netnsPath(ns)).openUdp(4, { address, port: 53 });
  const server = { socket, mode, queries: 0 };
  socket.on('message', (msg, rinfo) => {
    server.queries++;
    socket.send(answer(msg, server.mode), rinfo.port, rinfo.address);
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  target = await startTargetProcess(ns, {
    env: {}, hosts: '127.0.0.1 localhost\n', mntFiles: {},
    resolvConf: 'nameserver 127.0.0.2\nnameserver 127.0.0.3\noptions timeout:2 attempts:1\n',
  });
  await fakeNameserver('127.0.0.2', 'truncated');
  await fakeNameserver('127.0.0.3', 'good');
  agent = await startLocalAgent({ target: `pid/${target.pid}`, onLog: (l) => logs.push(l) });
  fds = fdBaseline(agent.pid);
  session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'dns-faults' });
});

afterAll(async () => {
  try {
    await session?.close();
    if (fds) await fds.expectNoGrowth('the DNS clients left');
  } finally {
    await agent?.stop();
    for (const s of servers) s.socket.close();
    target?.cleanup();
    cleanupAll();
  }
});

const faulty = (): (typeof servers)[number] => servers[0]!;
const good = (): (typeof servers)[number] => servers[1]!;

describe('a nameserver with malformed answers', () => {
  for (const mode of ['truncated', 'bad-pointer'] as const) {
    it(`${mode}: the next nameserver answers the ResolveRequest and the raw DnsQuery`, async () => {
      faulty().mode = mode;
      const before = { faulty: faulty().queries, good: good().queries };
      expect(await session.resolve(NAME, 4)).toEqual([ADDRESS]);
      expect(faulty().queries).toBeGreaterThan(before.faulty);
      expect(good().queries).toBeGreaterThan(before.good);
      const raw = dnsPacket.decode(await session.dnsQuery(dnsPacket.encode({ type: 'query', id: 42, questions: [{ type: 'A', name: NAME, class: 'IN' }] })));
      expect(raw.answers?.[0]).toMatchObject({ type: 'A', data: ADDRESS });
    });
  }

  it('with no good nameserver: NAME_NOT_RESOLVED naming the malformed answer, nothing logged as an error', async () => {
    faulty().mode = 'truncated';
    good().mode = 'bad-pointer';
    try {
      const err = await session.resolve(NAME, 4).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'NAME_NOT_RESOLVED', message: expect.stringMatching(/dns query to 127\.0\.0\.3:53: malformed answer \(Cannot decode name \(bad pointer\)\)/) });
      expect(await session.ping()).toBeGreaterThan(0);
    } finally {
      good().mode = 'good';
    }
    expect(logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});
