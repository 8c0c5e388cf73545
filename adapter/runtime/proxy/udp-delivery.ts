// Stolen UDP on the workstation: the agent carries each pod peer's datagrams on one stream (one
// chunk per datagram); they reach the program's UDP socket from a loopback socket of their own,
// and what the program sends back to that socket goes to the pod peer as one datagram each.
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import type { IncomingConnection } from '../tunnel/agent-session.js';
import { readQueuedDatagrams } from './read-queued-datagrams.js';

export interface UdpDelivery {
  socket: DgramSocket;
  conn: IncomingConnection;
  /** Datagrams the program sent back so far. */
  answers: number;
}

/**
 * Joins a stolen UDP stream to the program's socket at `host:port`. A mirrored one
 * (`discardAnswers`) only delivers: the pod's own app answers the peer.
 */
export function deliverUdp(conn: IncomingConnection, host: string, port: number, opts: { discardAnswers?: boolean } = {}): UdpDelivery {
  const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
  const pending: Buffer[] = [];
  let connected = false;
  socket.connect(port, host, () => {
    connected = true;
    for (const d of pending.splice(0)) socket.send(d);
  });
  conn.on('data', (d: Buffer) => { if (connected) socket.send(d); else pending.push(d); });
  // The program's answers: a connected socket takes datagrams from the program's address only.
  const delivery: UdpDelivery = { socket, conn, answers: 0 };
  socket.on('message', (m: Buffer) => { delivery.answers++; if (conn.writable && !opts.discardAnswers) conn.write(m); });
  socket.on('error', () => undefined);   // ICMP unreachable: the program is gone; the peer stream idles out
  conn.on('error', () => undefined);
  conn.on('close', () => { try { socket.close(); } catch { /* closed */ } });
  return delivery;
}

/**
 * At session end: the answers the program already sent (a program that answers and exits leaves
 * them queued on the socket) are read, then each stream is ended behind its last answer, so the
 * agent delivers them after the unsubscribe like any finished stream.
 */
export async function endUdpDeliveries(deliveries: Iterable<UdpDelivery>): Promise<void> {
  const all = [...deliveries];
  await readQueuedDatagrams(() => all.reduce((n, d) => n + d.answers, 0));
  for (const { socket, conn } of all) {
    try { socket.close(); } catch { /* closed */ }
    if (conn.writable) conn.end();
  }
}
