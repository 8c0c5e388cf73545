// Resolves a local target string to the paths the agent serves from:
//   pid/N       netns /proc/N/ns/net, root /proc/N/root, env /proc/N/environ
//   netns/NAME  netns /var/run/netns/NAME, root / (the host's files; DNS config from
//               /etc/netns/NAME/{resolv.conf,hosts} when present, as `ip netns exec` does)
import { statSync } from 'node:fs';
import { TunnelError } from '#proto/runtime/errors.js';
import type { AgentTarget } from './target.js';
import { findContainerPid, parseContainerIdTarget } from './container-id.js';

export interface ParsedTarget {
  kind: 'pid' | 'netns';
  pid?: number;
  name?: string;
}

/** Parses `pid/N` or `netns/NAME` (TunnelError INVALID_ARGUMENT otherwise). */
export function parseLocalTarget(spec: string): ParsedTarget {
  const pid = /^pid\/(\d+)$/.exec(spec);
  if (pid) return { kind: 'pid', pid: Number(pid[1]) };
  const ns = /^netns\/([A-Za-z0-9_.-]+)$/.exec(spec);
  if (ns && ns[1] !== '.' && ns[1] !== '..') return { kind: 'netns', name: ns[1] };
  throw new TunnelError('INVALID_ARGUMENT', `bad target "${spec}": expected pid/N or netns/NAME`);
}

function inode(path: string, what: string): number {
  try {
    return statSync(path).ino;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TunnelError(code === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION_DENIED', `${what}: cannot open ${path} (${code})`);
  }
}

/** Checks that the target exists and returns its paths. */
export function resolveLocalTarget(spec: string): AgentTarget {
  // container-id/<ID> (node agent, hostPID): served as pid/N of the container's init process.
  const containerId = parseContainerIdTarget(spec);
  if (containerId !== undefined) return { ...resolveLocalTarget(`pid/${findContainerPid(containerId)}`), spec };
  const t = parseLocalTarget(spec);
  if (t.kind === 'pid') {
    const base = `/proc/${t.pid}`;
    const netnsPath = `${base}/ns/net`;
    return { spec, pid: t.pid, netnsPath, netnsIno: inode(netnsPath, `target ${spec}`), rootPath: `${base}/root`, environPath: `${base}/environ` };
  }
  const netnsPath = `/var/run/netns/${t.name}`;
  return { spec, netnsPath, netnsIno: inode(netnsPath, `target ${spec}`), rootPath: '/' };
}

/** Where a netns target keeps its own resolv.conf/hosts (`ip netns exec` bind-mounts these). */
export function netnsEtcDir(target: AgentTarget): string | undefined {
  const m = /^netns\/(.+)$/.exec(target.spec);
  return m ? `/etc/netns/${m[1]}` : undefined;
}
