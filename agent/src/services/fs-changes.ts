// mkdir, unlink, rmdir, rename and statfs inside the target's root (FsMkdir, FsRemove, FsRename,
// FsStatfsRequest → FsResult). Paths are resolved by resolveInRoot with the last component left
// as is (a symlink there is the entry acted on, never followed out of the root). A failure is the
// Linux errno itself in FsResult (ENOTEMPTY, EXDEV… have no tunnel ErrorCode), so the program sees
// exactly what the target's file system said.
import { constants } from 'node:os';
import { mkdir, rename, rmdir, statfs, unlink } from 'node:fs/promises';
import type { MsgOf } from '#proto/runtime/messages.js';
import { isTunnelError } from '#proto/runtime/errors.js';
import type { AgentTarget } from '../target/target.js';
import { resolveInRoot } from './root-path.js';

type FsRequest = MsgOf<'fsMkdir'> | MsgOf<'fsRemove'> | MsgOf<'fsRename'> | MsgOf<'fsStatfsRequest'>;
const MAX_MODE = 0o7777;
const EINVAL = 22;
const EIO = 5;

function errnoOf(err: unknown): number {
  if (isTunnelError(err)) return EINVAL;   // resolveInRoot refused the path (relative, NUL, loops)
  const code = (err as NodeJS.ErrnoException)?.code;
  const n = code ? (constants.errno as Record<string, number>)[code] : undefined;
  return n ?? EIO;
}

export async function fsChangeInTarget(target: AgentTarget, m: FsRequest): Promise<MsgOf<'fsResult'>> {
  const inRoot = (path: string): Promise<string> => resolveInRoot(target.rootPath, path, { followLast: false });
  try {
    switch (m.kind) {
      case 'fsMkdir':
        await mkdir(await inRoot(m.path), (m.mode & MAX_MODE) || 0o777);
        break;
      case 'fsRemove':
        await (m.directory ? rmdir : unlink)(await inRoot(m.path));
        break;
      case 'fsRename':
        await rename(await inRoot(m.fromPath), await inRoot(m.toPath));
        break;
      case 'fsStatfsRequest': {
        const s = await statfs(await resolveInRoot(target.rootPath, m.path));
        return { kind: 'fsResult', errnoCode: 0, message: '', statfs: { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree, namelen: 255 } };
      }
    }
    return { kind: 'fsResult', errnoCode: 0, message: '' };
  } catch (err) {
    return { kind: 'fsResult', errnoCode: errnoOf(err), message: `${m.kind} in ${target.spec}: ${(err as Error).message}` };
  }
}
