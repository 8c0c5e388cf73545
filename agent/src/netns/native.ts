// Loads the agent's native addon (build/native/kmirror_agent.node, or beside the bundle in dist/)
// and types the namespace-socket functions of agent/native/src/netns.cc. Other concerns (bpf.cc)
// type their own functions on the object loadAgentAddon() returns.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SocketAddr } from '#proto/runtime/types.js';

export interface NativeSocketRequest {
  /** Path of the target's network namespace file (/proc/N/ns/net, /var/run/netns/NAME). */
  netns: string;
  /** 'unix': an abstract unix socket named by bind.address (a netns-wide lock while its fd is open). */
  family: 4 | 6 | 'unix';
  type: 'tcp' | 'udp';
  bind?: SocketAddr;
  reuseAddr?: boolean;
  /** IPV6_V6ONLY; false makes a [::] socket dual-stack. */
  v6only?: boolean;
  /** listen(2) backlog: makes a listening TCP socket. */
  listen?: number;
  /** Non-blocking connect, completed (or failed) within timeoutMs on the helper thread. */
  connect?: SocketAddr;
  timeoutMs?: number;
}

export interface NativeSocketResult {
  /** A non-blocking, close-on-exec fd owned by the caller from now on. */
  fd: number;
  local: SocketAddr;
  remote?: SocketAddr;
  /** Inode of the socket's netns (SIOCGSKNS), already checked against the requested netns. */
  netnsIno: number;
}

/** Errors carry `code` = errno name (ECONNREFUSED, ETIMEDOUT, ENOENT...) and a message naming the step. */
export interface NetnsAddon {
  netnsSocket(req: NativeSocketRequest): Promise<NativeSocketResult>;
  /** Connects an existing fd (e.g. bound first, then registered in a BPF bypass map). */
  connectFd(fd: number, to: SocketAddr, timeoutMs: number): Promise<{ local: SocketAddr; remote: SocketAddr }>;
  /** Inode of the netns a socket fd belongs to (SIOCGSKNS). */
  socketNetnsIno(fd: number): number;
  /** Inode of the netns the calling (main) thread is in. */
  threadNetnsIno(): number;
}

let cached: Record<string, unknown> | undefined;

/** Finds and loads kmirror_agent.node once (KMIRROR_AGENT_ADDON overrides the search). */
export function loadAgentAddon(): Record<string, unknown> {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const candidates: string[] = [];
  if (process.env.KMIRROR_AGENT_ADDON) candidates.push(process.env.KMIRROR_AGENT_ADDON);
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'kmirror_agent.node'), join(dir, 'build/native/kmirror_agent.node'));
    if (dirname(dir) === dir) break;
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`native addon kmirror_agent.node not found (run scripts/build.sh); looked in: ${candidates.slice(0, 4).join(', ')} ...`);
  cached = require(found) as Record<string, unknown>;
  return cached;
}

export function netnsAddon(): NetnsAddon {
  const addon = loadAgentAddon();
  if (typeof addon.netnsSocket !== 'function') throw new Error('native addon lacks netnsSocket: rebuild it (scripts/build.sh)');
  // Safe: the functions are registered by netns.cc with exactly these signatures.
  return addon as unknown as NetnsAddon;
}
