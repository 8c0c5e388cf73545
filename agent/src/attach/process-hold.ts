// ProcessHold: remote attach through a debugger container (Go, Python). Before the client places
// anything in the pod, the agent finds the process by its pid in the target's PID namespace,
// checks that it is of the kind asked for (read from its executable; the process is never
// touched), and takes the same one-session attach lock as InspectorOpen. The stream stays held
// while the client is attached; closing it (or the connection) releases the lock.
import type { TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { MsgOf } from '#proto/runtime/messages.js';
import { readlink } from 'node:fs/promises';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import type { AgentTarget } from '../target/target.js';
import { toTunnelError } from '../services/errno.js';
import { elfSectionNames, isGoSections } from './executable-kind.js';
import { AttachHold, takeLock } from './node-inspector.js';
import { findTargetProcess, type TargetProcess } from './target-process.js';

const KINDS = ['go', 'python'] as const;

/** What the executable of `proc` says about its kind; throws NOT_ATTACHABLE when it is not `kind`. */
async function checkKind(proc: TargetProcess, kind: (typeof KINDS)[number]): Promise<string> {
  const exe = `/proc/${proc.agentPid}/exe`;
  let target: string;
  try {
    target = await readlink(exe);
  } catch (err) {
    throw toTunnelError(err, `attach: reading the executable of process ${proc.nsPid} (${proc.command})`);
  }
  if (kind === 'go') {
    const sections = await elfSectionNames(exe).catch((err: unknown) => { throw toTunnelError(err, `attach: reading ${target} of process ${proc.nsPid}`); });
    if (isGoSections(sections)) return `Go executable ${target}`;
    throw new TunnelError('NOT_ATTACHABLE', `attach: process ${proc.nsPid} (${proc.command}) is not a Go program: its executable ${target} has no Go build information${sections.length ? '' : ' (not an ELF file)'}; pick its debugger ("debugger": "node" for Node) or the pid of the Go process ("processId")`);
  }
  if (/(^|\/)python[0-9.]*$/.test(target) || /(^|\/)python[0-9.]*( |$)/.test(proc.command)) return `Python interpreter ${target}`;
  throw new TunnelError('NOT_ATTACHABLE', `attach: process ${proc.nsPid} (${proc.command}) is not a Python interpreter (its executable is ${target}); pick its debugger or the pid of the Python process ("processId")`);
}

export async function serveProcessHold(ctx: { conn: TunnelConnection; streamId: number; target: AgentTarget; sockets: NetnsSockets; log: Logger }, req: MsgOf<'processHold'>): Promise<void> {
  const { conn, streamId, sockets, log } = ctx;
  const kind = KINDS.find((k) => k === req.debugger);
  if (!kind) throw new TunnelError('INVALID_ARGUMENT', `attach: unknown debugger kind "${req.debugger}" (known: ${KINDS.join(', ')})`);
  const proc = await findTargetProcess(ctx.target, req.pid);
  // Checked before the lock: a wrong kind must not hold the process from its right debugger.
  const detail = await checkKind(proc, kind);
  const hold = new AttachHold(conn, streamId, await takeLock(sockets, proc), log);
  log.info('attach', 'process held for a debugger container', { nsPid: proc.nsPid, kind, detail });
  if (hold.active) conn.send(streamId, { kind: 'processHeld', pid: proc.nsPid, command: proc.command, detail });
}
