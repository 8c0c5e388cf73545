// UDP from inside the target: UdpOpen → a socket bound in the target's netns → UdpOpened, then
// UdpDatagram both ways. UDP is lossy by nature, so instead of credit the agent drops incoming
// datagrams while the tunnel is backed up: memory stays bounded.
import type dgram from 'node:dgram';
import type { TunnelConnection, StreamHandler } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg, MsgOf } from '#proto/runtime/messages.js';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import { toTunnelError } from './errno.js';
import { checkWireBounds } from './wire-bounds.js';

class UdpStream implements StreamHandler {
  dropped = 0;
  private closed = false;
  /** Datagrams handed to the socket and not yet sent (dgram sends after a tick): close waits for them. */
  private sending = 0;
  private closeWhenSent = false;

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly socket: dgram.Socket, private readonly log: Logger) {
    socket.on('message', (payload, rinfo) => {
      if (this.closed) return;
      if (conn.needsDrain) {
        this.dropped++;
        return;
      }
      conn.send(streamId, { kind: 'udpDatagram', peer: { address: rinfo.address, port: rinfo.port }, payload });
    });
    socket.on('error', (err) => {
      log.debug('udp', 'socket error', { stream: streamId, err: err.message });
    });
  }

  onMessage(msg: Msg): void {
    switch (msg.kind) {
      case 'udpDatagram': {
        const { peer, payload } = msg;
        try {
          checkWireBounds(msg);
        } catch (err) {
          this.conn.send(this.streamId, { kind: 'error', code: 'INVALID_ARGUMENT', message: (err as Error).message });
          return this.release();
        }
        this.sending++;
        this.socket.send(payload, peer.port, peer.address, (err) => {
          if (err) this.log.debug('udp', 'send failed', { stream: this.streamId, err: err.message });
          if (--this.sending === 0 && this.closeWhenSent) this.closeSocket();
        });
        return;
      }
      case 'close':
        return this.release();
      default:
        this.conn.send(this.streamId, { kind: 'error', code: 'PROTOCOL_VIOLATION', message: `stream ${this.streamId}: ${msg.kind} is not valid on a UDP socket` });
        return this.release();
    }
  }

  onConnectionClosed(): void {
    this.release();
  }

  /** The stream ends; the socket closes once the datagrams already given to it are sent (a close
   * right behind a program's last datagram must not discard it). */
  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.detach(this.streamId);
    if (this.sending > 0) this.closeWhenSent = true;
    else this.closeSocket();
  }

  private closeSocket(): void {
    try { this.socket.close(); } catch { /* already closed */ }
  }
}

export async function serveUdpOpen(ctx: { conn: TunnelConnection; streamId: number; sockets: NetnsSockets; log: Logger }, req: MsgOf<'udpOpen'>): Promise<void> {
  try {
    const { socket, local } = await ctx.sockets.openUdp(req.ipv6 ? 6 : 4);
    if (ctx.conn.closed) return void socket.close();
    ctx.conn.attach(ctx.streamId, new UdpStream(ctx.conn, ctx.streamId, socket, ctx.log));
    ctx.conn.send(ctx.streamId, { kind: 'udpOpened', local });
  } catch (err) {
    const e = err instanceof TunnelError ? err : toTunnelError(err, `udp open (${req.ipv6 ? 'IPv6' : 'IPv4'})`);
    ctx.conn.sendStreamError(ctx.streamId, e.code, e.message);
  }
}
