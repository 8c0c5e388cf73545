// An outgoing connection the agent holds toward the target, read by a plain recv() server in the
// target (Node would report a reset after a partial read as a clean end): if the agent is killed
// (kill -9) mid-upload the server sees a reset (SO_LINGER {on, 0} on the agent's socket), never a
// clean end of a truncated stream; an orderly end still delivers every byte and a FIN.
import { describe, expect, it } from 'vitest';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { randomPayload } from './helpers/integrity.js';
import { netnsAgentForFile } from './helpers/netns-agent.js';
import { rawSinkServer } from './helpers/raw-recv.js';

const SIZE = 8 * 1024 * 1024;
const env = netnsAgentForFile();

describe('outgoing TCP toward the target', () => {
  it('the agent killed mid-upload: the target reads a reset, not a clean end', async () => {
    const sink = await rawSinkServer(env.ns);
    const session = await connectAgent({ url: env.agent.url, token: env.agent.token, clientName: 'kill' });
    session.on('error', () => undefined);
    const sock = await session.connectTcp('127.0.0.1', sink.port);
    sock.on('error', () => undefined);
    sock.write(randomPayload(SIZE).bytes); // never ended: the program is still sending
    await sink.midway;
    process.kill(env.agent.pid, 'SIGKILL');
    const got = await sink.received;
    expect(got.how).toBe('ECONNRESET');
    await env.restartAgent();
  });

  it('an orderly end: the target reads every byte and a clean end', async () => {
    const sink = await rawSinkServer(env.ns);
    const payload = randomPayload(SIZE);
    const session = await connectAgent({ url: env.agent.url, token: env.agent.token, clientName: 'orderly' });
    const sock = await session.connectTcp('127.0.0.1', sink.port);
    sock.end(payload.bytes);
    await new Promise((resolve) => sock.once('finish', resolve));
    const closed = session.close();
    expect(await sink.received).toEqual({ length: SIZE, sha: payload.sha, how: 'end' });
    await closed;
  });
});
