// Outgoing TCP connects without a helper thread on the path: a few unconnected TCP sockets are
// created in the target's netns ahead of time (by the native helper, which verifies where each
// landed), and a connect takes one and connects it from the main thread with libuv
// (net.Socket({fd}).connect). This saves the thread start, two setns calls and the thread→loop
// hand-off of every connect (about half the agent's connect time on a loaded machine). The pool is
// filled before the agent reports ready (fill()) and topped up to full after every connect, so an
// idle agent always holds exactly `size` spares per family (its descriptor count does not drift);
// an empty pool falls back to the helper.
import net from 'node:net';
import { closeSync } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import type { SocketAddr } from '#proto/runtime/types.js';
import type { NetnsAddon } from './native.js';

export interface ConnectedTcp { socket: net.Socket; local: SocketAddr; remote: SocketAddr }

/** An errno-coded error shaped like the native helper's ("connect ADDR:PORT: reason"). */
function connectError(to: SocketAddr, err: NodeJS.ErrnoException): NodeJS.ErrnoException {
  const reason = err.code === 'ETIMEDOUT' ? 'connection timed out' : (err.errno !== undefined && getSystemErrorMap().get(err.errno)?.[1]) || err.message;
  const e = new Error(`connect ${to.address}:${to.port}: ${reason}`) as NodeJS.ErrnoException;
  if (err.code) e.code = err.code;
  if (err.errno !== undefined) e.errno = err.errno;
  return e;
}

export class SpareTcpSockets {
  private readonly spare = new Map<4 | 6, number[]>([[4, []], [6, []]]);
  private readonly filling = new Map<4 | 6, Promise<void>>();
  private closed = false;

  constructor(private readonly addon: NetnsAddon, private readonly netnsPath: string, private readonly size: number) {}

  /** A connected socket from a spare fd, or undefined when none is ready (then the caller uses the helper). */
  connect(to: SocketAddr, family: 4 | 6, timeoutMs: number, socketOpts: net.SocketConstructorOpts): Promise<ConnectedTcp> | undefined {
    const fd = this.spare.get(family)!.pop();
    if (fd === undefined) {
      this.refill(family);
      return undefined;
    }
    let socket: net.Socket;
    try {
      socket = new net.Socket({ ...socketOpts, fd });
    } catch (err) {
      closeSync(fd);
      this.refill(family);
      return Promise.reject(err as Error);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
      // The pool is topped up once this connect has finished: the helper thread that creates the
      // next spare would otherwise compete for a CPU with this connect's own wake-ups.
      const refillLater = (): void => { setImmediate(() => this.refill(family)); };
      const failed = (err: NodeJS.ErrnoException): void => { clearTimeout(timer); socket.destroy(); refillLater(); reject(connectError(to, err)); };
      socket.once('error', failed);
      // Connected synchronously after adoption: the loop never polls the socket unconnected.
      socket.connect({ host: to.address, port: to.port }, () => {
        clearTimeout(timer);
        socket.off('error', failed);
        refillLater();
        resolve({
          socket,
          local: { address: socket.localAddress ?? '', port: socket.localPort ?? 0 },
          remote: { address: socket.remoteAddress ?? to.address, port: socket.remotePort ?? to.port },
        });
      });
    });
  }

  /** Closes the spare sockets (they hold a reference on the namespace); later connects use the helper. */
  close(): void {
    this.closed = true;
    for (const fds of this.spare.values()) for (const fd of fds.splice(0)) closeSync(fd);
  }

  /** Fills both families' pools; resolves when full (or when a family cannot be created there). */
  async fill(): Promise<void> {
    this.refill(4);
    this.refill(6);
    await Promise.all(this.filling.values());
  }

  /** Tops the family's pool up to full in the background. */
  private refill(family: 4 | 6): void {
    const fds = this.spare.get(family)!;
    if (this.closed || this.filling.has(family) || fds.length >= this.size) return;
    const more = async (): Promise<void> => {
      while (!this.closed && fds.length < this.size) {
        const r = await this.addon.netnsSocket({ netns: this.netnsPath, family, type: 'tcp' });
        if (this.closed) closeSync(r.fd);
        else fds.push(r.fd);
      }
    };
    // A failure (the namespace is gone) leaves the pool empty: connects report it through the helper.
    this.filling.set(family, more().catch(() => undefined).finally(() => this.filling.delete(family)));
  }
}
