// A Unix stream socket inside the target: UnixConnect → a connection to the path resolved in the
// target's root (symlinks kept inside it) → TcpConnected (no addresses), then bytes relayed both
// ways exactly like outgoing TCP (tcp-relay.ts's relay: flow control, half-close, resets).
import net from 'node:net';
import { TunnelByteStream, DEFAULT_STREAM_WINDOW } from '#proto/runtime/byte-stream.js';
import type { TunnelConnection } from '#proto/runtime/connection.js';
import type { MsgOf } from '#proto/runtime/messages.js';
import type { Logger } from '../log.js';
import type { AgentTarget } from '../target/target.js';
import { toTunnelError } from './errno.js';
import { resolveInRoot } from './root-path.js';
import { relay } from './tcp-relay.js';

const CONNECT_TIMEOUT_MS = 10_000;

export async function serveUnixConnect(ctx: { conn: TunnelConnection; streamId: number; target: AgentTarget; log: Logger }, req: MsgOf<'unixConnect'>): Promise<void> {
  const { conn, streamId, log } = ctx;
  const what = `connect unix:${req.path} in ${ctx.target.spec}`;
  let socket: net.Socket | undefined;
  try {
    const host = await resolveInRoot(ctx.target.rootPath, req.path);
    socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ path: host });
      s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
      s.once('connect', () => { s.setTimeout(0); resolve(s); });
      s.once('error', reject);
    });
    if (conn.closed) return void socket.destroy();
    conn.send(streamId, { kind: 'tcpConnected', local: { address: '', port: 0 }, remote: { address: '', port: 0 }, initialWindow: DEFAULT_STREAM_WINDOW });
    const stream = new TunnelByteStream(conn, streamId, { sendWindow: req.initialWindow || DEFAULT_STREAM_WINDOW, recvWindow: DEFAULT_STREAM_WINDOW, drainWritesDiscarded: true });
    relay(stream, socket, log.child({ stream: streamId, remote: `unix:${req.path}` }));
  } catch (err) {
    socket?.destroy();
    const e = toTunnelError(err, what);
    log.debug('tcp', 'unix connect failed', { stream: streamId, code: e.code, err: e.message });
    conn.sendStreamError(streamId, e.code, e.message);
  }
}
