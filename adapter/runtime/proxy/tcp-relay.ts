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
import type { ExpectedPeer } from './relay-peers.js';
import type { JoinedRelay } from './relay-drain.js';

const ACCEPT_DEADLINE_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 15_000;

export interface TcpCounters { connections: number; active: number; workstationToPodBytes: number; podToWorkstationBytes: number }

const unmapped = (address: string): string => address.replace(/^::ffff:(?=\d+\.)/i, '');

/**
 * Only the program's own connection may take the relay: the one from the exact address its layer
 * reported (relay-peers.ts), else (no notice, or another address) one whose owner is this user.
 */
async function admitted(local: Socket, peer: ExpectedPeer | undefined): Promise<boolean> {
  const told = peer ? await peer.address() : undefined;
  if (told && told.port === local.remotePort && unmapped(told.address) === unmapped(local.remoteAddress ?? '')) return true;
  return (await checkLoopbackPeer(local, { fastLookup: peerUidViaHelper })).allowed;
}

/**
 * Joins the program's connection and the agent's, counting bytes. A tunnel stream that ends
 * without the target's FIN (cut: the session closed, the tunnel dropped) resets the program's
 * socket: a program never sees a clean end after missing bytes.
 */
function join(local: Socket, remote: TunnelSocket, counters: TcpCounters, live?: Set<JoinedRelay>): void {
  counters.active++;
  const entry: JoinedRelay = { local, remote };
  live?.add(entry);
  let done = false;
  const finish = (): void => { if (!done) { done = true; counters.active--; } };
  local.on('data', (b: Buffer) => { counters.workstationToPodBytes += b.length; });
  remote.on('data', (b: Buffer) => { counters.podToWorkstationBytes += b.length; });
  if (stageTracing()) {
    local.once('data', () => markStage('relay.request'));
    remote.once('data', () => markStage('relay.response'));
    local.once('end', () => markStage('relay.program-fin'));
    local.once('close', () => markStage('relay.closed'));
  }
  local.pipe(remote);
  remote.pipe(local);
  local.on('error', () => remote.resetAndDestroy());
  remote.on('error', () => local.resetAndDestroy());
  local.on('close', () => {
    // The program's FIN may still be queued behind bytes waiting for the agent's window: let them go.
    const flushing = remote.writableEnded && !remote.writableFinished;
    if (!remote.destroyed && !flushing) remote.destroy();
    finish();
  });
  remote.on('close', () => {
    live?.delete(entry);
    if (!local.destroyed) {
      if (remote.readableEnded) local.end();
      else local.resetAndDestroy();
    }
    finish();
  });
}

/**
 * Connects in the target and returns the loopback address the layer should connect to. The
 * one-shot listener opens while the agent connects (both are needed before the layer's answer).
 */
export async function relayTcp(agent: AgentSession, host: string, port: number, ipv6: boolean, counters: TcpCounters, peer?: ExpectedPeer, live?: Set<JoinedRelay>): Promise<{ address: string; port: number }> {
  markStage('proxy.decided');
  const bindHost = ipv6 && host.includes(':') ? '::1' : '127.0.0.1';
  // noDelay: the relay forwards what the target wrote as it comes (no Nagle wait behind an unacknowledged segment).
  const server = createServer({ allowHalfOpen: true, noDelay: true });
  if (peer) server.once('close', () => peer.forget());
  let remote: TunnelSocket | undefined;
  let taken = false;
  let timer: NodeJS.Timeout | undefined;
  server.on('connection', (local) => {
    markStage('proxy.accepted');
    // Before the agent has connected nobody was told this port: not the layer's connection.
    if (!remote) { local.destroy(); return; }
    const joined = remote;
    local.pause();
    void admitted(local, peer).then((allowed) => {
      markStage('proxy.peer-checked');
      if (!allowed || taken) { local.destroy(); return; }
      taken = true;
      clearTimeout(timer);
      server.close();
      counters.connections++;
      join(local, joined, counters, live);
      local.resume();
    });
  });
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindHost, () => resolve());
  });
  const [connected, listened] = await Promise.allSettled([agent.connectTcp(host, port, { timeoutMs: CONNECT_TIMEOUT_MS, allowHalfOpen: true }), listening]);
  markStage('tunnel.reply');
  const addr = server.address();
  if (connected.status === 'rejected' || listened.status === 'rejected' || !addr || typeof addr === 'string') {
    server.close();
    if (connected.status === 'fulfilled') connected.value.destroy();
    if (connected.status === 'rejected') throw connected.reason;
    throw listened.status === 'rejected' ? listened.reason : new Error('one-shot relay listener has no address');
  }
  remote = connected.value;
  const relayed = remote;
  timer = setTimeout(() => { server.close(); if (!taken) relayed.destroy(); }, ACCEPT_DEADLINE_MS);
  markStage('proxy.listening');
  return { address: bindHost, port: addr.port };
}
