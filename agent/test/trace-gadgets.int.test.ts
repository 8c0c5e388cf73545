// The trace gadgets with a real agent, real BPF programs and real namespaces: a known sequence by
// a process inside the target's namespace (TCP v4/v6 connect, accept, close with bytes; DNS A and
// AAAA queries and answers; an exec; two opens) appears exactly, the same sequence by a process in
// another namespace does not appear at all, and nothing stays attached once the trace ends.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startTrace, type TraceSession, type TracedEvent, type TracedEventOf } from '#runtime/trace/trace-client.js';
import { bpfObjectPath } from '../src/incoming/bpf-addon.js';
import { startAgentInProcess, type AgentUnderTest } from './helpers/agent-under-test.js';
import { heldBpf, stillLoaded, waitFor } from './helpers/pod.js';
import { collect, eventsUntil, runActor, type ActorReport } from './helpers/trace-fixture.js';

let ns: TestNetns;
let outside: TestNetns;
let agent: AgentUnderTest;
let session: AgentSession;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  outside = createNetns();
  agent = await startAgentInProcess(`netns/${ns.name}`, { trace: true });
  session = await connectAgent({ url: agent.url, token: agent.token });
  expect(session.capabilities.has('trace'), 'the agent announces "trace" (root, BTF)').toBe(true);
});

afterAll(async () => {
  try {
    await session?.close();
    await agent?.server.close();
  } finally {
    cleanupAll();
  }
});

const of = <G extends TracedEvent['gadget']>(events: TracedEvent[], g: G): Array<TracedEventOf<G>> => events.filter((e): e is TracedEventOf<G> => e.gadget === g);

describe('trace gadgets on a namespace', () => {
  let trace: TraceSession;
  let events: TracedEvent[];
  let inside: ActorReport;
  let outsideRun: ActorReport;
  const tag = `in${randomBytes(4).toString('hex')}`;
  const otherTag = `out${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    trace = await startTrace(session, { gadgets: ['tcp', 'dns', 'exec', 'open'] });
    events = collect(trace);
    outsideRun = await runActor(outside, otherTag); // first: had it leaked, it would precede the inside events
    inside = await runActor(ns, tag);
    const [v4, v6] = inside.tcp;
    await eventsUntil(events, 'the inside run complete in the trace', (es) =>
      of(es, 'tcp').filter((e) => e.kind === 'close' && [v4?.serverPort, v6?.serverPort].includes(e.local.port)).length === 2
      && of(es, 'tcp').filter((e) => e.kind === 'close' && [inside.reset.serverPort, inside.reset.clientPort].includes(e.remote.port)).length === 2
      && of(es, 'dns').filter((e) => e.kind === 'answer' && e.name.startsWith(tag)).length === 2
      && of(es, 'exec').some((e) => e.argv.includes(`exec-${tag}`))
      && of(es, 'open').some((e) => e.path === inside.missing));
  });

  afterAll(async () => {
    await trace?.close();
  });

  it('reports each connection as connect, accept and two closes with the exact byte counts, v4 and v6', () => {
    for (const conn of inside.tcp) {
      const mine = of(events, 'tcp').filter((e) => e.process.pid === inside.pid && [e.local.port, e.remote.port].includes(conn.serverPort) && [e.local.port, e.remote.port].includes(conn.clientPort));
      const ipv6 = conn.host === '::1';
      const loop = ipv6 ? '::1' : '127.0.0.1';
      expect(mine.map((e) => [e.kind, e.local.port, e.remote.port]), conn.host).toEqual([
        ['connect', conn.clientPort, conn.serverPort],
        ['accept', conn.serverPort, conn.clientPort],
        ['close', conn.clientPort, conn.serverPort],
        ['close', conn.serverPort, conn.clientPort],
      ]);
      for (const e of mine) expect([e.ipv6, e.local.address, e.remote.address, e.process.comm, e.error]).toEqual([ipv6, loop, loop, 'node', 0]);
      const [, , clientClose, serverClose] = mine;
      expect([clientClose?.bytesSent, clientClose?.bytesReceived]).toEqual([inside.request, inside.response]);
      expect([serverClose?.bytesSent, serverClose?.bytesReceived]).toEqual([inside.response, inside.request]);
      expect(clientClose?.durationUs).toBeGreaterThan(0);
      expect(serverClose?.durationUs).toBeGreaterThan(0);
    }
  });

  it('reports both ends of a reset connection with their local ports (closed straight to CLOSE)', () => {
    const { serverPort, clientPort, code } = inside.reset;
    const mine = of(events, 'tcp').filter((e) => e.process.pid === inside.pid && [e.local.port, e.remote.port].some((p) => p === serverPort || p === clientPort));
    expect(code).toBe('ECONNRESET');
    expect(mine.filter((e) => e.kind !== 'close').map((e) => [e.kind, e.local.port, e.remote.port])).toEqual([
      ['connect', clientPort, serverPort],
      ['accept', serverPort, clientPort],
    ]);
    // The order of the two closes depends on when the loopback RST is processed.
    expect(mine.filter((e) => e.kind === 'close').map((e) => [e.local.port, e.remote.port]).sort()).toEqual([
      [clientPort, serverPort],
      [serverPort, clientPort],
    ].sort());
  });

  it('reports a refused connect with its error', () => {
    const refused = of(events, 'tcp').filter((e) => e.remote.port === inside.refused.port && e.process.pid === inside.pid);
    expect(inside.refused.code).toBe('ECONNREFUSED');
    expect(refused.map((e) => [e.kind, e.error, e.remote.address])).toEqual([['connect', -111, '127.0.0.1']]);
  });

  it('reports each DNS query and its answer with records, rcode and latency', () => {
    const mine = of(events, 'dns').filter((e) => e.name.startsWith(tag));
    expect(mine.map((e) => [e.kind, e.name, e.type, e.id, e.server.port])).toEqual([
      ['query', `${tag}.trace.test`, 'A', 4242, 53],
      ['answer', `${tag}.trace.test`, 'A', 4242, 53],
      ['query', `${tag}-v6.trace.test`, 'AAAA', 4243, 53],
      ['answer', `${tag}-v6.trace.test`, 'AAAA', 4243, 53],
    ]);
    expect(mine[1]?.answers).toEqual([{ name: `${tag}.trace.test`, type: 'A', ttl: 60, data: '10.1.2.3' }]);
    expect(mine[3]?.answers).toEqual([{ name: `${tag}-v6.trace.test`, type: 'AAAA', ttl: 60, data: 'fd00::42' }]);
    expect([mine[1]?.rcode, mine[3]?.rcode]).toEqual(['NOERROR', 'NOERROR']);
    expect(mine[1]?.latencyUs).toBeGreaterThan(0);
    expect([mine[1]?.client.address, mine[3]?.client.address]).toEqual(['127.0.0.1', '::1']);
  });

  it('reports the exec with its parent and argv, and both opens with flags and result', () => {
    const execs = of(events, 'exec').filter((e) => e.argv.includes(`exec-${tag}`));
    expect(execs.map((e) => [e.process.pid, e.process.ppid, e.filename, e.argv])).toEqual([[inside.childPid, inside.pid, '/bin/true', ['/bin/true', `exec-${tag}`]]]);
    const opens = of(events, 'open').filter((e) => e.path.includes(tag));
    expect(opens.map((e) => [e.process.pid, e.path, e.flags & 0o1103, e.result >= 0 ? 'fd' : e.result])).toEqual([
      [inside.pid, inside.created, 0o1101, 'fd'], // O_WRONLY|O_CREAT|O_TRUNC
      [inside.pid, inside.missing, 0, -2], // ENOENT
    ]);
    expect(inside.missingErr).toBe('ENOENT');
  });

  it('shows nothing of the same sequence run by a process in another namespace', () => {
    const leaked = events.filter((e) => [outsideRun.pid, outsideRun.childPid].includes(e.process.pid)
      || (e.gadget === 'dns' && e.name.startsWith(otherTag))
      || (e.gadget === 'exec' && e.argv.some((a) => a.includes(otherTag)))
      || (e.gadget === 'open' && e.path.includes(otherTag)));
    expect(leaked).toEqual([]);
    expect(outsideRun.dns.map((d) => d.answers)).toEqual([1, 1]); // it did run its sequence
  });
});

describe('trace lifecycle', () => {
  it('suppresses events beyond maxEventsPerSecond, counts them, and applies the filter in the agent', async () => {
    const limited = await startTrace(session, { gadgets: ['open'], maxEventsPerSecond: 3 });
    const filtered = await startTrace(session, { gadgets: ['exec'], filter: { comm: 'no-such-comm' } });
    const got = collect(limited);
    const gotFiltered = collect(filtered);
    await runActor(ns, `rate${randomBytes(3).toString('hex')}`); // node's start-up alone opens dozens of files
    await Promise.all([limited.close(), filtered.close()]);
    const stats = limited.stats.get('open');
    expect(stats?.suppressed).toBeGreaterThan(0);
    expect(stats?.events).toBe(got.length);
    expect(gotFiltered).toEqual([]);
    expect(filtered.stats.get('exec')?.filtered).toBeGreaterThan(0); // node and /bin/true ran
  });

  it('refuses an unknown gadget naming the known ones, and the session keeps working', async () => {
    // Straight to the agent: startTrace() would refuse it before sending.
    const err = await session.startTrace!({ gadgets: ['tcp', 'syscalls' as 'tcp'] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNKNOWN_GADGET' });
    expect((err as Error).message).toContain('"syscalls"');
    expect((err as Error).message).toContain('known: tcp, dns, exec, open');
    await expect(startTrace(session, { gadgets: ['bogus' as 'tcp'] })).rejects.toMatchObject({ code: 'UNKNOWN_GADGET' });
    expect(await session.resolve('localhost')).not.toHaveLength(0);
  });

  it('names a hook the kernel lacks; a trace without that gadget still starts', async () => {
    // The real object with its tcp tracepoint renamed (same length, so the ELF stays valid).
    const dir = mkdtempSync(join(tmpdir(), 'kmt-trace-obj-'));
    const object = readFileSync(bpfObjectPath('trace'));
    writeFileSync(join(dir, 'trace.bpf.o'), Buffer.from(object.toString('latin1').replaceAll('inet_sock_set_state', 'inet_sock_set_stat0'), 'latin1'));
    const saved = process.env.KMIRROR_BPF_DIR;
    process.env.KMIRROR_BPF_DIR = dir;
    try {
      await expect(startTrace(session, { gadgets: ['exec', 'tcp'] })).rejects.toMatchObject({
        code: 'KERNEL_UNSUPPORTED', message: expect.stringContaining('the kernel lacks the hook raw_tp/inet_sock_set_stat0 needed by the tcp gadget'),
      });
      const exec = await startTrace(session, { gadgets: ['exec'] });
      await exec.close();
      expect(exec.endReason).toBe('stopped by the client');
    } finally {
      if (saved === undefined) delete process.env.KMIRROR_BPF_DIR;
      else process.env.KMIRROR_BPF_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts what the kernel could not queue while the agent was stalled, and reports it as dropped', async () => {
    const trace = await startTrace(session, { gadgets: ['open'], maxEventsPerSecond: 10_000_000 });
    const got = collect(trace);
    const done = join(tmpdir(), `kmt-trace-drops-${randomBytes(4).toString('hex')}`);
    const opener = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-e',
      `const fs = require('fs'); for (let i = 0; i < 200000; i++) fs.closeSync(fs.openSync('/dev/null', 'r')); fs.writeFileSync(${JSON.stringify(done)}, '')`], { stdio: 'ignore' });
    // The agent runs in this process: block its event loop until the opener is done, so the native
    // reader's queue (16 MB) and then the 1 MB ring fill up (200,000 records of 320 bytes).
    const deadline = Date.now() + 60_000;
    while (!existsSync(done)) if (Date.now() > deadline) throw new Error('the opener did not finish within 60 s');
    rmSync(done);
    await once(opener, 'exit');
    await trace.close();
    const stats = trace.stats.get('open');
    expect(stats?.dropped).toBeGreaterThan(0);
    expect(stats?.events).toBe(got.length);
    // Every open is accounted for, delivered or counted as dropped: the 200,000 of /dev/null plus
    // the few of node's and ip's start-up in the namespace.
    expect(stats!.events + stats!.dropped).toBeGreaterThanOrEqual(200_000);
    expect(stats!.events + stats!.dropped).toBeLessThan(200_000 + 1_000);
  });

  it('detaches every program and link when the client stops the trace, and when the tunnel closes', async () => {
    const before = heldBpf();
    const trace = await startTrace(session, { gadgets: ['tcp', 'dns', 'exec', 'open'] });
    const held = heldBpf();
    const mine = { progs: held.progs.filter((id) => !before.progs.includes(id)), maps: held.maps.filter((id) => !before.maps.includes(id)), links: held.links.filter((id) => !before.links.includes(id)) };
    const loaded = await stillLoaded(mine);
    expect(loaded.filter((o) => / km_trace/.test(o) && o.startsWith('prog')).length).toBe(6);
    expect(loaded.filter((o) => o.startsWith('link ')).length).toBe(4 + 4); // 4 raw tracepoints + dns on lo and the veth, in and out
    const ended = new Promise<string>((resolve) => trace.once('end', resolve));
    await trace.close();
    expect(await ended).toBe('stopped by the client');
    expect(trace.stats.get('tcp')).toMatchObject({ gadget: 'tcp', dropped: 0 });
    expect(heldBpf().links.filter((id) => mine.links.includes(id))).toEqual([]); // the agent let go at once
    await waitFor('the kernel to free the programs', async () => ((await stillLoaded(mine)).length === 0 ? true : undefined));

    const other = await connectAgent({ url: agent.url, token: agent.token });
    await startTrace(other, { gadgets: ['exec'] });
    const second = heldBpf();
    const ids = { progs: second.progs.filter((id) => !before.progs.includes(id)), maps: second.maps.filter((id) => !before.maps.includes(id)), links: second.links.filter((id) => !before.links.includes(id)) };
    expect((await stillLoaded(ids)).filter((o) => o.includes('km_trace_exec'))).toHaveLength(1);
    await other.close();
    await waitFor('the agent to detach after the tunnel closed', () => heldBpf().links.every((id) => !ids.links.includes(id)) || undefined);
    await waitFor('the kernel to free the programs', async () => ((await stillLoaded(ids)).length === 0 ? true : undefined));
  });
});
