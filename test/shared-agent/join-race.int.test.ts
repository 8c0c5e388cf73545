// Two sessions starting on one local target at the same moment end with one agent (the
// abstract-socket election), both served by it; a session of another protocol version is
// refused with both versions named; the agent ends after its last session.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { localAgentKey, openSharedLocalAgent, sweepStaleLocalAgents, waitPidGone } from '#runtime/placement/local-shared-agent.js';
import { localAgentSessions } from '#runtime/sessions/list-sessions.js';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { sharedAgentPids, startActiveSession, stopAllSessions } from './exec-session.js';

let ns: TestNetns;
let key: string;

beforeAll(() => {
  requireRoot();
  ns = createNetns();
  key = localAgentKey({ kind: 'netns', name: ns.name });
});

afterAll(async () => {
  await stopAllSessions();
  for (const pid of key ? sharedAgentPids(key) : []) if (!(await waitPidGone(pid, 5_000))) process.kill(pid, 'SIGKILL');
  await sweepStaleLocalAgents();
  ns?.cleanup();
});

describe('sessions starting together on netns/NAME', () => {
  it('end with one agent serving both; it exits after the last one leaves', async () => {
    const target = `netns/${ns.name}`;
    const [a, b] = await Promise.all([startActiveSession(target, 'a', 8100, { mode: 'mirror' }), startActiveSession(target, 'b', 8100, { mode: 'mirror' })]);
    const pids = sharedAgentPids(key);
    expect(pids).toHaveLength(1);
    const listed = await localAgentSessions(target); // what `kmirror sessions --target netns/NAME` shows
    expect(listed?.sessions.filter((s) => !s.self).map((s) => s.subscriptions.map((x) => `${x.port} ${x.mode}`))).toEqual([['8100 mirror'], ['8100 mirror']]);
    for (const s of [a, b]) { s.kill(); await new Promise((r) => s.child.once('exit', r)); }
    expect(await waitPidGone(pids[0]!, 5_000)).toBe(true);
    expect(await localAgentSessions(target)).toEqual({ target, agentPod: '-', sessions: [] });
  });

  it('refuses a session of another protocol version, naming both versions', async () => {
    const first = await openSharedLocalAgent({ target: { kind: 'netns', name: ns.name } });
    try {
      const s = JSON.parse(readFileSync(first.stateFile, 'utf8')) as { port: number; token: string };
      await expect(connectAgent({ url: `ws://127.0.0.1:${s.port}/kmirror/v1`, token: s.token, protocolVersion: 2 }))
        .rejects.toThrow(/protocol version 2 is not supported \(agent speaks 1\.\.1\)/);
      expect((await first.session.sessions!()).length).toBe(1); // the refused one never became a session
    } finally {
      await first.session.close();
      await waitPidGone(first.pid, 5_000);
    }
  });
});
