// The agent against real namespaces, through the real tunnel (WebSocket, handshake, streams):
// TCP reachable only inside the namespace (with half-close, reset, large transfers), UDP echo,
// DNS from the namespace's own server and the target's own resolv.conf/hosts, files only in the
// target's root, and env only the target has.
import { createHash, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startAgentInProcess, type AgentUnderTest } from './helpers/agent-under-test.js';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';
import {
  closeFixtures, digestAfterFin, dnsServerInside, startTargetProcess, tcpServerInside, udpEchoInside, type TargetProcess,
} from './helpers/target-fixture.js';

const SECRET_NAME = 'only-here.kmtest.internal';
const SECRET_IP = '10.213.255.77';
const bigFile = randomBytes(3 * 1024 * 1024 + 123);

let ns: TestNetns;
let target: TargetProcess;
let agent: AgentUnderTest;
let session: AgentSession;
let marker: string;
let markerPort: number;
let fds: FdBaseline;

function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

/** Sends `size` random bytes then FIN on `sock`; expects the digestAfterFin answer "<length> <sha256>". */
async function expectRelayedIntact(sock: NodeJS.ReadWriteStream, size: number): Promise<void> {
  const payload = randomBytes(size);
  const answer = readAll(sock);
  sock.end(payload);
  expect((await answer).toString()).toBe(`${payload.length} ${createHash('sha256').update(payload).digest('hex')}`);
}

/** What a direct connection from the host to 127.0.0.1:port gets (not the namespace's service). */
function hostAttempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    s.setTimeout(2000, () => { s.destroy(); resolve(`timeout ${got}`); });
    s.on('data', (d) => (got += d));
    s.on('end', () => resolve(got));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  marker = `marker-${randomBytes(8).toString('hex')}`;
  markerPort = (await tcpServerInside(ns, (s) => { s.end(`${marker}\n`); s.on('error', () => undefined); })).port;
  await dnsServerInside(ns, '127.0.0.1:53', { [SECRET_NAME]: SECRET_IP });
  target = await startTargetProcess(ns, {
    env: { KMTEST_ONLY_IN_TARGET: marker, PATH: '/usr/bin:/bin' },
    resolvConf: 'nameserver 127.0.0.1\nsearch kmtest.internal\noptions ndots:1 timeout:2 attempts:1\n',
    hosts: `127.0.0.1 localhost\n${ns.podIp} hosts-only-name\n`,
    mntFiles: { 'only-in-target.txt': `file ${marker}\n`, 'big.bin': bigFile },
  });
  agent = await startAgentInProcess(`pid/${target.pid}`);
  fds = fdBaseline(process.pid); // the agent runs in this process
  session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'int-test' });
});

afterAll(async () => {
  await session?.close();
  closeFixtures(); // the test's own servers live in this process too
  try {
    if (fds) await fds.expectNoGrowth('the tunnel-services clients left');
  } finally {
    await agent?.server.close();
  }
  target?.cleanup();
  cleanupAll();
});

describe('handshake', () => {
  it('reports the target and its capabilities', async () => {
    expect(session.target).toBe(`pid/${target.pid}`);
    expect([...session.capabilities]).toEqual(expect.arrayContaining(['tcp', 'udp', 'dns', 'files', 'env']));
    expect(await session.ping()).toBeGreaterThan(0);
  });
});

describe('outgoing TCP', () => {
  it('reaches a service that exists only inside the namespace', async () => {
    const sock = await session.connectTcp('127.0.0.1', markerPort);
    expect((await readAll(sock)).toString()).toBe(`${marker}\n`);
    expect(sock.remotePort).toBe(markerPort);
    expect(await hostAttempt(markerPort)).not.toContain(marker);
  });

  it('relays 8 MB intact with half-close in both directions', async () => {
    const { port } = await tcpServerInside(ns, digestAfterFin);
    const sock = await session.connectTcp('127.0.0.1', port, { allowHalfOpen: true });
    await expectRelayedIntact(sock, 8 * 1024 * 1024);
  });

  it('keeps other connections flowing while one target peer stops reading', async () => {
    const stalled = await tcpServerInside(ns, (s) => { s.pause(); s.on('error', () => undefined); });
    const stuck = await session.connectTcp('127.0.0.1', stalled.port);
    stuck.on('error', () => undefined);
    let queued = 0;
    // Fill the stalled connection until the tunnel pushes back (its window and socket buffers).
    while (queued < 64 * 1024 * 1024 && stuck.write(Buffer.alloc(256 * 1024))) queued += 256 * 1024;
    expect(stuck.writableNeedDrain).toBe(true);
    const { port } = await tcpServerInside(ns, digestAfterFin);
    const other = await session.connectTcp('127.0.0.1', port, { allowHalfOpen: true });
    await expectRelayedIntact(other, 4 * 1024 * 1024);
    expect(await session.ping()).toBeGreaterThan(0);
    stuck.destroy();
    stalled.server.close();
  });

  it('connects over IPv6 inside the namespace', async () => {
    const { port } = await tcpServerInside(ns, (s) => s.end('over v6'), '::1');
    const sock = await session.connectTcp('::1', port);
    expect(sock.remoteAddress).toBe('::1');
    expect((await readAll(sock)).toString()).toBe('over v6');
  });

  it('carries a reset from the namespace to the client as RESET', async () => {
    const { port } = await tcpServerInside(ns, (s) => s.once('data', () => s.resetAndDestroy()));
    const sock = await session.connectTcp('127.0.0.1', port);
    const err = new Promise<{ code?: string }>((resolve) => sock.on('error', resolve));
    sock.write('hello');
    expect((await err).code).toBe('RESET');
  });

  it('refuses a closed port with CONNECTION_REFUSED naming it', async () => {
    const closed = (await tcpServerInside(ns, () => undefined));
    closed.server.close();
    await expect(session.connectTcp('127.0.0.1', closed.port)).rejects.toMatchObject({ code: 'CONNECTION_REFUSED', message: expect.stringContaining(`127.0.0.1:${closed.port}`) });
  });

  it('connects by a name only the target can resolve', async () => {
    const { port } = await tcpServerInside(ns, (s) => s.end('via hosts-only-name'), ns.podIp);
    const sock = await session.connectTcp('hosts-only-name', port);
    expect(sock.remoteAddress).toBe(ns.podIp);
    expect((await readAll(sock)).toString()).toBe('via hosts-only-name');
  });
});

describe('UDP', () => {
  it('echoes datagrams through a socket inside the namespace', async () => {
    const echo = await udpEchoInside(ns);
    const udp = await session.openUdp();
    const reply = new Promise<[Buffer, { address: string; port: number }]>((resolve) => udp.on('message', (b: Buffer, r: { address: string; port: number }) => resolve([b, r])));
    udp.send(Buffer.from('ping-1'), { address: '127.0.0.1', port: echo.port });
    const [buf, rinfo] = await reply;
    expect(buf.toString()).toBe('echo:ping-1');
    expect(rinfo).toMatchObject({ address: '127.0.0.1', port: echo.port });
    await udp.close();
    echo.socket.close();
  });

  it('echoes over IPv6', async () => {
    const echo = await udpEchoInside(ns, 6);
    const udp = await session.openUdp({ ipv6: true });
    const reply = new Promise<Buffer>((resolve) => udp.on('message', (b: Buffer) => resolve(b)));
    udp.send(Buffer.from('v6'), { address: '::1', port: echo.port });
    expect((await reply).toString()).toBe('echo:v6');
    await udp.close();
    echo.socket.close();
  });
});

describe('DNS', () => {
  it("resolves a name only the namespace's DNS server knows, via the target's search list", async () => {
    expect(await session.resolve('only-here')).toEqual([SECRET_IP]);
    expect(await session.resolve(SECRET_NAME, 4)).toEqual([SECRET_IP]);
    await expect(lookup(SECRET_NAME)).rejects.toThrow();
  });

  it("answers from the target's /etc/hosts first", async () => {
    expect(await session.resolve('hosts-only-name')).toEqual([ns.podIp]);
  });

  it('forwards a raw DNS query to the target nameserver', async () => {
    const query = dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: SECRET_NAME, class: 'IN' }] });
    const answer = dnsPacket.decode(await session.dnsQuery(query));
    expect(answer.id).toBe(4242);
    expect(answer.answers?.map((a) => ('data' in a ? a.data : undefined))).toEqual([SECRET_IP]);
  });

  it('reports an unknown name as NAME_NOT_RESOLVED', async () => {
    await expect(session.resolve('nowhere-at-all')).rejects.toMatchObject({ code: 'NAME_NOT_RESOLVED', message: expect.stringContaining('nowhere-at-all') });
  });
});

describe('files', () => {
  it("reads a file that exists only in the target's root", async () => {
    expect((await session.readFile('/mnt/only-in-target.txt')).toString()).toBe(`file ${marker}\n`);
    expect((await session.readFile('/etc/resolv.conf')).toString()).toContain('search kmtest.internal');
  });

  it('reads a large file at random offsets, stats and lists', async () => {
    const file = await session.openFile('/mnt/big.bin');
    expect(file.stat).toMatchObject({ type: 'file', size: bigFile.length });
    for (const [offset, length] of [[0, 10], [1_000_000, 70_000], [bigFile.length - 5, 100], [5, 2_000_000]] as const) {
      expect((await file.read(offset, length)).equals(bigFile.subarray(offset, offset + length))).toBe(true);
    }
    expect((await file.read(bigFile.length + 10, 10)).length).toBe(0);
    await file.close();
    expect((await session.readFile('/mnt/big.bin')).equals(bigFile)).toBe(true);
    expect(await session.stat('/mnt')).toMatchObject({ type: 'directory' });
    expect((await session.readdir('/mnt')).sort((a, b) => a.name.localeCompare(b.name))).toEqual([{ name: 'big.bin', type: 'file' }, { name: 'only-in-target.txt', type: 'file' }]);
  });

  it('answers NOT_FOUND and IS_DIRECTORY with the path', async () => {
    await expect(session.readFile('/mnt/missing')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('/mnt/missing') });
    await expect(session.openFile('/mnt')).rejects.toMatchObject({ code: 'IS_DIRECTORY' });
    await expect(session.stat('relative/path')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('env', () => {
  it('returns the environment only the target process has', async () => {
    const env = await session.env();
    expect(env.KMTEST_ONLY_IN_TARGET).toBe(marker);
    expect(process.env.KMTEST_ONLY_IN_TARGET).toBeUndefined();
  });
});

describe('netns/NAME target', () => {
  it('serves outgoing TCP for a named namespace, and says env is not available', async () => {
    const nsAgent = await startAgentInProcess(`netns/${ns.name}`);
    const s = await connectAgent({ url: nsAgent.url, token: nsAgent.token });
    try {
      const sock = await s.connectTcp('127.0.0.1', markerPort);
      expect((await readAll(sock)).toString()).toContain(marker);
      await expect(s.env()).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    } finally {
      await s.close();
      await nsAgent.server.close();
    }
  });
});
