// Address helpers for sockets of the dual-stack [::] listener: IPv4 peers appear v4-mapped
// (::ffff:10.1.2.3); clients get the plain IPv4 form.
import type { SocketAddr } from '../service.js';

/** Strips the ::ffff: prefix of a v4-mapped address. */
export function unmapAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}

export function socketAddr(address: string | undefined, port: number | undefined): SocketAddr {
  return { address: unmapAddress(address ?? ''), port: port ?? 0 };
}
