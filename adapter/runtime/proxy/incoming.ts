// Incoming traffic: when the program listens on a port, subscribe the matching target port at
// the agent (mirror or steal) and deliver each connection to the program's real local port.
// port_mapping maps the program's local port to the target port it stands for. Steal pipes both
// ways; mirror delivers the copy request by request (mirror-delivery.ts, with http_filter applied
// here: only matching requests reach the program) and discards its answers. onListen resolves once the
// subscription is settled (the layer holds the program's listen() until then). Loopback-bound
// listeners are subscribed too (mirrord's semantics: the pod's traffic is delivered to them on
// the workstation's loopback), unless incoming.ignore_localhost is set.
import { connect } from 'node:net';
import type { SessionPolicy } from '../config/policy.js';
import type { AgentSession, IncomingConnection, Subscription } from '../tunnel/agent-session.js';
import { compileRequestMatcher, type RequestMatcher } from './http-request-match.js';
import { MirrorDelivery, type MirrorDeliveryCounters } from './mirror-delivery.js';
import { drainRelays, type JoinedRelay } from './relay-drain.js';
import { deliverUdp, endUdpDeliveries, type UdpDelivery } from './udp-delivery.js';

export interface IncomingStatus {
  port: number; localPort: number; mode: string; transport: string; state: 'subscribing' | 'active' | 'failed' | 'closed'; connections: number; error?: string; warnings?: string[];
  /** Mirror: requests delivered to the program, left out by http_filter, dropped (queue full). */
  mirrored?: MirrorDeliveryCounters;
}

/** How a listen ended: subscribed at the agent, not subscribed by policy, or failed (`error`). */
export interface ListenOutcome { subscribed: boolean; error?: string }

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** Where a connection to the program's listener goes: its bound address, loopback for a wildcard. */
function localHost(address: string): string {
  return address === '' || address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
}

export class IncomingService {
  private readonly subs = new Map<string, { status: IncomingStatus; sub?: Subscription; settled: Promise<ListenOutcome> }>();
  /** Stolen connections the program may still be answering. */
  private readonly answering = new Set<JoinedRelay>();
  /** Stolen UDP peers joined to the program's socket. */
  private readonly udpPeers = new Set<UdpDelivery>();

  constructor(
    private readonly agent: () => AgentSession | undefined,
    private readonly policy: SessionPolicy['incoming'],
    private readonly log: (level: 'info' | 'warn', message: string) => void,
  ) {}

  /** The program listens on `localPort` (bound to `address`); resolves when the subscription is settled. */
  onListen(transport: 'tcp' | 'udp', localPort: number, address: string): Promise<ListenOutcome> {
    const p = this.policy;
    const notSubscribed = Promise.resolve({ subscribed: false });
    if (p.mode === 'off') return notSubscribed;
    const remotePort = p.portMapping.get(localPort) ?? localPort;
    if (p.ports && !p.ports.includes(remotePort)) return notSubscribed;
    if (p.ignorePorts.includes(remotePort)) return notSubscribed;
    if (p.ignoreLocalhost && LOOPBACK.test(address)) return notSubscribed;
    const key = `${transport}/${remotePort}`;
    const existing = this.subs.get(key);
    if (existing) return existing.settled;
    const agent = this.agent();
    if (!agent) return Promise.resolve({ subscribed: false, error: 'the agent is not connected' });
    const status: IncomingStatus = { port: remotePort, localPort, mode: p.mode, transport, state: 'subscribing', connections: 0 };
    const filtered = p.httpFilter && (!p.httpFilterPorts || p.httpFilterPorts.includes(remotePort)) ? p.httpFilter : undefined;
    const httpFilter = p.mode === 'steal' ? filtered : undefined;
    // Mirror: the agent sends every byte; the proxy splits the requests and applies the filter.
    let mirrorMatcher: RequestMatcher | undefined;
    if (p.mode === 'mirror' && filtered) {
      try {
        mirrorMatcher = compileRequestMatcher(filtered);
      } catch (err) {
        return Promise.resolve({ subscribed: false, error: `cannot mirror target port ${remotePort}: ${(err as Error).message}` });
      }
    }
    if (p.mode === 'mirror') status.mirrored = { delivered: 0, filtered: 0, dropped: 0 };
    const entry: { status: IncomingStatus; sub?: Subscription; settled: Promise<ListenOutcome> } = { status, settled: notSubscribed };
    this.subs.set(key, entry);
    entry.settled = agent.subscribe({ port: remotePort, mode: p.mode, transport, ...(httpFilter ? { httpFilter } : {}) }, (conn) => {
      status.connections++;
      if (conn.mode === 'mirror') this.deliverMirror(conn, localPort, address, mirrorMatcher, status.mirrored!);
      else this.deliver(conn, localPort, address);
    }).then((sub) => {
      entry.sub = sub;
      status.state = 'active';
      this.log('info', `${p.mode} of target port ${remotePort}/${transport} → local port ${localPort}`);
      sub.on('closed', (reason: string) => { status.state = 'closed'; status.error = reason; });
      // Another session of a shared agent may take some of this port's requests: say so, once each.
      const warn = (message: string): void => { (status.warnings ??= []).push(message); this.log('warn', message); };
      for (const w of sub.warnings ?? []) warn(w);
      sub.on('warning', warn);
      return { subscribed: true };
    }, (err: Error) => {
      status.state = 'failed';
      status.error = err.message;
      this.log('warn', `cannot ${p.mode} target port ${remotePort}/${transport}: ${err.message}`);
      return { subscribed: false, error: `cannot ${p.mode} target port ${remotePort}: ${err.message}` };
    });
    return entry.settled;
  }

  private deliverMirror(conn: IncomingConnection, localPort: number, address: string, matcher: RequestMatcher | undefined, counters: MirrorDeliveryCounters): void {
    // A mirrored UDP peer: each copied datagram reaches the program's UDP socket as a datagram.
    if (conn.transport === 'udp') return void deliverUdp(conn, localHost(address), localPort, { discardAnswers: true });
    const delivery = new MirrorDelivery(() => connect({ port: localPort, host: localHost(address), allowHalfOpen: true }), matcher, counters);
    conn.on('data', (d: Buffer) => delivery.push(d));
    conn.on('gap', () => delivery.gap());
    conn.on('end', () => delivery.end());
    conn.on('error', () => delivery.end());
    conn.on('close', () => delivery.end());
  }

  private deliver(conn: IncomingConnection, localPort: number, address: string): void {
    if (conn.transport === 'udp') {
      const delivery = deliverUdp(conn, localHost(address), localPort);
      this.udpPeers.add(delivery);
      conn.once('close', () => this.udpPeers.delete(delivery));
      return;
    }
    const local = connect({ port: localPort, host: localHost(address), allowHalfOpen: true });
    conn.pipe(local);
    if (conn.mode === 'steal') {
      local.pipe(conn);
      const relay = { local, remote: conn };
      this.answering.add(relay);
      conn.once('close', () => this.answering.delete(relay));
    }
    else local.resume();   // mirror: the program's answers go nowhere
    // A reset on either side is a reset on the other; a stream cut before the pod's FIN (the
    // tunnel lost) resets the program's socket rather than ending it cleanly.
    local.on('error', () => conn.destroy(new Error('connection reset by the program')));
    conn.on('error', () => local.resetAndDestroy());
    conn.on('close', () => { if (conn.readableEnded) local.end(); else if (!local.destroyed) local.resetAndDestroy(); });
  }

  status(): IncomingStatus[] {
    return [...this.subs.values()].map((e) => ({ ...e.status }));
  }

  /** Stops every subscription, once the answers the program already gave (stolen connections it
   * has finished answering) are handed to the tunnel: the agent delivers them to the pod-side
   * client after the unsubscribe (it drains streams whose workstation side shut down), so a
   * program that exits right after replying loses nothing. */
  async close(): Promise<void> {
    await Promise.all([drainRelays(this.answering), endUdpDeliveries(this.udpPeers)]);
    await Promise.allSettled([...this.subs.values()].map((e) => e.sub?.close()));
    this.subs.clear();
  }
}
