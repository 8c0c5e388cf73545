// Answers the layer's open/stat requests for paths the rules mark remote, from the target's root
// through the agent. A path absent in the target falls back to the workstation's file when it
// was only remote by default (a project file outside the default local list), and fails with
// ENOENT when the user listed it explicitly. Contents and stats are cached briefly: start-ups
// open the same files many times. A directory of the target (O_DIRECTORY, or a plain open of a
// path that is a directory there) is answered with its entries: the layer lists them through a
// placeholder directory. An open with write intent (only asked for paths the rules let the target
// write: `write` mode, `read_write` lists) is answered with the current content (empty for
// O_TRUNC or a created file); the layer writes the result back on close (writeBack).
import { isTunnelError, type AgentSession, type DirEntry, type RemoteStat } from '../tunnel/agent-session.js';
import { ERRNO, fileErrno } from './errno.js';
import { layerPb } from './layer-channel.js';
import { matchRule, type PathRule } from './path-rules.js';

const CACHE_MS = 2000;
const MAX_FILE_BYTES = 64 << 20;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_DIRECTORY = 0o200000;
const ENTRY_TYPES: Record<DirEntry['type'], number> = { unknown: 0, file: 1, directory: 2, symlink: 3, other: 4 };
const TYPE_BITS: Record<RemoteStat['type'], number> = { file: 0o100000, directory: 0o040000, symlink: 0o120000, other: 0o010000, unknown: 0o100000 };

export interface FileAnswer { action: number; content?: Uint8Array; errnoCode?: number; cacheLocal?: boolean; entries?: Array<{ name: string; type: number }> }
export interface StatAnswer { action: number; stat?: Record<string, number>; errnoCode?: number; cacheLocal?: boolean }

export class FileService {
  private readonly contents = new Map<string, { at: number; data: Promise<Buffer> }>();
  private readonly stats = new Map<string, { at: number; stat: Promise<RemoteStat> }>();
  filesServed = 0;
  filesWritten = 0;

  constructor(
    private readonly agent: () => AgentSession | undefined,
    private readonly rules: PathRule[],
    private readonly warn: (message: string) => void,
    private readonly defaultWritesRemote = false,
  ) {}

  private explicit(path: string): boolean {
    return matchRule(this.rules, path)?.explicit ?? false;
  }

  /** Whether the program may create `path` in the target (write mode, a read_write pattern). */
  private writable(path: string): boolean {
    const rule = matchRule(this.rules, path);
    return rule ? rule.action === 'remote' && !rule.readOnly : this.defaultWritesRemote;
  }

  /** Where a failed remote lookup goes: an errno for the program, or the local file. */
  private fallback(path: string, err: unknown): { action: number; errnoCode?: number; cacheLocal?: boolean } {
    const errno = fileErrno(err);
    // Absent in the target: local from now on, unless the program may still create it there.
    if (errno === ERRNO.ENOENT && !this.explicit(path)) return { action: layerPb.FileAction.FILE_LOCAL, cacheLocal: !this.writable(path) };
    if (errno !== undefined) return { action: layerPb.FileAction.FILE_FAIL, errnoCode: errno };
    this.warn(`remote file ${path}: ${(err as Error).message}; using the local file`);
    return { action: layerPb.FileAction.FILE_LOCAL };
  }

  async open(path: string, flags: number): Promise<FileAnswer> {
    const agent = this.agent();
    if (!agent) return { action: layerPb.FileAction.FILE_LOCAL };
    const writeIntent = (flags & 3) !== 0 || (flags & (O_CREAT | O_TRUNC | O_APPEND)) !== 0;
    if (writeIntent) return this.openForWrite(agent, path, flags);
    if (flags & O_DIRECTORY) return this.listing(agent, path, true);
    let entry = this.contents.get(path);
    if (!entry || Date.now() - entry.at > CACHE_MS) {
      entry = { at: Date.now(), data: agent.readFile(path) };
      entry.data.catch(() => this.contents.delete(path));
      this.contents.set(path, entry);
    }
    try {
      const data = await entry.data;
      if (data.length > MAX_FILE_BYTES) {
        this.warn(`remote file ${path} is ${data.length} bytes, more than the ${MAX_FILE_BYTES}-byte limit: using the local file`);
        return { action: layerPb.FileAction.FILE_LOCAL };
      }
      this.filesServed++;
      return { action: layerPb.FileAction.FILE_CONTENT, content: data };
    } catch (err) {
      if (isTunnelError(err) && err.code === 'IS_DIRECTORY') return this.listing(agent, path, false);
      return this.fallback(path, err);
    }
  }

  /** The content a program opening `path` for writing starts from. */
  private async openForWrite(agent: AgentSession, path: string, flags: number): Promise<FileAnswer> {
    if (!agent.writeFile) {
      this.warn(`this session cannot write files in the target: writes to ${path} and other remote paths go to the local file`);
      return { action: layerPb.FileAction.FILE_LOCAL };
    }
    this.forget(path);
    const empty = { action: layerPb.FileAction.FILE_CONTENT, content: new Uint8Array(0) };
    let s: RemoteStat;
    try {
      s = await agent.stat(path);
    } catch (err) {
      if (flags & O_CREAT && fileErrno(err) === ERRNO.ENOENT) return empty;
      return this.fallback(path, err);
    }
    if (s.type === 'directory') return { action: layerPb.FileAction.FILE_FAIL, errnoCode: ERRNO.EISDIR };
    if (flags & O_CREAT && flags & O_EXCL) return { action: layerPb.FileAction.FILE_FAIL, errnoCode: ERRNO.EEXIST };
    if (flags & O_TRUNC) return empty;
    try {
      return { action: layerPb.FileAction.FILE_CONTENT, content: await agent.readFile(path) };
    } catch (err) {
      return this.fallback(path, err);
    }
  }

  /** The program closed (or synced) a remote file it wrote: its content goes to the target. */
  async writeBack(path: string, content: Uint8Array, append: boolean, mode: number): Promise<number> {
    const agent = this.agent();
    this.forget(path);
    if (!agent?.writeFile) {
      this.warn(`cannot write ${path} in the target: the agent is not connected`);
      return ERRNO.EIO;
    }
    try {
      await agent.writeFile(path, content, { append, ...(mode ? { createMode: mode } : {}) });
      this.filesWritten++;
      return 0;
    } catch (err) {
      this.warn(`writing ${path} in the target failed: ${(err as Error).message}`);
      return fileErrno(err) ?? ERRNO.EIO;
    }
  }

  /** Drops what is cached for `path` (a remote mkdir/unlink/rename changed it). */
  forget(path: string): void {
    this.contents.delete(path);
    this.stats.delete(`s:${path}`);
    this.stats.delete(`l:${path}`);
  }

  /** The entries of a directory of the target; `check`: make sure it is one first (ENOTDIR). */
  private async listing(agent: AgentSession, path: string, check: boolean): Promise<FileAnswer> {
    try {
      if (check) {
        const s = await agent.stat(path);
        if (s.type !== 'directory') return { action: layerPb.FileAction.FILE_FAIL, errnoCode: ERRNO.ENOTDIR };
      }
      const entries = await agent.readdir(path);
      this.filesServed++;
      return { action: layerPb.FileAction.FILE_DIRECTORY, entries: entries.map((e) => ({ name: e.name, type: ENTRY_TYPES[e.type] ?? 0 })) };
    } catch (err) {
      return this.fallback(path, err);
    }
  }

  async stat(path: string, noFollow: boolean): Promise<StatAnswer> {
    const agent = this.agent();
    if (!agent) return { action: layerPb.FileAction.FILE_LOCAL };
    const key = `${noFollow ? 'l' : 's'}:${path}`;
    let entry = this.stats.get(key);
    if (!entry || Date.now() - entry.at > CACHE_MS) {
      entry = { at: Date.now(), stat: agent.stat(path, { noFollow }) };
      entry.stat.catch(() => this.stats.delete(key));
      this.stats.set(key, entry);
    }
    try {
      const s = await entry.stat;
      const mode = (s.mode & 0o170000) === 0 ? s.mode | TYPE_BITS[s.type] : s.mode;
      return {
        action: layerPb.FileAction.FILE_CONTENT,
        stat: { mode, size: s.size, uid: s.uid, gid: s.gid, ino: s.ino, nlink: s.nlink, dev: s.dev, atimeMs: s.atimeMs, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs },
      };
    } catch (err) {
      return this.fallback(path, err);
    }
  }
}
