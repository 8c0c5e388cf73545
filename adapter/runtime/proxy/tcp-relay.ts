// Outgoing TCP through the target: the agent connects from inside the target first (so refusals
// reach the program as ECONNREFUSED from its own connect), then a one-shot loopback listener is
// opened for the layer, which connects the program's socket to it; the two are piped with
// half-close preserved. The listener accepts one connection of this user (another local user's
// connection racing for the port is refused) and closes (10 s deadline).
import { createServer, type Socket } from 'node:net';
import { checkLoopbackPeer } from '#proto/runtime/loopback-peer.js';
import { markStage, stageTracing } from '#proto/runtime/stage-trace.js';
import { peerUidViaHelper } from '../process/peer-uid-client.js';
import type { AgentSession, TunnelSocket } from '../tunnel/agent-session.js';

const ACCEPT_DEADLINE_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 15_000;

export interface TcpCounters { connections: number; active: number; workstationToPodBytes: number; podToWorkstationBytes: number }

/** Joins the program's connection and the agent's, counting bytes. */
function join(local: Socket, remote: TunnelSocket, counters: TcpCounters): void {
  counters.active++;
  let done = false;
  const finish = (): void => { if (!done) { done = true; counters.active--; } };
  local.on('data', (b: Buffer) => { counters.workstationToPodBytes += b.length; });
  remote.on('data', (b: Buffer) => { counters.podToWorkstationBytes += b.length; });
  if (stageTracing()) {
    local.once('data', () => markStage('relay.request'));
    remote.once('data', () => markStage('relay.response'));
  }
  local.pipe(remote);
  remote.pipe(local);
  local.on('error', () => remote.resetAndDestroy());
  remote.on('error', () => local.resetAndDestroy());
  local.on('close', () => { if (!remote.destroyed) remote.destroy(); finish(); });
  remote.on('close', () => { if (!local.destroyed) local.end(); finish(); });
}

/** Connects in the target and returns the loopback address the layer should connect to. */
export async function relayTcp(agent: AgentSession, host: string, port: number, ipv6: boolean, counters: TcpCounters): Promise<{ address: string; port: number }> {
  markStage('proxy.decided');
  const remote = await agent.connectTcp(host, port, { timeoutMs: CONNECT_TIMEOUT_MS });
  markStage('tunnel.reply');
  const bindHost = ipv6 && host.includes(':') ? '::1' : '127.0.0.1';
  const server = createServer({ allowHalfOpen: true });
  const timer = setTimeout(() => { server.close(); remote.destroy(); }, ACCEPT_DEADLINE_MS);
  let taken = false;
  server.on('connection', (local) => {
    markStage('proxy.accepted');
    local.pause();
    void checkLoopbackPeer(local, { fastLookup: peerUidViaHelper }).then((verdict) => {
      markStage('proxy.peer-checked');
      if (!verdict.allowed || taken) { local.destroy(); return; }
      taken = true;
      clearTimeout(timer);
      server.close();
      counters.connections++;
      join(local, remote, counters);
      local.resume();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindHost, () => resolve());
  });
  markStage('proxy.listening');
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('one-shot relay listener has no address');
  return { address: bindHost, port: addr.port };
}
