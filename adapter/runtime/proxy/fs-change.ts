// The layer's FsChangeRequest (mkdir/unlink/rmdir/rename/statfs of a path the rules make the
// target's) carried out by the agent. The answer is the target's errno; an agent without the
// fs-mutate capability (older) or a session without one leaves the call local with one warning.
import { isTunnelError, type AgentSession, type FsChange } from '../tunnel/agent-session.js';
import { ERRNO, fileErrno } from './errno.js';
import { layerPb } from './layer-channel.js';

export interface FsChangeRequestProps { op?: number | null; path?: string | null; path2?: string | null; mode?: number | null; noReplace?: boolean | null }
export interface FsChangeAnswerProps { local?: boolean; errnoCode?: number; statfs?: Record<string, number> }

const OPS = layerPb.FsOp;

function toTunnel(r: FsChangeRequestProps): FsChange | undefined {
  const path = r.path ?? '';
  switch (r.op ?? OPS.FS_MKDIR) {
    case OPS.FS_MKDIR: return { kind: 'fsMkdir', path, mode: r.mode ?? 0o777 };
    case OPS.FS_UNLINK: return { kind: 'fsRemove', path, directory: false };
    case OPS.FS_RMDIR: return { kind: 'fsRemove', path, directory: true };
    case OPS.FS_RENAME: return { kind: 'fsRename', fromPath: path, toPath: r.path2 ?? '' };
    case OPS.FS_STATFS: return { kind: 'fsStatfsRequest', path };
    default: return undefined;
  }
}

/**
 * Carries out one change; `changed` is told every path whose cached content or stat is now stale.
 * A statfs of a path absent in the target that was remote only by default (`explicit` false)
 * runs locally, like an open of such a path.
 */
export async function fsChange(agent: AgentSession | undefined, r: FsChangeRequestProps, warn: (m: string) => void, changed: (path: string) => void,
  explicit: (path: string) => boolean): Promise<FsChangeAnswerProps> {
  const op = toTunnel(r);
  if (!op) return { errnoCode: ERRNO.EINVAL };
  if (!agent?.fsChange) {
    warn(`${op.kind}: ${agent ? 'this agent session cannot change files in the target' : 'the agent is not connected'}; done on the workstation`);
    return { local: true };
  }
  try {
    if (op.kind === 'fsRename' && r.noReplace) {
      const exists = await agent.stat(op.toPath, { noFollow: true }).then(() => true, () => false);
      if (exists) return { errnoCode: ERRNO.EEXIST };
    }
    const result = await agent.fsChange(op);
    if (op.kind === 'fsStatfsRequest' && result.errnoCode === ERRNO.ENOENT && !explicit(op.path)) return { local: true };
    if (op.kind === 'fsRename') { changed(op.fromPath); changed(op.toPath); } else if (op.kind !== 'fsStatfsRequest') changed(op.path);
    return { errnoCode: result.errnoCode, ...(result.statfs ? { statfs: result.statfs } : {}) };
  } catch (err) {
    if (isTunnelError(err) && err.code === 'NOT_SUPPORTED') {
      warn(`${err.message}; ${op.kind} is done on the workstation`);
      return { local: true };
    }
    return { errnoCode: fileErrno(err) ?? ERRNO.EIO };
  }
}
