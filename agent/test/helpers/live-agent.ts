// A real agent process (dist/kmirror-agent.js, or KMIRROR_AGENT_JS) serving a target process in
// a fresh namespace, with something to talk to inside: a TCP echo server, a UDP echo server, a
// DNS server on 127.0.0.1:53 (the target's resolv.conf); the target's root is a throwaway
// tmpfs (./sandbox-target.ts), so clients may write anywhere in it. Shared by the boundary test,
// the fuzz tests and bench/fuzz-agent.ts. stop() removes the agent, the target and the servers;
// the namespace goes with cleanupAll().
import net from 'node:net';
import type dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createNetns, type TestNetns } from '#test/harness/netns.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import { startSandboxTarget } from './sandbox-target.js';
import { dnsServerInside, tcpServerInside, udpEchoInside, type TargetProcess } from './target-fixture.js';

export const LIVE_DNS_NAME = 'web.live.internal';

export interface LiveAgent {
  ns: TestNetns;
  target: TargetProcess;
  agent: LocalAgent;
  /** TCP echo inside the namespace on 127.0.0.1 (keeps each connection open until the peer closes). */
  tcpEchoPort: number;
  udpEchoPort: number;
  /** The agent's stderr (JSON log lines). */
  logs: string[];
  /** Agent log lines at error level (an INTERNAL error, a crash report). */
  errorLogs(): string[];
  alive(): boolean;
  rssKb(): number;
  stop(): Promise<void>;
}

export async function startLiveAgent(opts: { logLevel?: 'debug' | 'info' } = {}): Promise<LiveAgent> {
  const ns = createNetns();
  const accepted = new Set<net.Socket>();
  const echo = await tcpServerInside(ns, (s) => {
    accepted.add(s);
    s.on('close', () => accepted.delete(s));
    s.on('error', () => undefined);
    s.pipe(s);
  });
  const udp: { port: number; socket: dgram.Socket } = await udpEchoInside(ns);
  await dnsServerInside(ns, '127.0.0.1:53', { [LIVE_DNS_NAME]: ns.podIp });
  const target = await startSandboxTarget(ns, {
    env: { LIVE_ONLY_VAR: 'live' },
    resolvConf: 'nameserver 127.0.0.1\nsearch live.internal\noptions timeout:1 attempts:1\n',
    hosts: '127.0.0.1 localhost\n',
    mntFiles: { 'read.txt': 'live file\n' },
  });
  const logs: string[] = [];
  let agent: LocalAgent;
  try {
    agent = await startLocalAgent({ target: `pid/${target.pid}`, onLog: (l) => logs.push(l), extraArgs: ['--log-level', opts.logLevel ?? 'info'] });
  } catch (err) {
    target.cleanup();
    throw err;
  }
  return {
    ns, target, agent, tcpEchoPort: echo.port, udpEchoPort: udp.port, logs,
    errorLogs: () => logs.filter((l) => l.includes('"level":"error"')),
    alive: () => { try { process.kill(agent.pid, 0); return true; } catch { return false; } },
    rssKb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1] ?? NaN),
    async stop() {
      await agent.stop();
      for (const s of accepted) s.destroy();
      echo.server.close();
      udp.socket.close();
      target.cleanup();
    },
  };
}

/** A well-behaved client: handshake, ping, the target's env, a TCP round trip inside; then it leaves. */
export async function expectStillServing(live: LiveAgent): Promise<void> {
  if (!live.alive()) throw new Error(`agent ${live.agent.pid} is gone: ${live.logs.slice(-5).join('\n')}`);
  const session = await connectAgent({ url: live.agent.url, token: live.agent.token, clientName: 'still-serving' });
  try {
    await session.ping();
    const env = await session.env();
    if (env.LIVE_ONLY_VAR !== 'live') throw new Error(`unexpected env from the agent: ${JSON.stringify(env).slice(0, 200)}`);
    const sock = await session.connectTcp('127.0.0.1', live.tcpEchoPort);
    const echoed = await new Promise<string>((resolve, reject) => {
      let got = '';
      sock.on('data', (d: Buffer) => { got += d.toString(); if (got === 'ping') { sock.destroy(); resolve(got); } });
      sock.on('error', reject);
      sock.write('ping');
    });
    if (echoed !== 'ping') throw new Error(`TCP echo through the agent answered ${echoed}`);
  } finally {
    await session.close();
  }
}
