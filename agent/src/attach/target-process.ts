// Finds a process of the target by its pid inside the target's PID namespace (what `ps` shows in
// the container), from the agent's view of /proc (the node's pids for a hostPID node agent, the
// same pids for a local or ephemeral agent). Reads what remote attach needs to decide safely.
import { readdir, readFile, stat } from 'node:fs/promises';
import { TunnelError } from '#proto/runtime/errors.js';
import type { AgentTarget } from '../target/target.js';

export interface TargetProcess {
  /** The pid in the agent's /proc (what kill(2) takes). */
  readonly agentPid: number;
  /** The pid inside the target's PID namespace. */
  readonly nsPid: number;
  /** Inode of that PID namespace (the same for every agent on the node). */
  readonly pidnsIno: number;
  readonly command: string;
  /** True when the process installed a SIGUSR1 handler (Node does, for its inspector). */
  readonly catchesSigusr1: boolean;
}

export interface ProcStatus {
  name: string;
  /** NSpid: the pid in each nested namespace, outermost first. */
  nsPids: number[];
  /** SigCgt: the caught-signal mask. */
  caught: bigint;
}

/** Parses /proc/N/status (the fields remote attach reads). */
export function parseProcStatus(text: string): ProcStatus {
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const caught = field('SigCgt');
  return { name: field('Name'), nsPids: field('NSpid').split(/\s+/).filter(Boolean).map(Number), caught: caught ? BigInt(`0x${caught}`) : 0n };
}

/** True when signal number `signal` is in a SigCgt mask (bit signal-1). */
export function catchesSignal(caught: bigint, signal: number): boolean {
  return ((caught >> BigInt(signal - 1)) & 1n) === 1n;
}

const SIGUSR1 = 10;

async function pidnsIno(pid: number): Promise<number | undefined> {
  try {
    return (await stat(`/proc/${pid}/ns/pid`)).ino;
  } catch {
    return undefined;
  }
}

async function describe(agentPid: number, ino: number): Promise<TargetProcess> {
  const status = parseProcStatus(await readFile(`/proc/${agentPid}/status`, 'utf8'));
  const cmdline = (await readFile(`/proc/${agentPid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
  return {
    agentPid, nsPid: status.nsPids.at(-1) ?? agentPid, pidnsIno: ino,
    command: (cmdline || status.name).slice(0, 200), catchesSigusr1: catchesSignal(status.caught, SIGUSR1),
  };
}

/**
 * The process `nsPid` of the target's PID namespace; 0 = the target's main process (the
 * container's first process for a Kubernetes target, the pid itself for pid/N).
 */
export async function findTargetProcess(target: AgentTarget, nsPid: number): Promise<TargetProcess> {
  if (target.pid === undefined) throw new TunnelError('NOT_SUPPORTED', `attach: target ${target.spec} is a network namespace, not a process; give pid/N or a Kubernetes workload`);
  const ino = await pidnsIno(target.pid);
  if (ino === undefined) throw new TunnelError('UNAVAILABLE', `attach: the target process ${target.pid} of ${target.spec} is gone`);
  if (nsPid === 0) return describe(target.pid, ino);
  const seen: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || (await pidnsIno(Number(entry))) !== ino) continue;
    const status = parseProcStatus(await readFile(`/proc/${entry}/status`, 'utf8').catch(() => ''));
    if (status.nsPids.at(-1) === nsPid) return describe(Number(entry), ino);
    if (seen.length < 12 && status.nsPids.length) seen.push(`${status.nsPids.at(-1)} ${status.name}`);
  }
  throw new TunnelError('NOT_FOUND', `attach: no process ${nsPid} in the PID namespace of ${target.spec}${seen.length ? ` (processes there: ${seen.join(', ')})` : ''}`);
}
