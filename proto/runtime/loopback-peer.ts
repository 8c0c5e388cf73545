// Who is on the other end of a loopback TCP connection: the uid that owns the peer's socket, read
// from the kernel's socket tables (/proc/net/tcp and /proc/net/tcp6 of this network namespace), as
// Delve's `--only-same-user` does. Every local TCP listener kmirror opens for a session (kmirror-dap
// --port, the local agent, one-shot relay ports) serves only its own user unless told otherwise:
// a DAP server runs programs, so another local user must not reach it. The workstation injects a
// faster exact lookup (kmirror-peer-uid, a kernel sock_diag query) tried first; the table read is
// the fallback, and the only way where no helper ships (the agent in the cluster).
import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import type { Socket } from 'node:net';

export interface SocketEnds { localAddress: string; localPort: number; remoteAddress: string; remotePort: number }

/** An exact lookup of the uid owning the peer's socket: undefined when not found; rejects when it cannot answer. */
export type PeerUidLookup = (ends: SocketEnds) => Promise<number | undefined>;

/** `127.0.0.1` / `::ffff:127.0.0.1` / `::1` → the hex form /proc/net/tcp{,6} prints (host byte order words). */
export function procNetAddress(address: string, port: number): { v6: boolean; hex: string } {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  if (isIPv4(address)) return { v6: false, hex: `${ipv4Word(address)}:${portHex}` };
  const words = ipv6Words(address);
  return { v6: true, hex: `${words.map(littleEndianWord).join('')}:${portHex}` };
}

/** The uid owning the socket whose local end is `peer` and remote end is `us`, from the table text; undefined if absent. */
export function findSocketUid(table: string, peer: string, us: string): number | undefined {
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
    if (f.length > 7 && f[1] === peer && f[2] === us) return Number(f[7]);
  }
  return undefined;
}

/**
 * The uid of the process that owns the other end of `ends` (a connection accepted on loopback), or
 * undefined: from `fastLookup` when it finds the socket, else from /proc/net/tcp{,6}.
 */
export async function loopbackPeerUid(ends: SocketEnds, fastLookup?: PeerUidLookup): Promise<number | undefined> {
  const fast = fastLookup ? await fastLookup(ends).catch(() => undefined) : undefined;
  if (fast !== undefined) return fast;
  return procNetPeerUid(ends);
}

/** The uid owning the peer's socket as /proc/net/tcp{,6} of this network namespace shows it, or undefined. */
export async function procNetPeerUid(ends: SocketEnds): Promise<number | undefined> {
  const peer = procNetAddress(ends.remoteAddress, ends.remotePort);
  const us = procNetAddress(ends.localAddress, ends.localPort);
  // A v4 client of a dual-stack listener appears in tcp6 as ::ffff:a.b.c.d on our side but in tcp on
  // its own side; look in both tables, with each side's natural form.
  const candidates: Array<[string, string, string]> = [[peer.v6 ? 'tcp6' : 'tcp', peer.hex, us.hex]];
  const peerV4 = mappedIPv4(ends.remoteAddress);
  const usV4 = mappedIPv4(ends.localAddress);
  if (peerV4 && usV4) candidates.push(['tcp', procNetAddress(peerV4, ends.remotePort).hex, procNetAddress(usV4, ends.localPort).hex]);
  // The reverse: a dual-stack client socket (Java's default, so LSP4IJ's) connected to a v4 listener
  // is in tcp6 as ::ffff:a.b.c.d on its own side while we see plain IPv4.
  if (!peer.v6 && !us.v6) {
    candidates.push(['tcp6', procNetAddress(`::ffff:${ends.remoteAddress}`, ends.remotePort).hex, procNetAddress(`::ffff:${ends.localAddress}`, ends.localPort).hex]);
  }
  for (const [table, p, u] of candidates) {
    const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
    const uid = findSocketUid(text, p, u);
    if (uid !== undefined) return uid;
  }
  return undefined;
}

export type PeerVerdict = { allowed: true; uid: number | undefined } | { allowed: false; uid: number | undefined; reason: string };

/**
 * Decides whether an accepted connection may be served: only a peer owned by this process's uid,
 * unless `allowOtherUsers`. A peer whose owner cannot be found (the socket already gone) is refused.
 */
export async function checkLoopbackPeer(socket: Socket, opts: { allowOtherUsers?: boolean; fastLookup?: PeerUidLookup } = {}): Promise<PeerVerdict> {
  const ends = {
    localAddress: socket.localAddress ?? '', localPort: socket.localPort ?? 0,
    remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0,
  };
  const uid = ends.remoteAddress ? await loopbackPeerUid(ends, opts.fastLookup) : undefined;
  if (opts.allowOtherUsers) return { allowed: true, uid };
  const own = process.getuid?.() ?? 0;
  if (uid === own) return { allowed: true, uid };
  const from = `${ends.remoteAddress}:${ends.remotePort}`;
  return {
    allowed: false, uid,
    reason: uid === undefined
      ? `refused connection from ${from}: its owner could not be found in /proc/net/tcp{,6}`
      : `refused connection from ${from}: it belongs to uid ${uid}, this server serves only uid ${own} (start it with --allow-other-users to opt out)`,
  };
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; undefined for any other address. */
function mappedIPv4(address: string): string | undefined {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
}

function ipv4Word(address: string): string {
  // /proc prints the 32-bit address as a host-order (little-endian here) integer in hex.
  return address.split('.').map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).reverse().join('');
}

function littleEndianWord(word: string): string {
  return (word.match(/../g) ?? []).reverse().join('');
}

/** Four 8-hex-digit big-endian words of an IPv6 address (with `::` and a trailing dotted quad expanded). */
function ipv6Words(address: string): string[] {
  let a = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (quad?.[1]) {
    const o = quad[1].split('.').map(Number);
    a = a.slice(0, -quad[1].length) + `${(((o[0] ?? 0) << 8) | (o[1] ?? 0)).toString(16)}:${(((o[2] ?? 0) << 8) | (o[3] ?? 0)).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const hex = groups.map((g) => g.padStart(4, '0')).join('').toUpperCase();
  return (hex.match(/.{8}/g) ?? []);
}
