// The local proxy of one workstation session, shared by every process the session launches:
//   layer --Hello/Connect/Open/Stat/Listen--> localProxy --tunnel--> agent
// It listens on a unix socket (mode 0600 inside a 0700 directory), sends each layer its policy
// in HelloAck and answers requests concurrently. Requests that need the agent fail soft when it
// is gone: connects with ECONNREFUSED, files fall back to local.
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionPolicy } from '../config/policy.js';
import type { AgentSession } from '../tunnel/agent-session.js';
import { markStage } from '#proto/runtime/stage-trace.js';
import { ERRNO, connectErrno, fileErrno } from './errno.js';
import { FileService } from './file-service.js';
import { fsChange } from './fs-change.js';
import { IncomingService, type IncomingStatus } from './incoming.js';
import { encodeProxyMessage, layerPb, readLayerMessages, type ConnectAnswerProps, type LayerMessage, type ProxyMessageProps } from './layer-channel.js';
import { OutgoingFilter } from './outgoing-filter.js';
import { buildPathRules, matchRule, type PathRule } from './path-rules.js';
import { pathMapper, type PathMapper } from './path-mapping.js';
import { RelayPeers, type ExpectedPeer } from './relay-peers.js';
import { relayTcp, type TcpCounters } from './tcp-relay.js';
import { drainRelays, type JoinedRelay } from './relay-drain.js';
import { UdpRelays, type UdpCounters } from './udp-relay.js';
import { relayUnix, unixPathRemote } from './unix-relay.js';

export type ProxyLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface LocalProxyOptions {
  agent: () => AgentSession | undefined;
  policy: SessionPolicy;
  /** Working directory of the session: local in read/write fs modes. */
  cwd: string;
  /** The target's hostname, answered to uname()/gethostname() ("" or unset: the workstation's). */
  hostname?: string;
  log: ProxyLog;
}

export interface ProxyStatus {
  socketPath: string;
  layers: number;
  tcp: TcpCounters;
  udp: UdpCounters;
  filesServed: number;
  filesWritten: number;
  incoming: IncomingStatus[];
  layerStats: Record<string, number>;
}

/** uint64 fields decode as numbers or as Long objects (when the long package is present). */
function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : Number(String(v));
}

const ACTIONS = { local: layerPb.PathAction.PATH_LOCAL, remote: layerPb.PathAction.PATH_REMOTE, not_found: layerPb.PathAction.PATH_NOT_FOUND };

export class LocalProxy {
  readonly socketPath: string;
  private readonly dir: string;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly files: FileService;
  private readonly udp: UdpRelays;
  private readonly incoming: IncomingService;
  private readonly filter: OutgoingFilter;
  private readonly hello: ProxyMessageProps;
  private readonly tcp: TcpCounters = { connections: 0, active: 0, workstationToPodBytes: 0, podToWorkstationBytes: 0 };
  /** Joined outgoing TCP relays: close() lets them hand the program's last bytes to the tunnel. */
  private readonly tcpRelays = new Set<JoinedRelay>();
  private readonly layerStats: Record<string, number> = {};
  private readonly warned = new Set<string>();
  private readonly rules: PathRule[];
  /** fs.mapping: the program's path → the path in the target. */
  private readonly mapPath: PathMapper;

  private constructor(private readonly opts: LocalProxyOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'kmirror-'));
    chmodSync(this.dir, 0o700);
    this.socketPath = join(this.dir, 'layer.sock');
    const { rules, defaultAction } = buildPathRules(opts.policy, opts.cwd);
    this.rules = rules;
    this.mapPath = pathMapper(opts.policy.fs.mapping);
    const warnOnce = (m: string): void => this.warnOnce(m);
    this.files = new FileService(opts.agent, rules, warnOnce, opts.policy.fs.mode === 'write');
    this.filter = new OutgoingFilter(opts.policy.outgoing);
    this.udp = new UdpRelays(opts.agent, opts.policy.dns.enabled, (n, a, asked) => this.filter.recordName(n, a, asked), warnOnce);
    this.incoming = new IncomingService(opts.agent, opts.policy.incoming, (level, m) => opts.log(level, m));
    this.hello = {
      id: 0,
      helloAck: {
        protocolVersion: 1,
        pathRules: rules.map((r) => ({ pattern: r.pattern, action: ACTIONS[r.action], readOnly: r.readOnly })),
        defaultPathAction: ACTIONS[defaultAction],
        outgoingTcp: opts.policy.outgoing.tcp,
        outgoingUdp: opts.policy.outgoing.udp || opts.policy.dns.enabled,
        skipExes: opts.policy.skipProcesses,
        incoming: opts.policy.incoming.mode !== 'off',
        defaultWritesRemote: opts.policy.fs.mode === 'write',
        remoteWrites: opts.policy.fs.mode === 'write' || (opts.policy.fs.mode !== 'local' && opts.policy.fs.readWrite.length > 0),
        hostname: opts.hostname ?? '',
        unixStreams: opts.policy.outgoing.unixStreams.length > 0 || rules.some((r) => r.explicit && r.action === 'remote'),
      },
    };
    this.server = createServer((s) => this.serve(s));
  }

  /** Starts the proxy on a fresh private unix socket. */
  static async start(opts: LocalProxyOptions): Promise<LocalProxy> {
    const proxy = new LocalProxy(opts);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(proxy.socketPath, () => resolve());
    });
    chmodSync(proxy.socketPath, 0o600);
    return proxy;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.opts.log('warn', message);
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const send = (m: ProxyMessageProps): void => { if (!socket.destroyed) socket.write(encodeProxyMessage(m)); };
    const peers = new RelayPeers();
    readLayerMessages(socket, (m) => {
      this.handle(m, peers).then((answer) => { if (answer) send(answer); }, (err: Error) => {
        this.opts.log('error', `layer request failed: ${err.message}`, { body: m.body });
      });
    }, (err) => {
      this.opts.log('error', `bad frame from the layer: ${err.message}`);
      socket.destroy();
    });
  }

  /** One request → its answer (undefined for notices). Never throws for expected failures. */
  private async handle(m: LayerMessage, peers: RelayPeers): Promise<ProxyMessageProps | undefined> {
    const id = toNumber(m.id);
    switch (m.body) {
      case 'hello':
        this.opts.log('debug', 'layer connected', { pid: m.hello?.pid });
        return this.hello;
      case 'connect': {
        markStage('proxy.request');
        const req = m.connect ?? {};
        const address = req.remote?.address ?? '';
        const port = req.remote?.port ?? 0;
        const udp = req.transport === layerPb.Transport.UDP;
        if (req.unixPath) return { id, connect: await this.connectUnix(req.unixPath) };
        return { id, connect: await this.connect(udp, address, port, !!req.ipv6, () => peers.expect(id)) };
      }
      case 'relayPeer':
        peers.tell(toNumber(m.relayPeer?.connectId ?? 0), { address: m.relayPeer?.address ?? '', port: m.relayPeer?.port ?? 0 });
        return undefined;
      case 'open': {
        const a = await this.files.open(this.mapPath(m.open?.path ?? ''), m.open?.flags ?? 0);
        return { id, open: a };
      }
      case 'write': {
        const w = m.write ?? {};
        return { id, write: { errnoCode: await this.files.writeBack(this.mapPath(w.path ?? ''), w.content ?? new Uint8Array(0), !!w.append, w.mode ?? 0) } };
      }
      case 'stat':
        return { id, stat: await this.files.stat(this.mapPath(m.stat?.path ?? ''), !!m.stat?.noFollow) };
      case 'fsChange':
        const f = m.fsChange ?? {};
        return { id, fsChange: await fsChange(this.opts.agent(), { ...f, path: this.mapPath(f.path ?? ''), path2: this.mapPath(f.path2 ?? '') }, (w) => this.warnOnce(w), (p) => this.files.forget(p),
          (p) => matchRule(this.rules, p)?.explicit ?? false) };
      case 'listen': {
        const settled = this.incoming.onListen(m.listen?.transport === layerPb.Transport.UDP ? 'udp' : 'tcp', m.listen?.port ?? 0, m.listen?.address ?? '');
        if (!id) return undefined;   // a notice (UDP bind): nobody waits
        const outcome = await settled;
        return { id, listen: { subscribed: outcome.subscribed, error: outcome.error ?? '' } };
      }
      case 'log':
        this.opts.log(m.log?.level === 'error' ? 'error' : 'warn', `layer: ${m.log?.message ?? ''}`);
        return undefined;
      case 'stats':
        for (const [k, v] of Object.entries(m.stats ?? {})) this.layerStats[k] = (this.layerStats[k] ?? 0) + toNumber(v);
        return undefined;
      default:
        return undefined;
    }
  }

  private async connect(udp: boolean, address: string, port: number, ipv6: boolean, peer: () => ExpectedPeer): Promise<ConnectAnswerProps> {
    const transport = udp ? 'udp' : 'tcp';
    const dns = udp && port === 53 && this.opts.policy.dns.enabled;
    // dns: false — the workstation resolves, so its resolver's questions (port 53) leave from here too.
    if (port === 53 && !this.opts.policy.dns.enabled) return { action: layerPb.ConnectAction.CONNECT_LOCAL };
    if (!dns && !this.filter.remote(transport, address, port)) return { action: layerPb.ConnectAction.CONNECT_LOCAL };
    const agent = this.opts.agent();
    if (!agent || agent.closed) {
      this.warnOnce(`the agent is not connected: connections to ${transport} targets fail with ECONNREFUSED`);
      return { action: layerPb.ConnectAction.CONNECT_FAIL, errnoCode: ERRNO.ECONNREFUSED };
    }
    try {
      if (udp) {
        const relayPort = await this.udp.relayFor(address, port);
        return { action: layerPb.ConnectAction.CONNECT_REDIRECT, redirect: { address: '127.0.0.1', port: relayPort }, cacheable: true };
      }
      const relay = await relayTcp(agent, address, port, ipv6, this.tcp, peer(), this.tcpRelays);
      return { action: layerPb.ConnectAction.CONNECT_REDIRECT, redirect: relay };
    } catch (err) {
      this.opts.log('debug', `connect ${address}:${port} through the target failed: ${(err as Error).message}`);
      return { action: layerPb.ConnectAction.CONNECT_FAIL, errnoCode: connectErrno(err) };
    }
  }

  private async connectUnix(path: string): Promise<ConnectAnswerProps> {
    if (!unixPathRemote(path, this.opts.policy.outgoing.unixStreams, this.rules)) return { action: layerPb.ConnectAction.CONNECT_LOCAL };
    const agent = this.opts.agent();
    if (!agent || agent.closed) return { action: layerPb.ConnectAction.CONNECT_FAIL, errnoCode: ERRNO.ECONNREFUSED };
    try {
      return { action: layerPb.ConnectAction.CONNECT_REDIRECT, redirect: { address: await relayUnix(agent, path, this.dir), port: 0 } };
    } catch (err) {
      this.opts.log('debug', `connect unix:${path} in the target failed: ${(err as Error).message}`);
      return { action: layerPb.ConnectAction.CONNECT_FAIL, errnoCode: fileErrno(err) ?? connectErrno(err) };
    }
  }

  /** Counters and subscriptions for status displays. */
  status(): ProxyStatus {
    return {
      socketPath: this.socketPath,
      layers: this.sockets.size,
      tcp: { ...this.tcp },
      udp: { ...this.udp.counters },
      filesServed: this.files.filesServed,
      filesWritten: this.files.filesWritten,
      incoming: this.incoming.status(),
      layerStats: { ...this.layerStats },
    };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([this.udp.close(), drainRelays(this.tcpRelays), this.incoming.close()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
