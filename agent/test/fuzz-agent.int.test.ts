// A short seeded fuzz run against the real agent process (agent/test/helpers/agent-fuzzer.ts;
// bench/fuzz-agent.ts runs a million inputs): mutated frames and message sequences after a valid
// handshake. The agent must stay alive, serve a well-behaved client at every checkpoint, answer
// no input with an INTERNAL error or an error-level log line, and hold no more descriptors once
// the fuzzing clients are gone. A failure names the seed, so the run can be repeated. What the
// fuzzer found has a regression case of its own here.
import { readFileSync, writeFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, requireRoot, sweepStale } from '#test/harness/netns.js';
import { fuzzAgent } from './helpers/agent-fuzzer.js';
import { fdBaseline, fdTargets } from './helpers/fd-count.js';
import { RawTunnelClient } from './helpers/raw-tunnel-client.js';
import { expectStillServing, startLiveAgent, type LiveAgent } from './helpers/live-agent.js';
import { until } from './helpers/target-fixture.js';

const SEED = Number(process.env.KMIRROR_FUZZ_SEED ?? 21);
const INPUTS = Number(process.env.KMIRROR_FUZZ_INPUTS ?? 4000);
let live: LiveAgent;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  live = await startLiveAgent();
  await expectStillServing(live); // warm-up, so the baseline holds what a first client creates for good
});

afterAll(async () => {
  await live?.stop();
  cleanupAll();
});

describe('found by fuzzing', () => {
  it('a message of an unknown type on an open UDP, file, TCP or subscription stream releases what the stream held', async () => {
    const fds = fdBaseline(live.agent.pid);
    const c = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'unknown-body');
    c.send(1, { kind: 'udpOpen', ipv6: false });
    c.send(3, { kind: 'fileOpen', path: '/mnt/read.txt' });
    c.send(5, { kind: 'tcpConnect', host: '127.0.0.1', port: live.tcpEchoPort, initialWindow: 65536, timeoutMs: 2000 });
    c.send(7, { kind: 'subscribe', port: 9090, mode: 'mirror', transport: 'tcp' });
    const opened: Record<number, string> = { 1: 'udpOpened', 3: 'fileOpened', 5: 'tcpConnected', 7: 'subscribed' };
    for (const [id, kind] of Object.entries(opened)) await c.frame((f) => f.streamId === Number(id) && f.msg?.kind === kind);
    for (const id of [1, 3, 5, 7]) c.raw(Buffer.from([5, 0x08, id, 0xba, 0x3e, 0x00])); // stream id, then field 999: a body this agent does not know
    for (const id of [1, 3, 5, 7]) await c.frame((f) => f.streamId === id && f.msg?.kind === 'error' && f.msg.code === 'UNKNOWN_MESSAGE');
    await c.ping(1);
    await fds.expectNoGrowth('unknown messages on open streams'); // released while the client is still connected
    await c.close();
  });

  // The fuzzer's sequence: a client had rewritten the target's resolv.conf (set up here directly:
  // long timeouts, a nameserver that never answers), asks for DNS, and leaves (or closes the
  // stream) before the answer. The queries' sockets must close then, not when their timeouts
  // expire (up to 30 s per attempt and server).
  describe('DNS work in flight while nobody waits for it', () => {
    const resolvConf = (): string => `/proc/${live.target.pid}/root/etc/resolv.conf`;
    let original = '';
    /** The agent's UDP sockets in the target's namespace (its /proc/PID/net/udp{,6} rows whose inode the agent holds). */
    const agentUdpSockets = (): number => {
      const inodes = new Set([...fdTargets(live.agent.pid).values()].map((t) => /^socket:\[(\d+)\]$/.exec(t)?.[1]).filter(Boolean));
      const rows = ['udp', 'udp6'].flatMap((f) => readFileSync(`/proc/${live.target.pid}/net/${f}`, 'utf8').split('\n').slice(1));
      return rows.filter((r) => inodes.has(r.trim().split(/\s+/)[9])).length;
    };
    const query = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web.live.internal', class: 'IN' }] });

    beforeAll(() => {
      original = readFileSync(resolvConf(), 'utf8');
      // 127.0.0.2 is inside the namespace; its DNS server listens on 127.0.0.1 only.
      writeFileSync(resolvConf(), 'nameserver 127.0.0.2\nsearch live.internal\noptions timeout:30 attempts:5\n');
    });
    afterAll(() => { if (original) writeFileSync(resolvConf(), original); });

    it('a DNS query, a name resolution and a connect to a name stop when their client leaves', async () => {
      const fds = fdBaseline(live.agent.pid);
      const udpBefore = agentUdpSockets();
      const c = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'dns-in-flight');
      c.send(1, { kind: 'dnsQuery', packet: query, server: { address: '127.0.0.1', port: 4096 } }); // nothing listens there
      c.send(3, { kind: 'resolveRequest', name: 'nothing-here', family: 'any' });
      c.send(5, { kind: 'tcpConnect', host: 'nothing-here', port: 80, initialWindow: 65536, timeoutMs: 2000 });
      await until('the three queries in flight', () => agentUdpSockets() >= udpBefore + 3);
      await c.close();
      await fds.expectNoGrowth('DNS queries whose client left');
      expect(c.frames.filter((f) => f.streamId !== 0)).toEqual([]);
    });

    it('a DNS query stops when its client closes the stream', async () => {
      const c = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'dns-closed-stream');
      const fds = fdBaseline(live.agent.pid); // with the tunnel connection, which stays
      const udpBefore = agentUdpSockets();
      c.send(1, { kind: 'dnsQuery', packet: query });
      await until('the query in flight', () => agentUdpSockets() > udpBefore);
      c.send(1, { kind: 'close', reset: false, reason: 'gave up' });
      await c.ping(1);
      await fds.expectNoGrowth('a DNS query whose stream was closed');
      expect(c.frames.filter((f) => f.streamId === 1)).toEqual([]);
      await c.close();
    });
  });
});

describe('fuzzing the live agent', () => {
  it(`${INPUTS} seeded inputs (seed ${SEED}): no crash, no INTERNAL error, no leaked descriptor, bounded memory`, async () => {
    const stats = await fuzzAgent(live, { inputs: INPUTS, seed: SEED, checkEvery: 1000 });
    console.log(JSON.stringify(stats));
    expect(live.alive()).toBe(true);
    expect(stats.inputs).toBe(INPUTS);
    expect(stats.internalErrors).toEqual([]);
    expect(live.errorLogs()).toEqual([]);
    expect(stats.fdLeaks).toEqual([]);
    expect(stats.rssMaxKb).toBeLessThan(stats.rssStartKb + 150 * 1024);
  });
});
