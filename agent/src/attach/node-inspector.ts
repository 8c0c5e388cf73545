// InspectorOpen: opens the Node inspector of a process in the target for one attach session.
// Order matters for "the process is unchanged on failure": find the process, take its attach lock
// (an abstract unix name in the target's netns, shared by every agent serving that pod, released
// with the stream or the agent), refuse a process without a SIGUSR1 handler (SIGUSR1 would end
// it), and only then signal. The stream stays held while the client is attached.
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg, MsgOf } from '#proto/runtime/messages.js';
import { closeSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { NetnsSockets } from '../netns/sockets.js';
import type { AgentTarget } from '../target/target.js';
import { toTunnelError } from '../services/errno.js';
import { findTargetProcess, type TargetProcess } from './target-process.js';

const DEFAULT_PORT = 9229;
const DEFAULT_WAIT_MS = 5_000;
const MAX_WAIT_MS = 30_000;
const POLL_MS = 100;
/**
 * While a session holds a process, the agent checks that its client still answers: a client gone
 * without a close (killed, port-forward cut half-open) must not leave the process stopped at a
 * breakpoint. On a missed pong the connection is closed, which ends its inspector relay: Node
 * resumes a process whose pausing inspector session disconnects.
 */
const HEARTBEAT_MS = 3_000;
const HEARTBEAT_TIMEOUT_MS = 6_000;

/** The lock, held from the first check to the client's Close (or the end of the connection). */
export class AttachHold implements StreamHandler {
  private released = false;
  private readonly heartbeat: NodeJS.Timeout;
  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly fd: number, private readonly log: Logger) {
    conn.attach(streamId, this);
    this.heartbeat = setInterval(() => void this.checkClient(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }
  private async checkClient(): Promise<void> {
    try {
      await this.conn.ping(HEARTBEAT_TIMEOUT_MS);
    } catch (err) {
      if (this.released) return;
      this.log.warn('attach', 'client unreachable while attached: closing its connection so the process runs on', { stream: this.streamId, error: (err as Error).message });
      this.conn.close(`attach: client unreachable (${(err as Error).message})`);
    }
  }
  get active(): boolean {
    return !this.released;
  }
  onMessage(msg: Msg): void {
    if (msg.kind === 'close' || msg.kind === 'error') this.release('client detached');
  }
  onConnectionClosed(): void {
    this.release('connection closed');
  }
  release(why: string): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    this.conn.detach(this.streamId);
    closeSync(this.fd);
    this.log.info('attach', 'attach lock released', { stream: this.streamId, why });
  }
}

async function inspectorListening(sockets: NetnsSockets, port: number): Promise<boolean> {
  try {
    const { socket } = await sockets.connectTcp({ address: '127.0.0.1', port }, { timeoutMs: 1_000 });
    socket.destroy();
    return true;
  } catch {
    return false;
  }
}

export async function takeLock(sockets: NetnsSockets, proc: TargetProcess): Promise<number> {
  try {
    return await sockets.holdAbstractName(`kmirror-attach/${proc.pidnsIno}/${proc.nsPid}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TunnelError('ATTACH_BUSY', `attach: process ${proc.nsPid} (${proc.command}) already has a kmirror debug session attached; detach that session first`);
    }
    throw toTunnelError(err, `attach: lock for process ${proc.nsPid}`);
  }
}

function signal(proc: TargetProcess): void {
  try {
    process.kill(proc.agentPid, 'SIGUSR1');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPERM') throw new TunnelError('PERMISSION_DENIED', `attach: the agent may not signal process ${proc.nsPid} (${proc.command}): EPERM (it runs as uid ${process.getuid?.()}, without CAP_KILL over that process)`);
    throw toTunnelError(err, `attach: signal process ${proc.nsPid}`);
  }
}

export async function serveInspectorOpen(ctx: { conn: TunnelConnection; streamId: number; target: AgentTarget; sockets: NetnsSockets; log: Logger }, req: MsgOf<'inspectorOpen'>): Promise<void> {
  const { conn, streamId, sockets, log } = ctx;
  const port = req.port || DEFAULT_PORT;
  if (port > 65535) throw new TunnelError('INVALID_ARGUMENT', `attach: bad inspector port ${port}`);
  const waitMs = Math.min(req.timeoutMs || DEFAULT_WAIT_MS, MAX_WAIT_MS);
  const proc = await findTargetProcess(ctx.target, req.pid);
  const hold = new AttachHold(conn, streamId, await takeLock(sockets, proc), log);
  try {
    if (!proc.catchesSigusr1) {
      throw new TunnelError('NOT_ATTACHABLE', `attach: process ${proc.nsPid} (${proc.command}) is not a Node process with an inspector: it has no SIGUSR1 handler (the signal would end it), so it was not signalled`);
    }
    const alreadyOpen = await inspectorListening(sockets, port);
    if (!alreadyOpen) {
      signal(proc);
      log.info('attach', 'sent SIGUSR1', { pid: proc.agentPid, nsPid: proc.nsPid, port });
      const deadline = Date.now() + waitMs;
      while (!(await inspectorListening(sockets, port))) {
        if (!hold.active) return;
        if (Date.now() >= deadline) {
          throw new TunnelError('NOT_ATTACHABLE', `attach: no Node inspector on 127.0.0.1:${port} within ${waitMs} ms after SIGUSR1 to process ${proc.nsPid} (${proc.command}): not Node, started with --disable-sigusr1, or its inspector uses another port (give "port")`);
        }
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    }
    if (!hold.active) return;
    conn.send(streamId, { kind: 'inspectorOpened', pid: proc.nsPid, command: proc.command, port, alreadyOpen });
  } catch (err) {
    const e = toTunnelError(err, `attach to process ${proc.nsPid}`);
    if (hold.active) {
      hold.release(e.code);
      conn.sendStreamError(streamId, e.code, e.message);
    }
  }
}
