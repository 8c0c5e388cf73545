// Serves DAP sessions: one on a stream pair (stdio), or one per connection on a TCP port (`--port N`)
// or a Unix socket (`--socket PATH`). A DAP server runs programs, so a TCP connection is served only
// when its peer process belongs to this user (unless allowOtherUsers); the Unix socket is 0600.
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { checkLoopbackPeer } from '#proto/runtime/loopback-peer.js';
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

/** Serves one connection once its peer is known to be allowed; refused peers are closed at once. */
function serveConnection(socket: Socket, opts: SessionOptions & { log: DapLogger; allowOtherUsers?: boolean }, checkPeer: boolean): void {
  socket.pause();
  const from = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'the unix socket';
  const verdict = checkPeer ? checkLoopbackPeer(socket, { allowOtherUsers: opts.allowOtherUsers }) : Promise.resolve({ allowed: true as const, uid: undefined });
  void verdict.then((v) => {
    if (!v.allowed) {
      opts.log.log('warn', 'server', v.reason);
      socket.destroy();
      return;
    }
    if (socket.destroyed) return;
    opts.log.log('info', 'server', `client connected from ${from}${v.uid === undefined ? '' : ` (uid ${v.uid})`}`);
    const { ended } = serveStream(socket, socket, opts);
    socket.resume();
    // Clients may still send a second disconnect (DebugClient.stop does): end the socket a little later.
    void ended.then(() => setTimeout(() => socket.end(), SOCKET_LINGER_MS).unref());
  });
}

/** A TCP server: every connection of this user gets its own session; the socket ends when its session does. */
export async function serveTcp(opts: SessionOptions & { host?: string; port: number; log: DapLogger; allowOtherUsers?: boolean }): Promise<Server> {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    serveConnection(socket, opts, true);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  return server;
}

/** A Unix-socket server (mode 0600: only this user can connect), one session per connection. */
export async function serveUnixSocket(opts: SessionOptions & { path: string; log: DapLogger }): Promise<Server> {
  rmSync(opts.path, { force: true });
  const server = createServer((socket) => serveConnection(socket, opts, false));
  // Created under a restrictive umask so no other user can connect even between listen and chmod.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(opts.path, 0o600);
  server.on('close', () => rmSync(opts.path, { force: true }));
  return server;
}
