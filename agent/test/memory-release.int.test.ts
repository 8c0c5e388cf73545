// The agent gives memory back after bulk traffic (agent/src/memory-release.ts): a real agent
// process relays 128 MB into a real network namespace (every byte counted), then, once the tunnel
// is quiet, logs the release and is back near its idle size. Needs root.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { closeFixtures, tcpServerInside } from './helpers/target-fixture.js';

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

const TOTAL = 128 << 20;

describe('agent memory after bulk traffic', () => {
  requireRoot();
  let ns: TestNetns;
  let agent: LocalAgent;
  let session: AgentSession;
  let sinkPort = 0;
  const released: Array<{ movedMB: number; rssMB: number }> = [];
  let onRelease: (() => void) | undefined;

  beforeAll(async () => {
    ns = createNetns();
    sinkPort = (await tcpServerInside(ns, (s) => {
      let n = 0;
      s.on('data', (d: Buffer) => (n += d.length));
      s.on('end', () => s.end(String(n)));
      s.on('error', () => undefined);
    })).port;
    agent = await startLocalAgent({
      target: `netns/${ns.name}`, extraArgs: ['--log-level', 'debug'],
      onLog: (line) => {
        if (!line.includes('memory released after traffic')) return;
        released.push(JSON.parse(line) as { movedMB: number; rssMB: number });
        onRelease?.();
      },
    });
    session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'memory-release test' });
  });
  afterAll(async () => {
    await session?.close();
    await agent?.stop();
    closeFixtures();
    cleanupAll();
  });

  it('relays 128 MB intact, then returns to its idle size once the tunnel is quiet', async () => {
    const idle = rssMb(agent.pid);
    const sock = await session.connectTcp('127.0.0.1', sinkPort, { allowHalfOpen: true });
    const answer = new Promise<string>((resolve, reject) => {
      let text = '';
      sock.on('data', (d: Buffer) => (text += d.toString()));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    for (let sent = 0; sent < TOTAL; sent += chunk.length) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    }
    sock.end();
    expect(Number(await answer)).toBe(TOTAL);
    const peak = rssMb(agent.pid);

    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no memory release within 15 s (RSS idle ${idle.toFixed(1)} MB, after the transfer ${peak.toFixed(1)} MB)`)), 15_000);
      onRelease = () => { clearTimeout(timer); resolve(); };
      if (released.length > 0) onRelease();
    });
    expect(released[0]?.movedMB).toBeGreaterThanOrEqual(128);
    expect(rssMb(agent.pid)).toBeLessThanOrEqual(idle + 16);
  });
});
