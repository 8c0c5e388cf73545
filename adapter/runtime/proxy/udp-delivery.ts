// Delivers one stolen UDP peer to the program: the agent opens one stream per pod-side peer and
// writes one chunk per datagram; each chunk is sent as a datagram to the program's local port,
// and each datagram the program answers (to the sending socket) goes back on the stream, which
// the agent sends to the peer from the stolen port. A TCP connect here would never reach a UDP
// server (stolen datagrams were lost before this existed).
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { IncomingConnection } from '../tunnel/agent-session.js';

export function deliverUdp(conn: IncomingConnection, localPort: number, host: string): void {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  let closed = false;
  const close = (): void => { if (!closed) { closed = true; socket.close(); } };
  socket.on('message', (msg, from) => {
    // Only the program's answers: its port, from the address we sent to.
    if (from.port === localPort && !conn.destroyed) conn.write(msg);
  });
  socket.on('error', () => { close(); conn.destroy(); });
  conn.on('data', (datagram: Buffer) => { if (!closed) socket.send(datagram, localPort, host); });
  conn.on('error', close);
  conn.on('close', close);
  conn.on('end', () => { close(); conn.end(); });
}
