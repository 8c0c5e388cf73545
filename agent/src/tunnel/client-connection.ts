// One authenticated client (session) of the agent: routes each new stream to the service its
// first message asks for. A session reaches only streams of its own connection, so it can never
// read, end or take over another session's traffic or subscriptions. Every handler runs inside a boundary that turns unexpected exceptions into
// an INTERNAL error on that stream; nothing a client sends can stop the agent serving others.
import type { Frame } from '#proto/runtime/messages.js';
import type { TunnelConnection } from '#proto/runtime/connection.js';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import type { AgentTarget } from '../target/target.js';
import type { IncomingTrafficService } from '../incoming/service.js';
import { TunnelIncomingSink } from '../incoming/tunnel-sink.js';
import type { TargetDns } from '../services/dns.js';
import { readTargetEnv } from '../services/env.js';
import { toTunnelError } from '../services/errno.js';
import { OpenFileStream, readdirInTarget, statInTarget } from '../services/files.js';
import { fsChangeInTarget } from '../services/fs-changes.js';
import { serveUnixConnect } from '../services/unix-connect.js';
import { answerOnce } from '../services/pending-request.js';
import { serveTcpConnect } from '../services/tcp-relay.js';
import { serveUdpOpen } from '../services/udp.js';
import type { AgentSessionRecord, SessionRegistry } from './session-registry.js';
import type { TraceService } from '../trace/service.js';
import { takeSnapshot } from '../trace/snapshot.js';
import { serveTraceStart } from '../trace/tunnel-trace.js';
import { serveInspectorOpen } from '../attach/node-inspector.js';
import { serveProcessHold } from '../attach/process-hold.js';

const FAMILY_NUMBERS = { any: 0, ipv4: 4, ipv6: 6 } as const;

export interface AgentServices {
  target: AgentTarget;
  sockets: NetnsSockets;
  dns: TargetDns;
  incoming: IncomingTrafficService;
  trace: TraceService;
}

/** This connection's session and the registry of every session of the agent. */
export interface ClientSession {
  record: AgentSessionRecord;
  registry: SessionRegistry;
}

export function serveClient(conn: TunnelConnection, services: AgentServices, log: Logger, session: ClientSession): void {
  conn.on('stream', (frame: Frame) => {
    const what = frame.msg?.kind ?? 'unknown';
    handleStream(conn, services, log, frame, session).catch((err: unknown) => {
      const e = toTunnelError(err, `${what} on stream ${frame.streamId}`);
      if (e.code === 'INTERNAL') log.error('tunnel', 'request failed', { stream: frame.streamId, err: e, stack: (err as Error)?.stack });
      else log.debug('tunnel', 'request failed', { stream: frame.streamId, code: e.code, err: e.message });
      conn.sendStreamError(frame.streamId, e.code, e.message);
    });
  });
}

async function handleStream(conn: TunnelConnection, s: AgentServices, log: Logger, frame: Frame, session: ClientSession): Promise<void> {
  const { streamId, msg } = frame;
  // Safe: the connection answers frames without a known body itself (UNKNOWN_MESSAGE).
  const m = msg!;
  const reply = (r: Parameters<TunnelConnection['send']>[1]): void => conn.send(streamId, r);
  switch (m.kind) {
    case 'tcpConnect':
      return serveTcpConnect({ conn, streamId, sockets: s.sockets, dns: s.dns, log }, m);
    case 'unixConnect':
      return serveUnixConnect({ conn, streamId, target: s.target, log }, m);
    case 'udpOpen':
      return serveUdpOpen({ conn, streamId, sockets: s.sockets, log }, m);
    case 'resolveRequest':
      return answerOnce(conn, streamId, async (signal) => {
        const r = await s.dns.resolve(m.name, FAMILY_NUMBERS[m.family], signal);
        return { kind: 'resolveResponse', addresses: r.addresses, source: r.source };
      });
    case 'dnsQuery':
      return answerOnce(conn, streamId, async (signal) => {
        const r = await s.dns.query(m.packet, { ...(m.server ? { server: m.server } : {}), signal });
        return { kind: 'dnsAnswer', packet: r.packet };
      });
    case 'fileOpen':
      return new OpenFileStream(conn, streamId, s.target, m.path, m).open();
    case 'fileStatRequest':
      return reply({ kind: 'fileStat', ...await statInTarget(s.target, m.path, m.noFollow) });
    case 'fsMkdir':
    case 'fsRemove':
    case 'fsRename':
    case 'fsStatfsRequest':
      return reply(await fsChangeInTarget(s.target, m));
    case 'fileReaddir':
      return reply({ kind: 'fileReaddirResult', entries: await readdirInTarget(s.target, m.path) });
    case 'envRequest':
      return reply({ kind: 'envResponse', vars: await readTargetEnv(s.target) });
    case 'subscribe': {
      const { record, registry } = session;
      const sink = new TunnelIncomingSink(conn, streamId, log.child({ subscription: streamId }), () => registry.forget(record, streamId));
      try {
        const req = { port: m.port, mode: m.mode, transport: m.transport, ...(m.httpFilter ? { httpFilter: m.httpFilter } : {}), ...(m.record ? { record: true } : {}), session: record };
        const sub = await s.incoming.subscribe(req, sink);
        registry.subscribed(record, streamId, req);
        sink.started(sub);
      } catch (err) {
        sink.refused();
        throw err;
      }
      return;
    }
    case 'sessionsRequest':
      return reply({ kind: 'sessionsList', sessions: session.registry.list(session.record.id) });
    case 'traceStart':
      return serveTraceStart(conn, streamId, s.trace, m, log);
    case 'snapshotRequest':
      return reply({ kind: 'snapshotResult', ...takeSnapshot(s.target, m.kinds) });
    case 'inspectorOpen':
      return serveInspectorOpen({ conn, streamId, target: s.target, sockets: s.sockets, log }, m);
    case 'processHold':
      return serveProcessHold({ conn, streamId, target: s.target, sockets: s.sockets, log }, m);
    case 'unsubscribe':
      conn.sendStreamError(streamId, 'NOT_FOUND', `stream ${streamId}: no subscription to unsubscribe`);
      return;
    default:
      conn.sendStreamError(streamId, 'PROTOCOL_VIOLATION', `stream ${streamId}: ${m.kind} cannot open a stream`);
  }
}
