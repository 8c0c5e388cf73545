// Range checks for the numbers (and addresses) a client sends, applied by each service before a
// value reaches a system call or a Node API. The wire carries uint32/uint64; Node's fs and net
// bindings assert on values outside their own ranges (an abort no error boundary can catch),
// and 64-bit values above 2^53 are no longer exact once decoded to a JS number. One checker per
// message kind; a refusal is an INVALID_ARGUMENT naming the message, the field and the bound.
import net from 'node:net';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg, MsgKind, MsgOf } from '#proto/runtime/messages.js';
import type { SocketAddr } from '#proto/runtime/types.js';

/** Highest file offset or size accepted: the largest integer a JS number holds exactly. */
export const MAX_FILE_OFFSET = Number.MAX_SAFE_INTEGER;
/** Permission and type bits open(2) takes in its mode argument. */
export const MAX_CREATE_MODE = 0o7777;
/** Largest single read or write served (keeps FileData well below the frame limit). */
export const MAX_IO_BYTES = 1024 * 1024;
const MAX_UINT32 = 2 ** 32 - 1;

/** Throws INVALID_ARGUMENT unless `value` is an integer in [min, max]. */
export function checkRange(what: string, field: string, value: number, min: number, max: number): void {
  if (Number.isInteger(value) && value >= min && value <= max) return;
  throw new TunnelError('INVALID_ARGUMENT', `${what}: ${field} ${String(value)} is out of range (${min}..${max})`);
}

/**
 * Throws INVALID_ARGUMENT unless `addr` is an IP literal with a port in 1..65535. Names are
 * refused rather than resolved: Node would resolve them with the agent's own resolver, not the
 * target's (clients resolve names with ResolveRequest first).
 */
export function checkIpEndpoint(what: string, field: string, addr: SocketAddr): void {
  if (!net.isIP(addr.address)) {
    throw new TunnelError('INVALID_ARGUMENT', `${what}: ${field}.address "${addr.address.slice(0, 256)}" is not an IP literal (resolve names with ResolveRequest first)`);
  }
  checkRange(what, `${field}.port`, addr.port, 1, 65535);
}

type Checker<K extends MsgKind> = (m: MsgOf<K>) => void;

const CHECKS: { [K in MsgKind]?: Checker<K> } = {
  tcpConnect: (m) => {
    checkRange('tcp_connect', 'port', m.port, 1, 65535);
    checkRange('tcp_connect', 'initial_window', m.initialWindow, 0, MAX_UINT32);
    checkRange('tcp_connect', 'timeout_ms', m.timeoutMs, 0, MAX_UINT32);
  },
  udpDatagram: (m) => checkIpEndpoint('udp_datagram', 'peer', m.peer),
  dnsQuery: (m) => { if (m.server) checkIpEndpoint('dns_query', 'server', m.server); },
  fileOpen: (m) => checkRange('file_open', 'create_mode', m.createMode ?? 0, 0, MAX_CREATE_MODE),
  fileRead: (m) => {
    checkRange('file_read', 'length', m.length, 0, MAX_IO_BYTES);
    checkRange('file_read', 'offset', m.offset, 0, MAX_FILE_OFFSET - m.length);
  },
  fileWrite: (m) => {
    checkRange('file_write', 'data length', m.data.length, 0, MAX_IO_BYTES);
    checkRange('file_write', 'offset', m.offset, 0, MAX_FILE_OFFSET - m.data.length);
  },
  fileTruncate: (m) => checkRange('file_truncate', 'size', m.size, 0, MAX_FILE_OFFSET),
};

/** Throws INVALID_ARGUMENT when a field of `msg` is outside what the agent can act on. */
export function checkWireBounds(msg: Msg): void {
  // Safe: CHECKS is keyed by kind, so the entry for msg.kind takes exactly MsgOf<typeof msg.kind>.
  const check = CHECKS[msg.kind] as Checker<MsgKind> | undefined;
  check?.(msg as never);
}
