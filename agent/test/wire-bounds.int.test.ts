// Numbers and addresses from the wire against the real agent process: FileOpen with a mode of
// 2^31 used to abort the agent (SIGABRT in Node's fs binding); now every numeric field of every
// tunnel message, at each boundary value, is answered or refused while the agent keeps serving
// other clients, and no value reaches a Node API that rejects it (no INTERNAL error, nothing
// logged at error level). UDP peers and DNS servers must be IP literals.
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, requireRoot, sweepStale } from '#test/harness/netns.js';
import { boundaryCases, runBoundaryCases } from './helpers/boundary-cases.js';
import { fdBaseline, type FdBaseline } from './helpers/fd-count.js';
import { expectStillServing, LIVE_DNS_NAME, startLiveAgent, type LiveAgent } from './helpers/live-agent.js';
import { RawTunnelClient } from './helpers/raw-tunnel-client.js';

let live: LiveAgent;
let fds: FdBaseline;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  live = await startLiveAgent();
  await expectStillServing(live); // warm-up: what the first client creates for good is in the baseline
  fds = fdBaseline(live.agent.pid);
});

afterAll(async () => {
  try {
    if (fds) await fds.expectNoGrowth('the boundary-value clients left');
  } finally {
    await live?.stop();
    cleanupAll();
  }
});

async function client(): Promise<RawTunnelClient> {
  return RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'wire-bounds');
}

describe('numbers from the wire', () => {
  it('issue 21: FileOpen{write, create_mode: 2^31} is refused, not an abort', async () => {
    const c = await client();
    c.send(1, { kind: 'fileOpen', path: '/mnt/mode.bin', write: true, create: true, truncate: false, append: false, exclusive: false, createMode: 2147483648 });
    const f = await c.frame((x) => x.streamId === 1);
    expect(f.msg).toMatchObject({ kind: 'error', code: 'INVALID_ARGUMENT', message: expect.stringMatching(/create_mode 2147483648 is out of range \(0\.\.4095\)/) });
    await c.close();
    expect(live.alive()).toBe(true);
    await expectStillServing(live);
  });

  it('names the field and the bound for file offsets beyond 2^53 and reads beyond 1 MiB', async () => {
    const c = await client();
    c.send(1, { kind: 'fileOpen', path: '/mnt/read.txt' });
    await c.frame((x) => x.streamId === 1 && x.msg?.kind === 'fileOpened');
    c.send(1, { kind: 'fileRead', offset: 2 ** 63, length: 16 });
    expect((await c.frame((x) => x.streamId === 1 && x.msg?.kind === 'error')).msg).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/file_read: offset \d+ is out of range \(0\.\.9007199254740975\)/) });
    c.send(3, { kind: 'fileOpen', path: '/mnt/read.txt' });
    await c.frame((x) => x.streamId === 3 && x.msg?.kind === 'fileOpened');
    c.send(3, { kind: 'fileRead', offset: 0, length: 2 ** 31 });
    expect((await c.frame((x) => x.streamId === 3 && x.msg?.kind === 'error')).msg).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('file_read: length 2147483648 is out of range (0..1048576)') });
    await c.close();
  });

  it('every numeric field of every message at 0, 2^31-1, 2^31, 2^32-1, 2^63 (2^64-1): the agent stays up and serves another client', async () => {
    const cases = boundaryCases(live);
    // The list comes from the .proto: a new numeric field adds cases here by itself.
    expect(cases.some((k) => k.label.startsWith('fileOpen.createMode=2147483648'))).toBe(true);
    expect(cases.some((k) => k.label.startsWith('fileTruncate.size=18446744073709551615 (stream)'))).toBe(true);
    const report = await runBoundaryCases(live, cases);
    expect(report.cases).toBe(cases.length);
    expect(live.alive()).toBe(true);
    await expectStillServing(live);
    expect(report.errors.filter((e) => e.code === 'INTERNAL')).toEqual([]);
    expect(live.errorLogs()).toEqual([]);
    // Refusals name the field and its bound.
    expect(report.errors).toContainEqual({ label: 'fileOpen.createMode=2147483648 (opener)', code: 'INVALID_ARGUMENT', message: expect.stringContaining('create_mode 2147483648 is out of range') });
    expect(report.errors).toContainEqual({ label: 'udpDatagram.peer.port=2147483648 (stream)', code: 'INVALID_ARGUMENT', message: expect.stringContaining('peer.port 2147483648 is out of range (1..65535)') });
  });
});

describe('addresses from the wire', () => {
  it('UdpDatagram.peer.address must be an IP literal: a name is refused, not resolved by the agent', async () => {
    const c = await client();
    c.send(1, { kind: 'udpOpen', ipv6: false });
    await c.frame((x) => x.streamId === 1 && x.msg?.kind === 'udpOpened');
    c.send(1, { kind: 'udpDatagram', peer: { address: 'localhost', port: live.udpEchoPort }, payload: Buffer.from('x') });
    expect((await c.frame((x) => x.streamId === 1 && x.msg?.kind === 'error')).msg).toMatchObject({
      code: 'INVALID_ARGUMENT', message: 'udp_datagram: peer.address "localhost" is not an IP literal (resolve names with ResolveRequest first)',
    });
    // An IP literal still works on a new socket.
    c.send(3, { kind: 'udpOpen', ipv6: false });
    await c.frame((x) => x.streamId === 3 && x.msg?.kind === 'udpOpened');
    c.send(3, { kind: 'udpDatagram', peer: { address: '127.0.0.1', port: live.udpEchoPort }, payload: Buffer.from('x') });
    expect((await c.frame((x) => x.streamId === 3 && x.msg?.kind === 'udpDatagram')).msg).toMatchObject({ payload: Buffer.from('echo:x') });
    await c.close();
  });

  it('DnsQuery.server.address must be an IP literal', async () => {
    const c = await client();
    const packet = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: LIVE_DNS_NAME, class: 'IN' }] });
    c.send(1, { kind: 'dnsQuery', packet, server: { address: 'localhost', port: 53 } });
    expect((await c.frame((x) => x.streamId === 1)).msg).toMatchObject({
      kind: 'error', code: 'INVALID_ARGUMENT', message: 'dns_query: server.address "localhost" is not an IP literal (resolve names with ResolveRequest first)',
    });
    c.send(3, { kind: 'dnsQuery', packet, server: { address: '127.0.0.1', port: 53 } });
    const answer = (await c.frame((x) => x.streamId === 3)).msg;
    expect(answer?.kind).toBe('dnsAnswer');
    await c.close();
  });
});
