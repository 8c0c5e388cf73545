// SnapshotRequest: the target's processes and sockets as /proc shows them now. "The target" is
// every process in its network namespace (the pod), not only the target pid; the agent itself is
// left out when it runs in that namespace.
import type { SnapshotKind, SnapshotResult } from '#proto/runtime/types.js';
import type { AgentTarget } from '../target/target.js';
import { pidsInNetns, readProcesses } from './proc-processes.js';
import { readSockets } from './proc-sockets.js';

export function takeSnapshot(target: AgentTarget, kinds: readonly SnapshotKind[], proc = '/proc'): SnapshotResult {
  const want = new Set(kinds.length ? kinds : ['processes', 'sockets']);
  const pids = pidsInNetns(target.netnsIno, proc).filter((p) => p !== process.pid);
  return {
    timeUs: Date.now() * 1000,
    processes: want.has('processes') ? readProcesses(pids, proc) : [],
    sockets: want.has('sockets') ? readSockets(pids, proc) : [],
  };
}
