// Steal for one target netns: one km_steal program (loaded while any steal exists), one
// dual-stack [::] TCP listener inside the netns in SOCKMAP slot 0 for every stolen TCP port,
// and one UDP socket per stolen UDP port. Accepted connections are dispatched by their original
// destination port (getsockname on the accepted socket) to the port's handler; a connection
// that races an unsubscribe is passed through to the original app instead of being dropped.
//
// Concurrency: Node main thread only; sockets are created by the addon's netns helper thread.
import net from 'node:net';
import type dgram from 'node:dgram';
import type { Logger } from '../../log.js';
import { adoptUdpFd, type NetnsSockets } from '../../netns/sockets.js';
import { resetOnAgentDeath } from '../../netns/reset-on-death.js';
import { netnsAddon } from '../../netns/native.js';
import type { SocketAddr } from '../service.js';
import { socketAddr } from './address.js';
import { connectPassthrough } from './passthrough.js';
import { StealProgram } from './steal-program.js';

const LINGER_MS = 250;

export interface StolenConnection {
  socket: net.Socket;
  source: SocketAddr;
  destination: SocketAddr;
}

export type TcpHandler = (conn: StolenConnection) => void;

export class StealEngine {
  private program: StealProgram | undefined;
  private opening: Promise<StealProgram> | undefined;
  private tcpServer: net.Server | undefined;
  private tcpSlot: number | undefined;
  /** Where the agent's TCP listener is bound inside the target (its port is irrelevant to clients). */
  tcpListen: SocketAddr | undefined;
  private readonly tcpHandlers = new Map<number, TcpHandler>();
  private readonly udpPorts = new Map<number, { socket: dgram.Socket; slot: number }>();
  private readonly exemptSources = new Map<string, { address: string; prefixLen: number }>();
  private readonly live = new Set<net.Socket>();
  private readonly udpPending = new Set<number>();
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(readonly sockets: NetnsSockets, private readonly log: Logger) {}

  /** Steals new TCP connections to `port` into `handler` until the returned function is called. */
  async addTcp(port: number, handler: TcpHandler): Promise<() => void> {
    if (this.tcpHandlers.has(port)) throw new Error(`tcp/${port} is already stolen`);
    this.tcpHandlers.set(port, handler); // reserved now: a lingering shutdown must not close the program under us
    try {
      const program = await this.ensureProgram();
      await this.ensureTcpListener(program);
      program.stealPort('tcp', port, this.tcpSlot as number); // set by ensureTcpListener
    } catch (err) {
      this.tcpHandlers.delete(port);
      this.maybeShutdown();
      throw err;
    }
    return () => {
      if (this.tcpHandlers.get(port) !== handler) return;
      this.tcpHandlers.delete(port);
      this.program?.releasePort('tcp', port);
      this.maybeShutdown();
    };
  }

  /** Steals datagrams to `port`; `socket` receives them, and its replies leave from `port`. */
  async addUdp(port: number, onSocket: (socket: dgram.Socket) => void): Promise<() => void> {
    if (this.udpPorts.has(port) || this.udpPending.has(port)) throw new Error(`udp/${port} is already stolen`);
    this.udpPending.add(port);
    try {
      return await this.setUpUdp(port, onSocket);
    } finally {
      this.udpPending.delete(port);
      this.maybeShutdown();
    }
  }

  private async setUpUdp(port: number, onSocket: (socket: dgram.Socket) => void): Promise<() => void> {
    const program = await this.ensureProgram();
    const native = await netnsAddon().netnsSocket({ netns: this.sockets.netnsPath, family: 6, type: 'udp', bind: { address: '::', port: 0 }, v6only: false });
    const socket = adoptUdpFd(native.fd, 'udp6');
    // Until the port is registered below, this function is the socket's only owner.
    let slot: number | undefined;
    try {
      slot = program.allocateSlot();
      program.setSocket(slot, native.fd);
      await program.rewriteUdpReplies(native.local.port, port);
      program.stealPort('udp', port, slot);
    } catch (err) {
      socket.close();
      if (slot !== undefined) program.releaseSlot(slot);
      throw err;
    }
    this.udpPorts.set(port, { socket, slot });
    onSocket(socket);
    return () => {
      const entry = this.udpPorts.get(port);
      if (entry?.socket !== socket) return;
      this.udpPorts.delete(port);
      this.program?.releasePort('udp', port);
      this.program?.stopUdpReplies(native.local.port);
      this.program?.releaseSlot(slot);
      socket.close();
      this.maybeShutdown();
    };
  }

  /** Sources (kubelet/probe addresses, CIDR prefix) whose connections are never stolen. */
  async exemptSource(address: string, prefixLen: number): Promise<void> {
    this.exemptSources.set(`${address}/${prefixLen}`, { address, prefixLen });
    this.program?.exemptSource(address, prefixLen, true);
  }

  /** A connection to the original app that km_steal lets through. */
  async passthrough(to: SocketAddr): Promise<net.Socket> {
    const program = this.program ?? (this.opening ? await this.opening : undefined);
    // Without a loaded program nothing is stolen, so a plain connection reaches the app.
    const socket = program ? await connectPassthrough(program, this.sockets, to) : (await this.sockets.connectTcp(to)).socket;
    socket.setNoDelay(true);
    resetOnAgentDeath(socket);
    this.track(socket);
    return socket;
  }

  stats(): ReturnType<StealProgram['stats']> | undefined {
    return this.program?.stats();
  }

  /** Closes every listener and connection and detaches the program. */
  close(): void {
    this.tcpHandlers.clear();
    for (const release of [...this.udpPorts.keys()]) this.udpPorts.get(release)?.socket.close();
    this.udpPorts.clear();
    for (const s of this.live) s.destroy();
    this.shutdown();
  }

  private ensureProgram(): Promise<StealProgram> {
    if (this.program) return Promise.resolve(this.program);
    this.opening ??= StealProgram.open(this.sockets.netnsPath)
      .then((p) => {
        this.program = p;
        for (const { address, prefixLen } of this.exemptSources.values()) p.exemptSource(address, prefixLen, true);
        this.log.info('probe.steal', 'km_steal attached', { netns: this.sockets.netnsPath });
        return p;
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async ensureTcpListener(program: StealProgram): Promise<void> {
    if (this.tcpServer) return;
    // [::] with IPV6_V6ONLY=0 receives IPv4 and IPv6 alike ([::1] alone would be v6-only).
    const listener = await this.sockets.listenTcp({ address: '::', port: 0 }, { backlog: 1024, v6only: false });
    if (this.tcpServer) { // a concurrent subscribe won the race
      new net.Socket({ fd: listener.fd }).destroy();
      return;
    }
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.onTcp(socket));
    server.on('error', (err) => this.log.error('probe.steal', 'steal listener failed', { err }));
    await new Promise<void>((resolve) => server.listen({ fd: listener.fd }, resolve));
    const slot = program.allocateSlot();
    program.setSocket(slot, listener.fd);
    this.tcpServer = server;
    this.tcpSlot = slot;
    this.tcpListen = listener.local;
  }

  private onTcp(socket: net.Socket): void {
    this.track(socket);
    resetOnAgentDeath(socket); // the pod client sees a reset, not a clean end, if the agent dies mid-answer
    socket.setNoDelay(true); // relayed writes already carry whole messages: no Nagle delay
    const destination = socketAddr(socket.localAddress, socket.localPort);
    const source = socketAddr(socket.remoteAddress, socket.remotePort);
    const handler = this.tcpHandlers.get(destination.port);
    if (handler) {
      handler({ socket, source, destination });
      return;
    }
    this.handOver({ socket, source, destination });
  }

  /** Gives a stolen connection to the original app, replaying bytes already read from it. */
  handOver({ socket, destination }: StolenConnection, replay?: Buffer, podEnded = false): void {
    socket.pause();
    this.passthrough(destination).then(
      (upstream) => {
        if (socket.destroyed) return void upstream.destroy(); // the pod client left while we connected
        if (replay && replay.length > 0) upstream.write(replay);
        if (podEnded) upstream.end();
        else socket.pipe(upstream);
        upstream.pipe(socket);
        socket.resume();
        const reset = (): void => { socket.destroy(); upstream.destroy(); };
        socket.on('error', reset);
        upstream.on('error', reset);
      },
      () => socket.resetAndDestroy(),
    );
  }

  private track(socket: net.Socket): void {
    this.live.add(socket);
    socket.once('close', () => this.live.delete(socket));
  }

  // The last steal ended: its port is already out of the map, so no new connection is stolen;
  // the listener lingers briefly so connections already in its accept queue are handed over to
  // the original app instead of being reset when it closes.
  private maybeShutdown(): void {
    if (this.busy() || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (!this.busy()) this.shutdown();
    }, LINGER_MS);
    this.lingerTimer.unref();
  }

  private busy(): boolean {
    return this.tcpHandlers.size > 0 || this.udpPorts.size > 0 || this.udpPending.size > 0;
  }

  private shutdown(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.tcpServer?.close();
    this.tcpServer = undefined;
    this.tcpSlot = undefined;
    this.tcpListen = undefined;
    this.program?.close();
    this.program = undefined;
  }
}
