// Outgoing UDP through the target: one loopback relay socket per remote destination (the layer
// caches the relay and sends the program's datagrams there). DNS queries (port 53, DNS on) are
// answered by the target's nameserver through AgentSession.dnsQuery and their answers recorded
// for hostname filters; other datagrams go through one agent UDP socket per program socket.
import { createSocket, type RemoteInfo, type Socket as DgramSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { AgentSession, TunnelUdpSocket } from '../tunnel/agent-session.js';
import { readQueuedDatagrams } from './read-queued-datagrams.js';

export interface UdpCounters { datagramsOut: number; datagramsIn: number; dnsQueries: number; dnsFailures: number }

interface Relay { socket: DgramSocket; port: number; peers: Map<string, Promise<TunnelUdpSocket>> }

/** How long close() waits for datagrams still on their way to the agent (an agent UDP socket opening). */
const CLOSE_DRAIN_MS = 5_000;

export class UdpRelays {
  private readonly relays = new Map<string, Promise<Relay>>();
  /** Datagrams received from the program and not yet handed to the tunnel: close() waits for them. */
  private readonly inflight = new Set<Promise<void>>();
  readonly counters: UdpCounters = { datagramsOut: 0, datagramsIn: 0, dnsQueries: 0, dnsFailures: 0 };

  constructor(
    private readonly agent: () => AgentSession | undefined,
    private readonly dnsEnabled: boolean,
    private readonly onDnsAnswer: (name: string, address: string, asked: boolean) => void,
    private readonly warn: (message: string) => void,
  ) {}

  /** The loopback relay port for `address:port` (created on first use, kept for the session). */
  relayFor(address: string, port: number): Promise<number> {
    const key = `${address}|${port}`;
    let relay = this.relays.get(key);
    if (!relay) {
      relay = this.open(address, port);
      relay.catch(() => this.relays.delete(key));
      this.relays.set(key, relay);
    }
    return relay.then((r) => r.port);
  }

  private async open(address: string, port: number): Promise<Relay> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    const relay: Relay = { socket, port: socket.address().port, peers: new Map() };
    socket.on('message', (payload, from) => {
      this.counters.datagramsOut++;
      const done = this.dnsEnabled && port === 53 ? this.dns(relay, payload, from, address) : this.forward(relay, payload, from, address, port);
      this.inflight.add(done);
      void done.finally(() => this.inflight.delete(done));
    });
    socket.on('error', (err) => this.warn(`UDP relay for ${address}:${port}: ${err.message}`));
    return relay;
  }

  private async dns(relay: Relay, query: Buffer, from: RemoteInfo, server: string): Promise<void> {
    const agent = this.agent();
    if (!agent) return;
    this.counters.dnsQueries++;
    try {
      const answer = await agent.dnsQuery(query, { address: server, port: 53 });
      this.recordAnswers(answer);
      this.counters.datagramsIn++;
      relay.socket.send(answer, from.port, from.address);
    } catch (err) {
      this.counters.dnsFailures++;
      this.warn(`DNS query to ${server} through the target failed: ${(err as Error).message}`);
    }
  }

  private recordAnswers(answer: Buffer): void {
    try {
      const packet = dnsPacket.decode(answer);
      const asked = packet.questions?.[0]?.name;
      for (const a of packet.answers ?? []) {
        if ((a.type === 'A' || a.type === 'AAAA') && typeof a.data === 'string') {
          this.onDnsAnswer(a.name, a.data, false);
          // The question's name too: after a CNAME chain the A record carries another name.
          if (asked) this.onDnsAnswer(asked, a.data, true);
        }
      }
    } catch {
      // Not decodable: the program gets the answer anyway; only hostname filters miss it.
    }
  }

  private async forward(relay: Relay, payload: Buffer, from: RemoteInfo, address: string, port: number): Promise<void> {
    const agent = this.agent();
    if (!agent) return;
    const peerKey = `${from.address}:${from.port}`;
    let peer = relay.peers.get(peerKey);
    if (!peer) {
      peer = agent.openUdp({ ipv6: address.includes(':') });
      relay.peers.set(peerKey, peer);
      peer.then((sock) => {
        sock.on('message', (buf: Buffer) => {
          this.counters.datagramsIn++;
          relay.socket.send(buf, from.port, from.address);
        });
        sock.on('close', () => relay.peers.delete(peerKey));
      }, (err: Error) => {
        relay.peers.delete(peerKey);
        this.warn(`UDP to ${address}:${port} through the target: ${err.message}`);
      });
    }
    try {
      (await peer).send(payload, { address, port });
    } catch {
      // reported once by the openUdp rejection handler above
    }
  }

  /**
   * Ends every relay without losing what the program already sent: a program that sends and
   * exits at once leaves datagrams queued on a relay socket and agent sockets still opening.
   * The event loop turns until what is queued is read, the relays stop receiving, then the forwards in
   * flight finish (bounded) before the agent sockets are closed behind their last datagram.
   */
  async close(): Promise<void> {
    await readQueuedDatagrams(() => this.counters.datagramsOut);
    const relays: Relay[] = [];
    for (const relay of this.relays.values()) {
      try {
        const r = await relay;
        r.socket.close();
        relays.push(r);
      } catch {
        // never opened
      }
    }
    this.relays.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_DRAIN_MS); }),
    ]);
    clearTimeout(timer);
    for (const r of relays) for (const p of r.peers.values()) void p.then((s) => s.close(), () => undefined);
  }
}
