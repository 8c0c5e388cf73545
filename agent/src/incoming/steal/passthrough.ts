// Connections from the agent to the original app inside the target, which km_steal must not
// steal back: bind first, exempt the source port in the BPF map, connect, then lift the
// exemption (only the SYN consults sk_lookup; the established socket is found directly).
import { closeSync } from 'node:fs';
import net from 'node:net';
import type { NetnsSockets } from '../../netns/sockets.js';
import type { SocketAddr } from '../service.js';
import type { StealProgram } from './steal-program.js';

export const PASSTHROUGH_CONNECT_TIMEOUT_MS = 5_000;

/** A TCP connection to `to` (the original destination) that reaches the original app. */
export async function connectPassthrough(program: StealProgram, sockets: NetnsSockets, to: SocketAddr): Promise<net.Socket> {
  const any = net.isIPv6(to.address) ? '::' : '0.0.0.0';
  const bound = await sockets.bindSocket('tcp', { address: any, port: 0 });
  const port = bound.local.port;
  program.exemptSourcePort(port, true);
  try {
    await sockets.connectFd(bound.fd, to, PASSTHROUGH_CONNECT_TIMEOUT_MS);
  } catch (err) {
    closeSync(bound.fd);
    throw err;
  } finally {
    program.exemptSourcePort(port, false);
  }
  return new net.Socket({ fd: bound.fd, readable: true, writable: true, allowHalfOpen: true });
}
