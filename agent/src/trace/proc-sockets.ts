// The target's TCP and UDP sockets from /proc/PID/net/{tcp,tcp6,udp,udp6} of a process in its
// network namespace (those files show the namespace of the process named in the path), with the
// processes holding each socket (/proc/PID/fd links "socket:[inode]").
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { SnapshotSocket, Transport } from '#proto/runtime/types.js';

const TCP_STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV'];

/** "0100007F:1F90" (IPv4) or 32 hex digits + port (IPv6): 32-bit words in host (little-endian) order. */
export function parseProcAddress(text: string): { address: string; port: number } {
  const [hex = '', portHex = '0'] = text.split(':');
  const port = parseInt(portHex, 16);
  const bytes = Buffer.alloc(hex.length / 2);
  for (let w = 0; w < hex.length / 8; w++) bytes.writeUInt32LE(parseInt(hex.slice(w * 8, w * 8 + 8), 16), w * 4);
  if (bytes.length === 4) return { address: [...bytes].join('.'), port };
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(bytes.readUInt16BE(i).toString(16));
  if (words.slice(0, 5).every((x) => x === '0') && words[5] === 'ffff') return { address: `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`, port };
  return { address: new URL(`http://[${words.join(':')}]/`).hostname.slice(1, -1), port };
}

/** Parses one /proc/net/{tcp,udp}[6] table. */
export function parseSocketTable(text: string, protocol: Transport, ipv6: boolean): SnapshotSocket[] {
  const out: SnapshotSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const st = parseInt(f[3] as string, 16);
    const state = protocol === 'udp' ? (st === 1 ? 'ESTABLISHED' : 'UNCONN') : (TCP_STATES[st] ?? String(st));
    out.push({ protocol, ipv6, local: parseProcAddress(f[1] as string), remote: parseProcAddress(f[2] as string), state, uid: Number(f[7]), inode: Number(f[9]), pids: [] });
  }
  return out;
}

/** inode → pids holding it, over the given processes. */
function socketOwners(pids: readonly number[], proc: string): Map<number, number[]> {
  const owners = new Map<number, number[]>();
  for (const pid of pids) {
    let fds: string[] = [];
    try { fds = readdirSync(`${proc}/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      let link = '';
      try { link = readlinkSync(`${proc}/${pid}/fd/${fd}`); } catch { continue; }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m) continue;
      const list = owners.get(Number(m[1])) ?? [];
      if (!list.includes(pid)) list.push(pid);
      owners.set(Number(m[1]), list);
    }
  }
  return owners;
}

/** Sockets of the namespace `pids` live in (read through the first pid that still exists). */
export function readSockets(pids: readonly number[], proc = '/proc'): SnapshotSocket[] {
  const owners = socketOwners(pids, proc);
  for (const pid of pids) {
    try {
      const tables: Array<[string, Transport, boolean]> = [['tcp', 'tcp', false], ['tcp6', 'tcp', true], ['udp', 'udp', false], ['udp6', 'udp', true]];
      const sockets = tables.flatMap(([file, protocol, ipv6]) => parseSocketTable(readFileSync(`${proc}/${pid}/net/${file}`, 'utf8'), protocol, ipv6));
      for (const s of sockets) s.pids = owners.get(s.inode) ?? [];
      return sockets;
    } catch { /* exited: try the next */ }
  }
  return [];
}
