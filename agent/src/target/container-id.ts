// The `container-id/<ID>` target of a node agent (hostPID): finds the container's init process by
// its runtime ID in /proc/*/cgroup — containerd, CRI-O and Docker all put the ID in the cgroup
// path (".../<id>", "cri-containerd-<id>.scope", "crio-<id>.scope", "docker-<id>.scope") — so no
// container-runtime socket is needed. Then it is served exactly like pid/N (the ID is parsed by
// #proto/runtime/target.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { TunnelError } from '#proto/runtime/errors.js';

/** True when a /proc/N/cgroup text places the process in container `id`. */
export function cgroupMentionsContainer(cgroupText: string, id: string): boolean {
  for (const line of cgroupText.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    // Match whole path components or the ID between runtime prefixes and ".scope".
    if (path.split('/').some((part) => part === id || part.endsWith(`-${id}.scope`) || part.endsWith(`-${id}`))) return true;
  }
  return false;
}

function parentPid(procDir: string, pid: number): number | undefined {
  try {
    const stat = readFileSync(`${procDir}/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state ppid ...
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(after[1]);
  } catch {
    return undefined;
  }
}

/**
 * The PID (in this agent's PID namespace) of the container's init process: a process in the
 * container's cgroup whose parent is not (the runtime shim is the parent of init).
 */
export function findContainerPid(id: string, procDir = '/proc'): number {
  const members: number[] = [];
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`${procDir}/${entry}/cgroup`, 'utf8');
    } catch {
      continue;   // the process exited while we looked
    }
    if (cgroupMentionsContainer(text, id)) members.push(Number(entry));
  }
  if (members.length === 0) {
    throw new TunnelError('NOT_FOUND', `no process of container ${id.slice(0, 12)} in ${procDir}/*/cgroup (is the agent running on the target's node with hostPID?)`);
  }
  const set = new Set(members);
  const roots = members.filter((pid) => !set.has(parentPid(procDir, pid) ?? -1)).sort((a, b) => a - b);
  // roots is non-empty unless every member's parent is a member (a cycle, impossible): fall back to the lowest PID.
  return roots[0] ?? Math.min(...members);
}
