// Boundary values in every numeric field of every tunnel message, sent to a live agent after a
// valid handshake. Each field is tried where the agent reads it: a request that opens a stream
// as the first frame of a new stream; a message that belongs inside a stream (FileRead on an
// open file, WindowUpdate on a TCP relay, UdpDatagram on a UDP socket) inside such a stream;
// control messages on stream 0; Frame.stream_id on a connection of its own. Every field is also
// tried as the opener of a new stream (what an agent does with a message it never expects).
import dnsPacket from 'dns-packet';
import type { Frame, Msg, MsgKind } from '#proto/runtime/messages.js';
import { LIVE_DNS_NAME, type LiveAgent } from './live-agent.js';
import { RawTunnelClient } from './raw-tunnel-client.js';
import { boundaryValues, encodeWithValue, frameType, numericFields, withLengthPrefix, type NumericField } from './wire-reflection.js';

export type CaseContext = 'frame' | 'control' | 'opener' | 'stream';

export interface BoundaryCase {
  label: string;
  context: CaseContext;
  /** The Frame body case ('' for Frame.stream_id). */
  kind: string;
  field: NumericField;
  value: bigint;
}

const CONTROL_KINDS = new Set(['hello', 'helloAck', 'ping', 'pong', 'error']);

/** Where a message that belongs inside a stream is sent: the request that opens it, and the reply that shows it is open. */
export function streamContexts(live: LiveAgent): Record<string, { open: Msg; opened: MsgKind }> {
  const file: Msg = { kind: 'fileOpen', path: '/mnt/bounds.bin', write: true, create: true, truncate: false, append: false, exclusive: false, createMode: 0o644 };
  const tcp: Msg = { kind: 'tcpConnect', host: '127.0.0.1', port: live.tcpEchoPort, initialWindow: 65536, timeoutMs: 2000 };
  const inFile = { open: file, opened: 'fileOpened' as const };
  const inTcp = { open: tcp, opened: 'tcpConnected' as const };
  return {
    fileRead: inFile, fileWrite: inFile, fileTruncate: inFile, fileClose: inFile,
    windowUpdate: inTcp, data: inTcp, shutdown: inTcp, close: inTcp,
    udpDatagram: { open: { kind: 'udpOpen', ipv6: false }, opened: 'udpOpened' },
  };
}

/** A valid body per kind (protobufjs object form) pointing at the live fixture; {} for the rest. */
export function bodyBases(live: LiveAgent): Record<string, Record<string, unknown>> {
  const addr = { address: '127.0.0.1', port: live.tcpEchoPort };
  const query = dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: LIVE_DNS_NAME, class: 'IN' }] });
  return {
    hello: { protocolVersion: 1, token: live.agent.token, clientName: 'bounds' },
    ping: { nonce: 1 }, pong: { nonce: 1 }, error: { code: 17, message: 'bounds' },
    tcpConnect: { host: '127.0.0.1', port: live.tcpEchoPort, initialWindow: 65536, timeoutMs: 2000 },
    tcpConnected: { local: addr, remote: addr, initialWindow: 65536 },
    windowUpdate: { increment: 4096 },
    udpDatagram: { peer: { address: '127.0.0.1', port: live.udpEchoPort }, payload: Buffer.from('bounds') },
    resolveRequest: { name: LIVE_DNS_NAME, family: 4 },
    dnsQuery: { packet: query, server: { address: '127.0.0.1', port: 53 } },
    fileOpen: { path: '/mnt/bounds.bin', write: true, create: true },
    fileRead: { offset: 0, length: 16 },
    fileWrite: { offset: 0, data: Buffer.from('bounds') },
    fileTruncate: { size: 0 },
    subscribe: { port: 8080, mode: 2, transport: 0 },
  };
}

/** Every (field, boundary value, context) the agent should survive; derived from the .proto. */
export function boundaryCases(live: LiveAgent): BoundaryCase[] {
  const contexts = streamContexts(live);
  const out: BoundaryCase[] = [];
  for (const field of numericFields()) {
    const kind = field.path.length === 1 ? '' : (field.path[0] as string);
    const where: CaseContext[] = kind === '' ? ['frame'] : CONTROL_KINDS.has(kind) ? ['control', 'opener'] : contexts[kind] ? ['stream', 'opener'] : ['opener'];
    for (const value of boundaryValues(field)) {
      for (const context of where) out.push({ label: `${field.path.join('.')}=${value} (${context})`, context, kind, field, value });
    }
  }
  return out;
}

export interface BoundaryReport {
  cases: number;
  /** Error frames the agent answered, with the case that caused them. */
  errors: Array<{ label: string; code: string; message: string }>;
}

/** Sends every case to the live agent, one connection at a time; reconnects when a case ends the connection. */
export async function runBoundaryCases(live: LiveAgent, cases: BoundaryCase[]): Promise<BoundaryReport> {
  const bases = bodyBases(live);
  const contexts = streamContexts(live);
  const frame = frameType();
  const report: BoundaryReport = { cases: 0, errors: [] };
  const labels = new Map<number, string>();
  let client: RawTunnelClient | undefined;
  let nextId = 1;
  let nonce = 1_000_000;
  const collect = (c: RawTunnelClient, streamLabels: Map<number, string>): void => {
    for (const f of c.frames as Frame[]) {
      if (f.msg?.kind === 'error') report.errors.push({ label: streamLabels.get(f.streamId) ?? `stream ${f.streamId}`, code: f.msg.code, message: f.msg.message });
    }
  };
  const retire = async (): Promise<void> => {
    if (!client) return;
    await client.close();
    collect(client, new Map(labels));
    labels.clear();
    client = undefined;
  };
  const sync = async (c: RawTunnelClient): Promise<void> => {
    if (!c.isClosed) await c.ping(nonce++).catch(() => undefined); // a case may end the connection
  };

  for (const k of cases) {
    report.cases++;
    const body = bases[k.kind] ?? {};
    if (k.context === 'frame') {
      const own = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'bounds-frame');
      own.raw(withLengthPrefix(encodeWithValue(frame, { streamId: 1, envRequest: {} }, k.field.path, k.value)));
      await sync(own);
      await own.close();
      collect(own, new Map([[Number(BigInt.asUintN(32, k.value)), k.label]]));
      continue;
    }
    if (!client || client.isClosed) {
      await retire();
      client = await RawTunnelClient.authenticated(live.agent.url, live.agent.token, 'bounds');
      nextId = 1;
    }
    const c = client;
    if (k.context === 'control') {
      labels.set(0, k.label);
      c.raw(withLengthPrefix(encodeWithValue(frame, { [k.kind]: body }, k.field.path, k.value)));
      await sync(c);
      continue;
    }
    const id = nextId;
    nextId += 2;
    labels.set(id, k.label);
    if (k.context === 'stream') {
      // Safe: boundaryCases() gives 'stream' only to kinds with a context.
      const ctx = contexts[k.kind]!;
      c.send(id, ctx.open);
      await c.frame((f) => f.streamId === id && (f.msg?.kind === ctx.opened || f.msg?.kind === 'error'));
    }
    c.raw(withLengthPrefix(encodeWithValue(frame, { streamId: id, [k.kind]: body }, k.field.path, k.value)));
    await sync(c);
    if (k.context === 'stream') c.send(id, { kind: 'close', reset: false, reason: 'case done' });
  }
  await retire();
  return report;
}
