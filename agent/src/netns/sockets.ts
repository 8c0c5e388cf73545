// Sockets inside the target's network namespace, as Node objects. The native helper thread
// creates (and connects) each socket in the namespace and verifies it with SIOCGSKNS; Node then
// adopts the plain fd (net.Socket({fd}) / dgram bind({fd})), so no Node thread ever changes netns.
import net from 'node:net';
import dgram from 'node:dgram';
import { closeSync } from 'node:fs';
import type { SocketAddr } from '#proto/runtime/types.js';
import { netnsAddon, type NativeSocketResult } from './native.js';
import { SpareTcpSockets } from './spare-sockets.js';

export interface NetnsSockets {
  readonly netnsPath: string;
  /** A connected TCP socket inside the netns (rejects with errno-coded errors). */
  connectTcp(to: SocketAddr, opts?: { timeoutMs?: number }): Promise<{ socket: net.Socket; local: SocketAddr; remote: SocketAddr }>;
  /** A bound UDP socket inside the netns (port 0 = ephemeral). */
  openUdp(family: 4 | 6, bind?: SocketAddr): Promise<{ socket: dgram.Socket; local: SocketAddr }>;
  /** A listening TCP socket inside the netns, as an fd (for net.Server.listen({fd}) or a SOCKMAP). */
  listenTcp(bind: SocketAddr, opts?: { backlog?: number; v6only?: boolean }): Promise<NativeSocketResult>;
  /** Raw access: a bound, not yet connected TCP/UDP socket fd (connect later with connectFd). */
  bindSocket(type: 'tcp' | 'udp', bind: SocketAddr): Promise<NativeSocketResult>;
  connectFd(fd: number, to: SocketAddr, timeoutMs: number): Promise<{ local: SocketAddr; remote: SocketAddr }>;
  /** Resolves once the spare sockets for fast connects are ready (at once without spares). */
  ready(): Promise<void>;
  /** Releases spare sockets kept for fast connects (they hold a reference on the namespace). */
  close(): void;
  /**
   * Binds the abstract unix name `name` inside the netns and returns the fd holding it: a lock
   * shared by every agent serving that netns, released by closing the fd or by the agent's death.
   * Rejects with code EADDRINUSE while another holds it.
   */
  holdAbstractName(name: string): Promise<number>;
}

const familyOf = (address: string): 4 | 6 => (net.isIPv6(address) ? 6 : 4);

/**
 * A bound dgram socket owning `fd` (a UDP socket from the helper thread). Node adopts the fd
 * synchronously; if it cannot, the fd is closed here rather than left without an owner.
 */
export function adoptUdpFd(fd: number, type: 'udp4' | 'udp6'): dgram.Socket {
  const socket = dgram.createSocket({ type });
  try {
    socket.bind({ fd });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return socket;
}

// A larger write buffer lets a relay hand the kernel whole tunnel chunks without pausing after each.
const TCP_SOCKET_OPTS = { readable: true, writable: true, allowHalfOpen: true, writableHighWaterMark: 1024 * 1024 } as net.SocketConstructorOpts;

/** `spareSockets`: keep that many unconnected TCP sockets per family ready (see spare-sockets.ts); 0 = none. */
export function createNetnsSockets(netnsPath: string, opts: { spareSockets?: number } = {}): NetnsSockets {
  const addon = netnsAddon();
  const spares = opts.spareSockets ? new SpareTcpSockets(addon, netnsPath, opts.spareSockets) : undefined;
  return {
    netnsPath,
    async connectTcp(to, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? 10_000;
      // Only a literal address: a name would be looked up by Node outside the namespace.
      const fast = net.isIP(to.address) ? spares?.connect(to, familyOf(to.address), timeoutMs, TCP_SOCKET_OPTS) : undefined;
      if (fast) return fast;
      const r = await addon.netnsSocket({ netns: netnsPath, family: familyOf(to.address), type: 'tcp', connect: to, timeoutMs });
      // Safe: connect succeeded, so the native side always reports the peer.
      const remote = r.remote ?? to;
      const socket = new net.Socket({ ...TCP_SOCKET_OPTS, fd: r.fd });
      return { socket, local: r.local, remote };
    },
    async openUdp(family, bind) {
      const r = await addon.netnsSocket({ netns: netnsPath, family, type: 'udp', bind: bind ?? { address: family === 6 ? '::' : '0.0.0.0', port: 0 } });
      return { socket: adoptUdpFd(r.fd, family === 6 ? 'udp6' : 'udp4'), local: r.local };
    },
    listenTcp(bind, opts = {}) {
      return addon.netnsSocket({ netns: netnsPath, family: familyOf(bind.address), type: 'tcp', bind, reuseAddr: true, v6only: opts.v6only, listen: opts.backlog ?? 511 });
    },
    bindSocket(type, bind) {
      return addon.netnsSocket({ netns: netnsPath, family: familyOf(bind.address), type, bind });
    },
    connectFd: (fd, to, timeoutMs) => addon.connectFd(fd, to, timeoutMs),
    ready: async () => { await spares?.fill(); },
    close: () => spares?.close(),
    async holdAbstractName(name) {
      return (await addon.netnsSocket({ netns: netnsPath, family: 'unix', type: 'tcp', bind: { address: name, port: 0 } })).fd;
    },
  };
}
