// Mirrored UDP: km_mirror copies each datagram sent to a port mirrored for UDP (KM_MIRROR_UDP
// records, chunked like TCP segments). Each pod peer (source address and port) gets one stream
// per subscriber, carrying each datagram as one chunk, as for stolen UDP; what the subscriber
// writes back is discarded (the original app answers). A peer silent for IDLE_PEER_MS has its
// streams ended. A subscriber too slow to take them has datagrams dropped (UDP's own semantics),
// never memory growing without bound.
import type { Duplex } from 'node:stream';
import type { IncomingSink } from '../service.js';
import type { MirrorRecord } from './record.js';

const IDLE_PEER_MS = 60_000;
const MAX_QUEUED_BYTES = 4 << 20; // per subscriber stream before datagrams are dropped

interface Peer {
  port: number;
  streams: Map<IncomingSink, Duplex>;
  parts: Buffer[];
  got: number;
  lastSeen: number;
}

export class UdpMirror {
  private readonly ports = new Map<number, Set<IncomingSink>>();
  private readonly peers = new Map<string, Peer>();
  /** Datagrams delivered and dropped (a slow subscriber, or chunks of one datagram out of order). */
  readonly counters = { datagrams: 0, dropped: 0 };

  has(port: number): boolean {
    return (this.ports.get(port)?.size ?? 0) > 0;
  }

  get portCount(): number {
    return this.ports.size;
  }

  add(port: number, sink: IncomingSink): void {
    let subs = this.ports.get(port);
    if (!subs) this.ports.set(port, (subs = new Set()));
    subs.add(sink);
  }

  /** Ends `sink`'s streams on `port`. */
  remove(port: number, sink: IncomingSink): void {
    const subs = this.ports.get(port);
    if (!subs?.delete(sink)) return;
    if (subs.size === 0) this.ports.delete(port);
    for (const [key, peer] of this.peers) {
      if (peer.port !== port) continue;
      peer.streams.get(sink)?.end();
      peer.streams.delete(sink);
      if (subs.size === 0) this.peers.delete(key);
    }
  }

  onRecord(r: MirrorRecord, now = Date.now()): void {
    const subs = this.ports.get(r.destination.port);
    if (!subs) return; // released while records were in flight
    const key = `${r.source.address}|${r.source.port}|${r.destination.port}`;
    let peer = this.peers.get(key);
    if (!peer) this.peers.set(key, (peer = { port: r.destination.port, streams: new Map(), parts: [], got: 0, lastSeen: now }));
    peer.lastSeen = now;
    if (r.offset === 0) { peer.parts = []; peer.got = 0; }
    else if (r.offset !== peer.got) { this.counters.dropped++; peer.parts = []; peer.got = 0; return; }
    peer.parts.push(Buffer.from(r.data)); // copy: the batch buffer is shared
    peer.got += r.data.length;
    if (peer.got < r.segmentLength) return;
    const datagram = peer.parts.length === 1 ? peer.parts[0]! : Buffer.concat(peer.parts);
    peer.parts = [];
    peer.got = 0;
    for (const sink of subs) {
      let stream = peer.streams.get(sink);
      if (!stream || stream.destroyed) {
        stream = sink.openConnection({ source: r.source, destination: r.destination, mode: 'mirror', transport: 'udp' });
        stream.on('data', () => {}); // the copy's answers are discarded
        stream.on('error', () => {});
        peer.streams.set(sink, stream);
      }
      if (stream.writableLength > MAX_QUEUED_BYTES) { this.counters.dropped++; continue; }
      stream.write(datagram);
      this.counters.datagrams++;
    }
  }

  /** Ends the streams of peers silent for IDLE_PEER_MS. */
  sweep(now = Date.now()): void {
    for (const [key, peer] of this.peers) {
      if (now - peer.lastSeen <= IDLE_PEER_MS) continue;
      for (const s of peer.streams.values()) s.end();
      this.peers.delete(key);
    }
  }

  clear(): void {
    for (const peer of this.peers.values()) for (const s of peer.streams.values()) s.end();
    this.peers.clear();
    this.ports.clear();
  }
}
