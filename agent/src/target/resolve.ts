// Resolves the agent's target string to the paths the agent serves from:
//   pid/N            netns /proc/N/ns/net, root /proc/N/root, env /proc/N/environ
//   netns/NAME       netns /var/run/netns/NAME, root / (the host's files; DNS config from
//                    /etc/netns/NAME/{resolv.conf,hosts} when present, as `ip netns exec` does)
//   container-id/ID  (node agent, hostPID) served as pid/N of the container's init process
import { statSync } from 'node:fs';
import { TunnelError } from '#proto/runtime/errors.js';
import { AGENT_TARGET_KINDS, isTargetError, parseTarget, type Target } from '#proto/runtime/target.js';
import type { AgentTarget } from './target.js';
import { findContainerPid } from './container-id.js';

function inode(path: string, what: string): number {
  try {
    return statSync(path).ino;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TunnelError(code === 'ENOENT' ? 'NOT_FOUND' : 'PERMISSION_DENIED', `${what}: cannot open ${path} (${code})`);
  }
}

/** Parses an agent target; a bad one is the tunnel's INVALID_ARGUMENT (the code the agent's fatal line reports). */
function parseAgentTarget(spec: string): Target {
  try {
    return parseTarget(spec, { kinds: AGENT_TARGET_KINDS });
  } catch (err) {
    throw isTargetError(err) ? new TunnelError('INVALID_ARGUMENT', err.message, { cause: err }) : err;
  }
}

function processTarget(spec: string, pid: number): AgentTarget {
  const base = `/proc/${pid}`;
  const netnsPath = `${base}/ns/net`;
  return { spec, pid, netnsPath, netnsIno: inode(netnsPath, `target ${spec}`), rootPath: `${base}/root`, environPath: `${base}/environ` };
}

/** Checks that the target exists and returns its paths. */
export function resolveLocalTarget(spec: string): AgentTarget {
  const target = parseAgentTarget(spec);
  switch (target.kind) {
    case 'pid':
      return processTarget(spec, target.pid);
    case 'container-id':
      return processTarget(spec, findContainerPid(target.id));
    case 'netns': {
      const netnsPath = `/var/run/netns/${target.name}`;
      return { spec, netnsName: target.name, netnsPath, netnsIno: inode(netnsPath, `target ${spec}`), rootPath: '/' };
    }
    default:
      // parseAgentTarget accepts AGENT_TARGET_KINDS only.
      throw new TunnelError('INVALID_ARGUMENT', `an agent cannot serve target "${spec}"`);
  }
}

/** Where a netns target keeps its own resolv.conf/hosts (`ip netns exec` bind-mounts these). */
export function netnsEtcDir(target: AgentTarget): string | undefined {
  return target.netnsName !== undefined ? `/etc/netns/${target.netnsName}` : undefined;
}
