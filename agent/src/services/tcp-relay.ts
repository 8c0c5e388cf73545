// Outgoing TCP from inside the target: TcpConnect → a socket created in the target's netns →
// TcpConnected, then bytes relayed both ways through a flow-controlled tunnel stream.
//   client --Data/Shutdown/Close--> stream --> targetSocket (FIN on Shutdown, RST on Close{reset})
//   targetSocket --data/FIN/RST--> stream --Data/Shutdown/Close{reset}--> client
import net from 'node:net';
import { TunnelByteStream, DEFAULT_STREAM_WINDOW } from '#proto/runtime/byte-stream.js';
import type { TunnelConnection, StreamHandler } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import { markStage, stageTracing } from '#proto/runtime/stage-trace.js';
import type { MsgOf, Msg } from '#proto/runtime/messages.js';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import { resetOnAgentDeath } from '../netns/reset-on-death.js';
import type { TargetDns } from './dns.js';
import { toTunnelError } from './errno.js';
import { checkWireBounds } from './wire-bounds.js';

const MAX_CONNECT_TIMEOUT_MS = 60_000;

/**
 * Holds the stream while the connect is in flight: Close cancels, anything else is a violation.
 * Cancelling also aborts the name resolution, which closes its DNS sockets at once.
 */
class PendingConnect implements StreamHandler {
  private readonly controller = new AbortController();
  constructor(private readonly conn: TunnelConnection, private readonly streamId: number) {}
  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  onMessage(msg: Msg): void {
    if (msg.kind === 'close') {
      this.controller.abort();
      this.conn.detach(this.streamId);
      return;
    }
    this.controller.abort();
    this.conn.sendStreamError(this.streamId, 'PROTOCOL_VIOLATION', `stream ${this.streamId}: ${msg.kind} before TcpConnected`);
  }
  onConnectionClosed(): void {
    this.controller.abort();
  }
}

export async function serveTcpConnect(ctx: { conn: TunnelConnection; streamId: number; sockets: NetnsSockets; dns: TargetDns; log: Logger }, req: MsgOf<'tcpConnect'>): Promise<void> {
  const { conn, streamId, log } = ctx;
  markStage('agent.request');
  const pending = new PendingConnect(conn, streamId);
  conn.attach(streamId, pending);
  const what = `connect ${req.host}:${req.port}`;
  let socket: net.Socket | undefined;
  try {
    if (!req.host || req.port <= 0 || req.port > 65535) throw new TunnelError('INVALID_ARGUMENT', `${what}: bad host or port`);
    checkWireBounds(req);
    const timeoutMs = Math.min(req.timeoutMs || 10_000, MAX_CONNECT_TIMEOUT_MS);
    let address = req.host;
    if (!net.isIP(address)) {
      const r = await ctx.dns.resolve(req.host, 0, pending.signal);
      // Safe: resolve() throws NAME_NOT_RESOLVED instead of returning an empty list.
      address = r.addresses[0]!;
    }
    const opened = await ctx.sockets.connectTcp({ address, port: req.port }, { timeoutMs });
    socket = opened.socket;
    markStage('agent.connected');
    if (pending.cancelled || conn.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    resetOnAgentDeath(socket); // the target sees a reset, not a clean end, if the agent dies mid-stream
    const recvWindow = DEFAULT_STREAM_WINDOW;
    conn.send(streamId, { kind: 'tcpConnected', local: opened.local, remote: opened.remote, initialWindow: recvWindow });
    const stream = new TunnelByteStream(conn, streamId, { sendWindow: req.initialWindow || DEFAULT_STREAM_WINDOW, recvWindow, drainWritesDiscarded: true });
    relay(stream, socket, log.child({ stream: streamId, remote: `${address}:${req.port}` }));
  } catch (err) {
    socket?.destroy();
    const e = toTunnelError(err, what);
    log.debug('tcp', 'connect failed', { stream: streamId, code: e.code, err: e.message });
    if (!pending.cancelled) conn.sendStreamError(streamId, e.code, e.message);
  }
}

/**
 * Pipes both ways with half-close; a reset on either side resets the other. The tunnel lost
 * after the client's Shutdown: the stream drains the client's last bytes to the target, then FIN
 * (orphaned). Lost before it: the target sees a reset, never a clean FIN after a truncated stream.
 */
export function relay(stream: TunnelByteStream, socket: net.Socket, log: Logger): void {
  if (stageTracing()) {
    stream.once('data', () => markStage('agent.request-data'));
    socket.once('data', () => markStage('agent.response-data'));
  }
  socket.pipe(stream);
  stream.pipe(socket);
  socket.on('error', (err: NodeJS.ErrnoException) => {
    log.debug('tcp', 'target socket error', { err: err.code ?? err.message });
    if (!stream.destroyed) stream.resetAndDestroy();
  });
  socket.on('close', () => {
    // Orderly close after both FINs: let the stream finish its own shutdown.
    if (!stream.destroyed && stream.writableFinished && stream.readableEnded) stream.destroy();
  });
  stream.on('error', () => {
    if (!socket.destroyed) socket.resetAndDestroy();
  });
  stream.on('close', () => {
    if (stream.orphaned && !socket.destroyed) {
      // The client is gone: its bytes and FIN are queued on the socket; what the target still sends goes nowhere.
      socket.unpipe(stream);
      socket.resume();
      socket.destroySoon();
      return;
    }
    if (!socket.destroyed && socket.writableFinished && (socket.readableEnded || !socket.readable)) socket.destroy();
  });
}
