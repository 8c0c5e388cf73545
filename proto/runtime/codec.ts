// The one module that converts between domain messages (./messages.ts) and the protobufjs
// generated types (proto/gen/tunnel.js, produced by the build). Enums travel as numbers and
// become names here; bytes become Buffers; absent sub-messages become defaults.
import { kmirror } from '../gen/tunnel.js';
import type { Frame, Msg } from './messages.js';
import {
  ERROR_CODES, type DirEntry, type ErrorCodeName, type FileType, type HttpFilter, type RemoteStat,
  type SocketAddr, type TrafficMode, type Transport,
} from './types.js';

const pb = kmirror.tunnel.v1;
type Props = kmirror.tunnel.v1.Frame.$Properties;

const FILE_TYPES: FileType[] = ['unknown', 'file', 'directory', 'symlink', 'other'];
const MODES: Record<number, TrafficMode> = { 1: 'mirror', 2: 'steal' };

const errorCodeName = (n: number | null | undefined): ErrorCodeName => ERROR_CODES[n ?? 0] ?? 'ERROR_CODE_UNSPECIFIED';
const addrIn = (a: kmirror.tunnel.v1.SocketAddress.$Properties | null | undefined): SocketAddr => ({ address: a?.address ?? '', port: a?.port ?? 0 });
const buf = (b: Uint8Array | null | undefined): Buffer => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.alloc(0));
const num = (n: number | { toNumber(): number } | null | undefined): number => (n == null ? 0 : typeof n === 'number' ? n : n.toNumber());

function statOut(s: RemoteStat): kmirror.tunnel.v1.FileStat.$Properties {
  return {
    type: Math.max(0, FILE_TYPES.indexOf(s.type)), mode: s.mode, size: s.size, mtimeMs: s.mtimeMs, uid: s.uid,
    gid: s.gid, ino: s.ino, nlink: s.nlink, atimeMs: s.atimeMs, ctimeMs: s.ctimeMs, dev: s.dev,
  };
}
function statIn(s: kmirror.tunnel.v1.FileStat.$Properties | null | undefined): RemoteStat {
  return {
    type: FILE_TYPES[s?.type ?? 0] ?? 'unknown', mode: s?.mode ?? 0, size: num(s?.size), uid: s?.uid ?? 0,
    gid: s?.gid ?? 0, ino: num(s?.ino), nlink: num(s?.nlink), dev: num(s?.dev), atimeMs: num(s?.atimeMs),
    mtimeMs: num(s?.mtimeMs), ctimeMs: num(s?.ctimeMs),
  };
}
function filterOut(f: HttpFilter): kmirror.tunnel.v1.HttpFilter.$Properties {
  return {
    headerFilter: f.headerFilter ?? '', pathFilter: f.pathFilter ?? '', methodFilter: f.methodFilter ?? '',
    allOf: (f.allOf ?? []).map(filterOut), anyOf: (f.anyOf ?? []).map(filterOut),
  };
}
function filterIn(f: kmirror.tunnel.v1.HttpFilter.$Properties): HttpFilter {
  const out: HttpFilter = {};
  if (f.headerFilter) out.headerFilter = f.headerFilter;
  if (f.pathFilter) out.pathFilter = f.pathFilter;
  if (f.methodFilter) out.methodFilter = f.methodFilter;
  if (f.allOf?.length) out.allOf = f.allOf.map(filterIn);
  if (f.anyOf?.length) out.anyOf = f.anyOf.map(filterIn);
  return out;
}
const modeOut = (m: TrafficMode): number => (m === 'steal' ? 2 : 1);
const transportOut = (t: Transport): number => (t === 'udp' ? 1 : 0);
const transportIn = (t: number | null | undefined): Transport => (t === 1 ? 'udp' : 'tcp');

/** Domain message → generated Frame properties. */
export function toWire(frame: Frame): Props {
  const out: Props = { streamId: frame.streamId };
  const m = frame.msg;
  if (!m) return out;
  switch (m.kind) {
    case 'error': out.error = { code: ERROR_CODES.indexOf(m.code), message: m.message }; break;
    case 'fileOpened': out.fileOpened = { stat: statOut(m.stat) }; break;
    case 'fileStat': out.fileStat = statOut(m.stat); break;
    case 'fileReaddirResult': out.fileReaddirResult = { entries: m.entries.map((e) => ({ name: e.name, type: Math.max(0, FILE_TYPES.indexOf(e.type)) })) }; break;
    case 'subscribe': out.subscribe = { port: m.port, mode: modeOut(m.mode), transport: transportOut(m.transport), httpFilter: m.httpFilter ? filterOut(m.httpFilter) : null }; break;
    case 'incomingConnection': out.incomingConnection = { ...m, mode: modeOut(m.mode), transport: transportOut(m.transport) }; break;
    case 'resolveRequest': out.resolveRequest = { name: m.name, family: m.family }; break;
    default: {
      // The remaining kinds have the same field names and scalar/nested shapes as the proto.
      const { kind, ...fields } = m;
      (out as Record<string, unknown>)[kind] = fields;
    }
  }
  return out;
}

/** Generated Frame → domain message (msg undefined for an unknown body). */
export function fromWire(f: kmirror.tunnel.v1.Frame): Frame {
  const streamId = f.streamId;
  switch (f.body) {
    case undefined: return { streamId };
    case 'hello': { const h = f.hello!; return { streamId, msg: { kind: 'hello', protocolVersion: h.protocolVersion ?? 0, capabilities: h.capabilities ?? [], token: h.token ?? '', clientName: h.clientName ?? '' } }; }
    case 'helloAck': { const h = f.helloAck!; return { streamId, msg: { kind: 'helloAck', protocolVersion: h.protocolVersion ?? 0, capabilities: h.capabilities ?? [], agentVersion: h.agentVersion ?? '', target: h.target ?? '', maxFrameBytes: h.maxFrameBytes ?? 0 } }; }
    case 'ping': return { streamId, msg: { kind: 'ping', nonce: num(f.ping!.nonce) } };
    case 'pong': return { streamId, msg: { kind: 'pong', nonce: num(f.pong!.nonce) } };
    case 'error': return { streamId, msg: { kind: 'error', code: errorCodeName(f.error!.code), message: f.error!.message ?? '' } };
    case 'tcpConnect': { const c = f.tcpConnect!; return { streamId, msg: { kind: 'tcpConnect', host: c.host ?? '', port: c.port ?? 0, initialWindow: c.initialWindow ?? 0, timeoutMs: c.timeoutMs ?? 0 } }; }
    case 'tcpConnected': { const c = f.tcpConnected!; return { streamId, msg: { kind: 'tcpConnected', local: addrIn(c.local), remote: addrIn(c.remote), initialWindow: c.initialWindow ?? 0 } }; }
    case 'data': return { streamId, msg: { kind: 'data', payload: buf(f.data!.payload) } };
    case 'windowUpdate': return { streamId, msg: { kind: 'windowUpdate', increment: f.windowUpdate!.increment ?? 0 } };
    case 'shutdown': return { streamId, msg: { kind: 'shutdown' } };
    case 'close': return { streamId, msg: { kind: 'close', reset: f.close!.reset ?? false, reason: f.close!.reason ?? '' } };
    case 'udpOpen': return { streamId, msg: { kind: 'udpOpen', ipv6: f.udpOpen!.ipv6 ?? false } };
    case 'udpOpened': return { streamId, msg: { kind: 'udpOpened', local: addrIn(f.udpOpened!.local) } };
    case 'udpDatagram': return { streamId, msg: { kind: 'udpDatagram', peer: addrIn(f.udpDatagram!.peer), payload: buf(f.udpDatagram!.payload) } };
    case 'resolveRequest': { const fam = f.resolveRequest!.family ?? 0; return { streamId, msg: { kind: 'resolveRequest', name: f.resolveRequest!.name ?? '', family: fam === 4 || fam === 6 ? fam : 0 } }; }
    case 'resolveResponse': return { streamId, msg: { kind: 'resolveResponse', addresses: f.resolveResponse!.addresses ?? [], source: f.resolveResponse!.source ?? '' } };
    case 'dnsQuery': { const q = f.dnsQuery!; return { streamId, msg: { kind: 'dnsQuery', packet: buf(q.packet), ...(q.server ? { server: addrIn(q.server) } : {}) } }; }
    case 'dnsAnswer': return { streamId, msg: { kind: 'dnsAnswer', packet: buf(f.dnsAnswer!.packet) } };
    case 'fileOpen': {
      const o = f.fileOpen!;
      const flags = { write: o.write ?? false, create: o.create ?? false, truncate: o.truncate ?? false, append: o.append ?? false, exclusive: o.exclusive ?? false };
      return { streamId, msg: { kind: 'fileOpen', path: o.path ?? '', ...(flags.write ? { ...flags, createMode: o.createMode ?? 0 } : {}) } };
    }
    case 'fileOpened': return { streamId, msg: { kind: 'fileOpened', stat: statIn(f.fileOpened!.stat) } };
    case 'fileRead': return { streamId, msg: { kind: 'fileRead', offset: num(f.fileRead!.offset), length: f.fileRead!.length ?? 0 } };
    case 'fileData': { const d = f.fileData!; return { streamId, msg: { kind: 'fileData', offset: num(d.offset), data: buf(d.data), eof: d.eof ?? false } }; }
    case 'fileStatRequest': return { streamId, msg: { kind: 'fileStatRequest', path: f.fileStatRequest!.path ?? '', noFollow: f.fileStatRequest!.noFollow ?? false } };
    case 'fileStat': return { streamId, msg: { kind: 'fileStat', stat: statIn(f.fileStat) } };
    case 'fileReaddir': return { streamId, msg: { kind: 'fileReaddir', path: f.fileReaddir!.path ?? '' } };
    case 'fileReaddirResult': return { streamId, msg: { kind: 'fileReaddirResult', entries: (f.fileReaddirResult!.entries ?? []).map((e): DirEntry => ({ name: e.name ?? '', type: FILE_TYPES[e.type ?? 0] ?? 'unknown' })) } };
    case 'fileClose': return { streamId, msg: { kind: 'fileClose' } };
    case 'fileWrite': return { streamId, msg: { kind: 'fileWrite', offset: num(f.fileWrite!.offset), data: buf(f.fileWrite!.data) } };
    case 'fileTruncate': return { streamId, msg: { kind: 'fileTruncate', size: num(f.fileTruncate!.size) } };
    case 'fileWritten': return { streamId, msg: { kind: 'fileWritten', length: num(f.fileWritten!.length), size: num(f.fileWritten!.size) } };
    case 'envRequest': return { streamId, msg: { kind: 'envRequest' } };
    case 'envResponse': return { streamId, msg: { kind: 'envResponse', vars: { ...(f.envResponse!.vars ?? {}) } } };
    case 'subscribe': { const s = f.subscribe!; return { streamId, msg: { kind: 'subscribe', port: s.port ?? 0, mode: MODES[s.mode ?? 0] ?? 'mirror', transport: transportIn(s.transport), ...(s.httpFilter ? { httpFilter: filterIn(s.httpFilter) } : {}) } }; }
    case 'subscribed': return { streamId, msg: { kind: 'subscribed', ...(f.subscribed!.listen ? { listen: addrIn(f.subscribed!.listen) } : {}) } };
    case 'unsubscribe': return { streamId, msg: { kind: 'unsubscribe' } };
    case 'incomingConnection': { const c = f.incomingConnection!; return { streamId, msg: { kind: 'incomingConnection', subscriptionStreamId: c.subscriptionStreamId ?? 0, source: addrIn(c.source), destination: addrIn(c.destination), mode: MODES[c.mode ?? 0] ?? 'mirror', initialWindow: c.initialWindow ?? 0, transport: transportIn(c.transport) } }; }
    case 'mirrorGap': return { streamId, msg: { kind: 'mirrorGap', offset: num(f.mirrorGap!.offset), length: num(f.mirrorGap!.length) } };
    case 'unsubscribed': return { streamId, msg: { kind: 'unsubscribed', reason: f.unsubscribed!.reason ?? '' } };
  }
}

/** Encodes one frame without its length prefix. */
export function encodeFrameBody(frame: Frame): Uint8Array {
  return pb.Frame.encode(toWire(frame)).finish();
}

/** Decodes one frame body; throws protobufjs errors on malformed input (callers wrap them). */
export function decodeFrameBody(bytes: Uint8Array): Frame {
  return fromWire(pb.Frame.decode(bytes));
}
