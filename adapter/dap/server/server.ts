// Serves DAP sessions: one on a stream pair (stdio), or one per TCP connection (`--port N`).
import { createServer, type Server } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { DapConnection } from './connection.js';
import type { DapLogger } from './log.js';
import { DebugSession, type SessionOptions } from './session.js';

const SOCKET_LINGER_MS = 1_000;

/** Runs one session over a stream pair; resolves when it is over. */
export function serveStream(input: Readable, output: Writable, opts: SessionOptions): { session: DebugSession; ended: Promise<void> } {
  const connection = new DapConnection(input, output, opts.log);
  const session = new DebugSession(connection, opts);
  const ended = new Promise<void>((resolve) => session.onDidEnd(resolve));
  return { session, ended };
}

/** A TCP server: every connection gets its own session; the socket ends when its session does. */
export async function serveTcp(opts: SessionOptions & { host?: string; port: number; log: DapLogger }): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    opts.log.log('info', 'server', `client connected from ${socket.remoteAddress}:${socket.remotePort}`);
    const { ended } = serveStream(socket, socket, opts);
    // Clients may still send a second disconnect (DebugClient.stop does): end the socket a little later.
    void ended.then(() => setTimeout(() => socket.end(), SOCKET_LINGER_MS).unref());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}
