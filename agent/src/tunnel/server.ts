// The agent's listener: an HTTP server upgrading `/kmirror/v1` to a WebSocket, one tunnel
// connection per client (one session). Each connection runs its own handshake and services; a
// misbehaving client only ever loses its own connection. Sessions are listed in a registry.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkLoopbackPeer } from '#proto/runtime/loopback-peer.js';
import { TunnelConnection } from '#proto/runtime/connection.js';
import { DEFAULT_MAX_FRAME_BYTES } from '#proto/runtime/framing.js';
import { acceptHandshake } from '#proto/runtime/handshake.js';
import { WebSocketTransport } from '#proto/runtime/transport.js';
import type { TunnelError } from '#proto/runtime/errors.js';
import type { Logger } from '../log.js';
import { serveClient, type AgentServices } from './client-connection.js';
import { SessionRegistry } from './session-registry.js';

export const TUNNEL_PATH = '/kmirror/v1';
export const AGENT_VERSION = '0.1.0';

export interface AgentServer {
  readonly port: number;
  readonly clientCount: number;
  /** Clients connected since start-up. */
  readonly clientsSeen: number;
  close(): Promise<void>;
}

export async function startAgentServer(opts: { host: string; port: number; token: string; services: AgentServices; capabilities: readonly string[]; log: Logger; onlySameUser?: boolean; handshakeTimeoutMs?: number }): Promise<AgentServer> {
  const { log } = opts;
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end(`kmirror agent: connect with a WebSocket to ${TUNNEL_PATH}\n`);
  });
  const wss = new WebSocketServer({ server, path: TUNNEL_PATH, maxPayload: 4 * DEFAULT_MAX_FRAME_BYTES, perMessageDeflate: false });
  const live = new Set<TunnelConnection>();
  const sessions = new SessionRegistry();
  let nextClient = 1;

  wss.on('connection', (ws: WebSocket, req: http.IncomingMessage) => {
    const clientLog = log.child({ client: nextClient++ });
    const conn = new TunnelConnection(new WebSocketTransport(ws), { role: 'agent' });
    live.add(conn);
    clientLog.info('tunnel', 'client connected', { from: `${req.socket.remoteAddress}:${req.socket.remotePort}` });
    conn.on('close', (err: TunnelError) => {
      live.delete(conn);
      clientLog.info('tunnel', 'client disconnected', { code: err.code, reason: err.message });
    });
    const sessionId = sessions.reserveId();
    acceptHandshake(conn, {
      token: opts.token,
      timeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      ack: { capabilities: [...opts.capabilities], agentVersion: AGENT_VERSION, target: opts.services.target.spec, maxFrameBytes: conn.maxFrameBytes, sessionId },
    }).then((hello) => {
      if (conn.closed) return;
      const record = sessions.add(sessionId, hello);
      conn.on('close', () => sessions.remove(sessionId));
      clientLog.info('tunnel', 'handshake ok', { clientName: hello.clientName, version: hello.protocolVersion, session: record.label, sessions: sessions.size });
      serveClient(conn, opts.services, clientLog, { record, registry: sessions });
    }, (err: TunnelError) => {
      clientLog.warn('tunnel', 'handshake refused', { code: err.code, reason: err.message });
    });
  });

  // Connections are accepted by a plain TCP listener and handed to the HTTP server once allowed: a
  // local agent's loopback port refuses another local user at accept, before any byte of the
  // handshake (the token) is read. (The HTTP server reads its sockets natively, so it cannot be
  // held back after it has seen them.)
  const sockets = new Set<net.Socket>();
  const listener = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const admit = (): void => { server.emit('connection', socket); socket.resume(); };
    if (!opts.onlySameUser) { admit(); return; }
    void checkLoopbackPeer(socket).then((v) => {
      if (v.allowed) { admit(); return; }
      log.warn('tunnel', v.reason, { uid: v.uid });
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(opts.port, opts.host, () => { listener.off('error', reject); resolve(); });
  });
  const port = (listener.address() as AddressInfo).port;
  return {
    port,
    get clientCount() { return live.size; },
    get clientsSeen() { return nextClient - 1; },
    async close() {
      for (const c of live) c.close('agent shutting down');
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
