// An outgoing connection the agent holds toward the target, read by a plain recv() server in the
// target (Node would report a reset after a partial read as a clean end): if the agent is killed
// (kill -9) mid-upload the server sees a reset (SO_LINGER {on, 0} on the agent's socket), never a
// clean end of a truncated stream; an orderly end still delivers every byte and a FIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, sweepStale, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { randomPayload } from './helpers/integrity.js';
import { rawSinkServer } from './helpers/raw-sink-server.js';

const SIZE = 8 * 1024 * 1024;
let ns: TestNetns;
let agent: LocalAgent;

beforeAll(async () => {
  requireRoot();
  sweepStale();
  ns = createNetns();
  agent = await startLocalAgent({ target: `netns/${ns.name}` });
});

afterAll(async () => {
  try { await agent?.stop(); } finally { cleanupAll(); }
});

describe('outgoing TCP toward the target', () => {
  it('the agent killed mid-upload: the target reads a reset, not a clean end', async () => {
    const sink = await rawSinkServer(ns);
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'kill' });
    session.on('error', () => undefined);
    const sock = await session.connectTcp('127.0.0.1', sink.port);
    sock.on('error', () => undefined);
    sock.write(randomPayload(SIZE).bytes); // never ended: the program is still sending
    await sink.midway;
    process.kill(agent.pid, 'SIGKILL');
    const got = await sink.received;
    expect(got.how).toBe('ECONNRESET');
    agent = await startLocalAgent({ target: `netns/${ns.name}` });
  });

  it('an orderly end: the target reads every byte and a clean end', async () => {
    const sink = await rawSinkServer(ns);
    const payload = randomPayload(SIZE);
    const session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'orderly' });
    const sock = await session.connectTcp('127.0.0.1', sink.port);
    sock.end(payload.bytes);
    await new Promise((resolve) => sock.once('finish', resolve));
    const closed = session.close();
    expect(await sink.received).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await closed;
  });
});
