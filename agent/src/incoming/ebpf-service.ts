// The agent's IncomingTrafficService backed by eBPF: mirror through km_mirror_tcx,
// steal through km_steal, HTTP-filtered steal per request, UDP steal. Serves every session of
// the agent: several sessions may mirror one port (each gets the copy) and several filtered
// steals may share a port (first subscribed wins; steal/shared-port-rules.ts), but an
// unfiltered steal owns its port alone.
// close() of a subscription detaches at once and closes that subscription's connections, except
// those whose workstation side already shut down: they drain their answer to the pod first.
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { IncomingSink, IncomingSubscription, IncomingTrafficService, SubscribeRequest, SubscriberSession } from './service.js';
import { compileHttpFilter, HttpFilterError } from './http/filter.js';
import { FilteredHttpConnection, type FilterRoute } from './http/filtered-connection.js';
import { MirrorEngine } from './mirror/mirror-engine.js';
import { StealEngine, type StolenConnection } from './steal/steal-engine.js';
import { relayTcp } from './steal/tcp-relay.js';
import { relayUdp } from './steal/udp-relay.js';
import { closeUnlessDraining, untilReadEnded } from './close-unless-draining.js';
import { checkStealAllowed, reportOverlaps, type PortSteal } from './steal/shared-port-rules.js';

export interface EbpfServiceOptions {
  sockets: NetnsSockets;
  log: Logger;
  /** Source prefixes never stolen, e.g. the node address kubelet probes come from ("10.0.0.1/32"). */
  probeSources?: string[];
  /** How far JS may lag behind the mirror ring-buffer reader before the kernel drops (64 MB). */
  mirrorMaxPendingBytes?: number;
}

function validate(req: SubscribeRequest): void {
  if (!Number.isInteger(req.port) || req.port < 1 || req.port > 65535) {
    throw new TunnelError('INVALID_ARGUMENT', `subscribe: port ${String(req.port)} is not a port number (1-65535)`);
  }
  if (req.mode !== 'mirror' && req.mode !== 'steal') throw new TunnelError('INVALID_ARGUMENT', `subscribe ${req.port}: unknown mode ${String(req.mode)}`);
  if (req.transport !== 'tcp' && req.transport !== 'udp') throw new TunnelError('INVALID_ARGUMENT', `subscribe ${req.port}: unknown transport ${String(req.transport)}`);
  if (req.httpFilter && (req.mode !== 'steal' || req.transport !== 'tcp')) {
    throw new TunnelError('INVALID_ARGUMENT', `subscribe ${req.transport}/${req.port}: http_filter applies to TCP steal only`);
  }
  if (req.record && req.transport === 'udp') throw new TunnelError('NOT_SUPPORTED', `subscribe udp/${req.port}: recording covers TCP only`);
  if (req.record && req.mode !== 'mirror') throw new TunnelError('INVALID_ARGUMENT', `subscribe ${req.transport}/${req.port}: record applies to mirror mode only (nothing is stolen while recording)`);
}

function parsePrefix(spec: string): { address: string; prefixLen: number } {
  const [address = '', len] = spec.split('/');
  const max = address.includes(':') ? 128 : 32;
  const prefixLen = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) throw new Error(`probe source ${spec}: invalid prefix length`);
  return { address, prefixLen };
}

export class EbpfIncomingTrafficService implements IncomingTrafficService {
  readonly capabilities: readonly string[] = ['mirror', 'steal', 'steal-http-filter', 'steal-udp', 'mirror-udp', 'record'];
  readonly steal: StealEngine;
  readonly mirror: MirrorEngine;
  private readonly tcpSteals = new Map<number, PortSteal>();
  private readonly udpSteals = new Map<number, string>();
  private readonly filteredConnections = new Set<FilteredHttpConnection>();

  constructor(private readonly o: EbpfServiceOptions) {
    this.steal = new StealEngine(o.sockets, o.log);
    this.mirror = new MirrorEngine(o.sockets.netnsPath, o.log, { maxPendingBytes: o.mirrorMaxPendingBytes });
    for (const spec of o.probeSources ?? []) {
      const { address, prefixLen } = parsePrefix(spec);
      void this.steal.exemptSource(address, prefixLen);
    }
  }

  async subscribe(req: SubscribeRequest, sink: IncomingSink): Promise<IncomingSubscription> {
    validate(req);
    try {
      if (req.mode === 'mirror' && req.record) return await this.subscribeRecord(req.port, sink);
      if (req.mode === 'mirror' && req.transport === 'udp') return await this.subscribeUdpMirror(req.port, sink);
      if (req.mode === 'mirror') return await this.subscribeMirror(req.port, sink);
      if (req.transport === 'udp') return await this.subscribeUdp(req.port, sink, req.session);
      return await this.subscribeTcpSteal(req, sink);
    } catch (err) {
      if (err instanceof TunnelError) throw err;
      if (err instanceof HttpFilterError) throw new TunnelError('INVALID_ARGUMENT', err.message);
      const code = (err as { code?: string }).code;
      const kind = code === 'EPERM' || code === 'EACCES' ? 'PERMISSION_DENIED' : 'INTERNAL';
      throw new TunnelError(kind, `subscribe ${req.transport}/${req.port} (${req.mode}): ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    this.mirror.close();
    for (const c of this.filteredConnections) c.fail();
    this.steal.close();
    this.tcpSteals.clear();
    this.udpSteals.clear();
  }

  private async subscribeMirror(port: number, sink: IncomingSink): Promise<IncomingSubscription> {
    const release = await this.mirror.add(port, sink);
    this.o.log.info('incoming', 'mirror subscribed', { port });
    return { close: release };
  }

  private async subscribeUdpMirror(port: number, sink: IncomingSink): Promise<IncomingSubscription> {
    const release = await this.mirror.addUdp(port, sink);
    this.o.log.info('incoming', 'udp mirror subscribed', { port });
    return { close: release };
  }

  private async subscribeRecord(port: number, sink: IncomingSink): Promise<IncomingSubscription> {
    const record = sink.record?.bind(sink);
    if (!record) throw new TunnelError('NOT_SUPPORTED', `record tcp/${port}: this subscription cannot carry recordings`);
    const release = await this.mirror.addCapture(port, record);
    this.o.log.info('incoming', 'recording subscribed', { port });
    return { close: release };
  }

  private async subscribeUdp(port: number, sink: IncomingSink, session?: SubscriberSession): Promise<IncomingSubscription> {
    const holder = this.udpSteals.get(port);
    if (holder !== undefined) throw new TunnelError('ALREADY_EXISTS', `steal udp/${port}: the port is already stolen by ${holder}`);
    this.udpSteals.set(port, session?.label ?? 'another session');
    const streams = new Set<Duplex>();
    let release: () => void;
    try {
      release = await this.steal.addUdp(port, (socket) => relayUdp(socket, port, sink, streams));
    } catch (err) {
      this.udpSteals.delete(port);
      throw err;
    }
    return {
      close: () => {
        if (!this.udpSteals.delete(port)) return;
        for (const s of streams) closeUnlessDraining(s);
        // Streams left to drain still send the workstation's last datagrams from the stolen socket:
        // it is released once they have read everything the workstation sent.
        const draining = [...streams].filter((s) => !s.destroyed);
        if (draining.length === 0) release();   // detach at once
        else void Promise.all(draining.map(untilReadEnded)).then(release);
      },
    };
  }

  private async subscribeTcpSteal(req: SubscribeRequest, sink: IncomingSink): Promise<IncomingSubscription> {
    const port = req.port;
    const matcher = req.httpFilter ? compileHttpFilter(req.httpFilter) : undefined;
    let entry = this.tcpSteals.get(port);
    checkStealAllowed(port, entry, Boolean(matcher));
    const streams = new Set<Duplex>();
    const session = req.session;
    const route: FilterRoute | undefined = matcher && req.httpFilter ? { matcher, filter: req.httpFilter, sink, streams, ...(session ? { session } : {}) } : undefined;
    if (!entry) {
      const created: PortSteal = { filtered: [], release: () => {} };
      if (route) created.filtered.push(route);
      else created.unfiltered = { sink, streams, ...(session ? { session } : {}) };
      this.tcpSteals.set(port, created);
      try {
        created.release = await this.steal.addTcp(port, (conn) => this.dispatch(created, conn));
      } catch (err) {
        this.tcpSteals.delete(port);
        throw err;
      }
      entry = created;
    } else if (route) {
      entry.filtered.push(route);
      // After Subscribed is sent (the sink queues warnings until then).
      const routes = entry.filtered;
      queueMicrotask(() => {
        try { reportOverlaps(port, routes.slice(0, routes.indexOf(route)), route); } catch (err) { this.o.log.warn('incoming', 'overlap check failed', { port, err }); }
      });
    }
    const owner = entry;
    this.o.log.info('incoming', 'steal subscribed', { port, filtered: Boolean(matcher) });
    const listen = this.steal.tcpListen;
    return {
      ...(listen ? { listen } : {}),
      close: () => {
        if (route) owner.filtered = owner.filtered.filter((r) => r !== route);
        else owner.unfiltered = undefined;
        for (const s of streams) closeUnlessDraining(s);
        if (!owner.unfiltered && owner.filtered.length === 0 && this.tcpSteals.get(port) === owner) {
          this.tcpSteals.delete(port);
          owner.release();
        }
      },
    };
  }

  private dispatch(entry: PortSteal, conn: StolenConnection): void {
    const { socket, source, destination } = conn;
    if (entry.unfiltered) {
      const { sink, streams } = entry.unfiltered;
      const stream = sink.openConnection({ source, destination, mode: 'steal', transport: 'tcp' });
      if (stream.destroyed) return this.steal.handOver(conn); // the client went away meanwhile
      streams.add(stream);
      socket.resume();
      void relayTcp(socket, stream, { handOver: (replay, ended) => this.steal.handOver(conn, replay, ended) }).then(() => streams.delete(stream));
      return;
    }
    const fc = new FilteredHttpConnection({
      pod: socket, source, destination, routes: entry.filtered, log: this.o.log,
      openPassthrough: () => this.steal.passthrough(destination),
    });
    this.filteredConnections.add(fc);
    socket.once('close', () => this.filteredConnections.delete(fc));
  }
}
