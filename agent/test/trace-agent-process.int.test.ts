// The trace gadgets in a real agent process (dist/kmirror-agent.js): its links are not pinned, so
// kill -9 of the agent leaves no km_trace program, map or link; and snapshots of the target's
// processes and sockets as /proc shows them.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, spawnSleepTarget, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { startTrace, takeSnapshot } from '#runtime/trace/trace-client.js';
import { heldBpf, stillLoaded, waitFor } from './helpers/pod.js';
import { collect, eventsUntil } from './helpers/trace-fixture.js';

let ns: TestNetns;
let targetPid: number;
let agent: LocalAgent | undefined;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, { TRACE_TEST: '1' });
});

afterAll(async () => {
  try {
    await agent?.stop();
  } finally {
    cleanupAll();
  }
});

describe('trace in an agent process', () => {
  it('leaves nothing attached after kill -9 of the agent during a trace', async () => {
    agent = await startLocalAgent({ target: `pid/${targetPid}` });
    const session = await connectAgent({ url: agent.url, token: agent.token });
    expect([...session.capabilities]).toEqual(expect.arrayContaining(['trace', 'snapshot']));
    const trace = await startTrace(session, { gadgets: ['tcp', 'dns', 'exec', 'open'] });
    const held = heldBpf(agent.pid);
    const loaded = await stillLoaded(held);
    expect(loaded.filter((o) => /^prog \d+ km_trace_/.test(o))).toHaveLength(6);
    expect(loaded.filter((o) => o.startsWith('link '))).toHaveLength(8);
    const events = collect(trace);
    ns.exec('true', ['kill-9-marker']); // an exec in the target while tracing: the trace is live
    await eventsUntil(events, 'the exec event', (es) => es.some((e) => e.gadget === 'exec' && e.argv.includes('kill-9-marker')));
    const ended = once(trace, 'end');
    process.kill(agent.pid, 'SIGKILL');
    expect(String((await ended)[0])).toMatch(/tunnel closed/);
    agent = undefined;
    await waitFor('the kernel to drop every km_trace object of the killed agent', async () => ((await stillLoaded(held)).length === 0 ? true : undefined), 10_000);
    await session.close();
  });
});

describe('snapshot', () => {
  it("lists the target's processes and sockets with their owners", async () => {
    agent = await startLocalAgent({ target: `pid/${targetPid}` });
    const server = ns.spawn(process.execPath, ['-e', "require('net').createServer().listen(0, '127.0.0.1', function () { console.log(this.address().port); })"]);
    const [portLine] = await once(server.stdout!, 'data');
    const port = Number(String(portLine).trim());
    const session = await connectAgent({ url: agent.url, token: agent.token });
    const snap = await takeSnapshot(session, ['processes', 'sockets']);
    const sleep = snap.processes.find((p) => p.pid === targetPid);
    expect(sleep).toMatchObject({ comm: 'sleep', argv: ['sleep', '600'], uid: 0 });
    expect(sleep?.startTimeUs).toBeLessThanOrEqual(snap.timeUs);
    expect(snap.processes.some((p) => p.pid === server.pid && p.comm === 'node')).toBe(true);
    expect(snap.processes.every((p) => p.pid !== agent!.pid && p.pid !== process.pid)).toBe(true); // only the namespace's
    const listener = snap.sockets.find((s) => s.local.port === port);
    expect(listener).toMatchObject({ protocol: 'tcp', ipv6: false, local: { address: '127.0.0.1', port }, state: 'LISTEN', pids: [server.pid] });
    const onlyProcesses = await takeSnapshot(session, ['processes']);
    expect(onlyProcesses.sockets).toEqual([]);
    expect(onlyProcesses.processes.length).toBeGreaterThan(0);
    await session.close();
    server.kill('SIGKILL');
  });
});
