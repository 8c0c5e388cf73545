// DNS as the target sees it: names from the target's /etc/hosts, then queries to the nameservers
// of its /etc/resolv.conf, sent from a UDP socket inside its network namespace (TCP retry when
// the answer is truncated). Config files are re-read on each request (pods rewrite them).
// A request's `signal` aborts it (its client left): the socket of the query in flight is closed
// at once and no further server is tried.
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import dnsPacket from 'dns-packet';
import { TunnelError } from '#proto/runtime/errors.js';
import type { SocketAddr } from '#proto/runtime/types.js';
import type { NetnsSockets } from '../netns/sockets.js';
import type { AgentTarget } from '../target/target.js';
import { netnsEtcDir } from '../target/resolve.js';
import { readTargetFile } from './files.js';
import { checkWireBounds } from './wire-bounds.js';
import { candidateNames, parseHosts, parseResolvConf, type ResolvConf } from './resolv-conf.js';

export class TargetDns {
  constructor(private readonly target: AgentTarget, private readonly sockets: NetnsSockets) {}

  private async configFile(name: 'resolv.conf' | 'hosts'): Promise<string> {
    const etc = netnsEtcDir(this.target);
    if (etc) {
      try {
        return await readFile(`${etc}/${name}`, 'utf8');
      } catch { /* no per-netns file: fall back to the root's */ }
    }
    try {
      return (await readTargetFile(this.target, `/etc/${name}`)).toString('utf8');
    } catch {
      return '';
    }
  }

  async resolvConf(): Promise<ResolvConf> {
    return parseResolvConf(await this.configFile('resolv.conf'));
  }

  /** Resolves a name like the target's libc would: hosts first, then DNS with the search list. */
  async resolve(name: string, family: 0 | 4 | 6, signal?: AbortSignal): Promise<{ addresses: string[]; source: string }> {
    if (!name || name.length > 253) throw new TunnelError('INVALID_ARGUMENT', `resolve: bad name "${name}"`);
    if (net.isIP(name)) return { addresses: [name], source: 'literal' };
    const wanted = (a: string): boolean => family === 0 || net.isIP(a) === family;
    const hosts = parseHosts(await this.configFile('hosts'));
    const fromHosts = (hosts.get(name.toLowerCase().replace(/\.$/, '')) ?? []).filter(wanted);
    if (fromHosts.length > 0) return { addresses: fromHosts, source: 'hosts' };

    const conf = await this.resolvConf();
    if (conf.nameservers.length === 0) throw new TunnelError('NAME_NOT_RESOLVED', `resolve ${name}: ${this.target.spec} has no nameserver in its resolv.conf`);
    const types: Array<'A' | 'AAAA'> = family === 4 ? ['A'] : family === 6 ? ['AAAA'] : ['A', 'AAAA'];
    for (const candidate of candidateNames(name, conf)) {
      const addresses: string[] = [];
      let server = '';
      for (const type of types) {
        const query = dnsPacket.encode({ type: 'query', id: randomInt(0, 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name: candidate, class: 'IN' }] });
        const answer = await this.query(query, { conf, signal });
        server = answer.server;
        for (const rr of answer.message.answers ?? []) {
          if ((rr.type === 'A' || rr.type === 'AAAA') && typeof rr.data === 'string') addresses.push(rr.data);
        }
      }
      if (addresses.length > 0) return { addresses, source: server };
    }
    throw new TunnelError('NAME_NOT_RESOLVED', `resolve ${name}: no address from ${this.target.spec}'s hosts file or nameservers ${conf.nameservers.join(', ')}`);
  }

  /**
   * Sends a wire-format query to `server` (default: the target's nameservers in turn). An answer
   * that does not decode (truncated, bad compression pointer) counts as that server failing, as
   * in libc's resolver: the next server is tried.
   */
  async query(packet: Buffer, opts: { server?: SocketAddr; conf?: ResolvConf; signal?: AbortSignal } = {}): Promise<{ packet: Buffer; server: string; message: dnsPacket.Packet }> {
    const { server, signal } = opts;
    if (packet.length < 12 || packet.length > 65535) throw new TunnelError('INVALID_ARGUMENT', `dns query: ${packet.length} bytes is not a DNS message`);
    if (server) checkWireBounds({ kind: 'dnsQuery', packet, server });
    const c = opts.conf ?? (await this.resolvConf());
    const servers = server ? [server] : c.nameservers.map((address) => ({ address, port: 53 }));
    if (servers.length === 0) throw new TunnelError('NAME_NOT_RESOLVED', `dns query: ${this.target.spec} has no nameserver in its resolv.conf`);
    let lastError: unknown;
    for (let attempt = 0; attempt < c.attempts; attempt++) {
      for (const s of servers) {
        try {
          let answer = await this.udpQuery(packet, s, c.timeoutMs, signal);
          if (answer.length >= 3 && (answer[2]! & 0x02) !== 0) answer = await this.tcpQuery(packet, s, c.timeoutMs, signal);
          return { packet: answer, server: s.address, message: decodeAnswer(answer, s) };
        } catch (err) {
          if (signal?.aborted) throw err;
          lastError = err;
        }
      }
    }
    if (lastError instanceof TunnelError) throw new TunnelError(lastError.code, `${lastError.message}${servers.length > 1 ? ` (last of ${servers.map((s) => s.address).join(', ')})` : ''}`);
    throw new TunnelError('TIMED_OUT', `dns query: no answer from ${servers.map((s) => s.address).join(', ')} (${(lastError as Error)?.message ?? 'timeout'})`);
  }

  private async udpQuery(packet: Buffer, server: SocketAddr, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const family = net.isIPv6(server.address) ? 6 : 4;
    const { socket } = await this.sockets.openUdp(family);
    const id = packet.readUInt16BE(0);
    try {
      return await untilAnswer<Buffer>(`dns query to ${server.address}:${server.port}`, timeoutMs, signal, (resolve, reject) => {
        socket.on('message', (msg, rinfo) => {
          if (msg.length < 2 || msg.readUInt16BE(0) !== id || rinfo.port !== server.port) return; // not ours
          resolve(msg);
        });
        socket.on('error', reject);
        socket.send(packet, server.port, server.address);
      });
    } finally {
      socket.close();
    }
  }

  private async tcpQuery(packet: Buffer, server: SocketAddr, timeoutMs: number, signal?: AbortSignal): Promise<Buffer> {
    const { socket } = await this.sockets.connectTcp(server, { timeoutMs });
    try {
      return await untilAnswer<Buffer>(`dns query over TCP to ${server.address}`, timeoutMs, signal, (resolve, reject) => {
        const chunks: Buffer[] = [];
        socket.on('data', (d: Buffer) => {
          chunks.push(d);
          const all = Buffer.concat(chunks);
          if (all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) resolve(all.subarray(2, 2 + all.readUInt16BE(0)));
        });
        socket.on('error', reject);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(packet.length);
        socket.write(Buffer.concat([len, packet]));
      });
    } finally {
      socket.destroy();
    }
  }
}

/**
 * Runs `start` until it resolves or rejects, `timeoutMs` passes (TIMED_OUT) or `signal` aborts,
 * whichever comes first; the caller's `finally` then closes the socket in every case.
 */
function untilAnswer<T>(what: string, timeoutMs: number, signal: AbortSignal | undefined, start: (resolve: (v: T) => void, reject: (err: unknown) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => { done(); reject(new TunnelError('UNAVAILABLE', `${what}: cancelled, nobody waits for the answer`)); };
    const timer = setTimeout(() => { done(); reject(new TunnelError('TIMED_OUT', `${what}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      start((v) => { done(); resolve(v); }, (err) => { done(); reject(err); });
    } catch (err) {
      done();
      reject(err);
    }
  });
}

/** Decodes a nameserver's answer; a malformed one is a resolution error naming the server. */
function decodeAnswer(answer: Buffer, server: SocketAddr): dnsPacket.Packet {
  try {
    return dnsPacket.decode(answer);
  } catch (err) {
    throw new TunnelError('NAME_NOT_RESOLVED', `dns query to ${server.address}:${server.port}: malformed answer (${(err as Error).message})`);
  }
}
