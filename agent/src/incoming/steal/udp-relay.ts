// Relays a stolen UDP port: datagrams from each pod-side peer become one stream per peer
// (one write per datagram); what the workstation writes back on that stream is sent to the
// peer as one datagram per chunk. Peer streams idle for a minute are closed.
import type dgram from 'node:dgram';
import type { Duplex } from 'node:stream';
import type { IncomingSink } from '../service.js';
import { unmapAddress } from './address.js';

const IDLE_MS = 60_000;

export function relayUdp(socket: dgram.Socket, port: number, sink: IncomingSink, streams: Set<Duplex>): void {
  const peers = new Map<string, { stream: Duplex; last: number }>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [key, p] of peers) if (now - p.last > IDLE_MS) { peers.delete(key); p.stream.end(); }
  }, 5_000);
  timer.unref();
  let open = true;
  socket.on('close', () => {
    open = false;
    clearInterval(timer);
    for (const p of peers.values()) p.stream.end();
    peers.clear();
  });
  socket.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}|${rinfo.port}`;
    let peer = peers.get(key);
    if (!peer) {
      const stream = sink.openConnection({
        source: { address: unmapAddress(rinfo.address), port: rinfo.port },
        // The datagram's own destination address needs IP_PKTINFO, which dgram does not expose.
        destination: { address: '', port },
        mode: 'steal',
        transport: 'udp',
      });
      const entry = { stream, last: Date.now() };
      peer = entry;
      peers.set(key, entry);
      streams.add(stream);
      stream.on('data', (reply: Buffer) => {
        entry.last = Date.now();
        // A stream left to drain after the unsubscribe closed the socket: nowhere to send (send would throw).
        if (open) socket.send(reply, rinfo.port, rinfo.address);
      });
      stream.on('error', () => {});
      stream.on('close', () => { streams.delete(stream); if (peers.get(key) === entry) peers.delete(key); });
    }
    peer.last = Date.now();
    peer.stream.write(msg);
  });
}
