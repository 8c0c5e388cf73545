// File access inside the target's root: open/read (with read-ahead)/close, stat, readdir, and
// for files opened with write access write/truncate (the layer's `write` mode). Paths are
// resolved by resolveInRoot so symlinks never escape the root; the last component is opened with
// O_NOFOLLOW, so a symlink swapped in afterwards is refused rather than followed.
import { constants, type Stats } from 'node:fs';
import { open, readdir, stat, lstat, type FileHandle } from 'node:fs/promises';
import { TunnelError } from '#proto/runtime/errors.js';
import type { TunnelConnection, StreamHandler } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { DirEntry, FileType, RemoteStat } from '#proto/runtime/types.js';
import type { AgentTarget } from '../target/target.js';
import { toTunnelError } from './errno.js';
import { resolveInRoot } from './root-path.js';
import { checkWireBounds } from './wire-bounds.js';

/** Sequential readers get this much read ahead in one pread. */
const READ_AHEAD_BYTES = 256 * 1024;

export function toRemoteStat(s: Stats): RemoteStat {
  const type: FileType = s.isFile() ? 'file' : s.isDirectory() ? 'directory' : s.isSymbolicLink() ? 'symlink' : 'other';
  return {
    type, mode: s.mode, size: s.size, uid: s.uid, gid: s.gid, ino: s.ino, nlink: s.nlink, dev: s.dev,
    atimeMs: Math.trunc(s.atimeMs), mtimeMs: Math.trunc(s.mtimeMs), ctimeMs: Math.trunc(s.ctimeMs),
  };
}

export async function statInTarget(target: AgentTarget, path: string, noFollow: boolean): Promise<RemoteStat> {
  try {
    const host = await resolveInRoot(target.rootPath, path, { followLast: !noFollow });
    return toRemoteStat(noFollow ? await lstat(host) : await stat(host));
  } catch (err) {
    throw toTunnelError(err, `stat ${path} in ${target.spec}`);
  }
}

export async function readdirInTarget(target: AgentTarget, path: string): Promise<DirEntry[]> {
  try {
    const host = await resolveInRoot(target.rootPath, path);
    const entries = await readdir(host, { withFileTypes: true });
    return entries.map((e) => ({
      name: e.name,
      type: e.isFile() ? 'file' : e.isDirectory() ? 'directory' : e.isSymbolicLink() ? 'symlink' : 'other',
    }));
  } catch (err) {
    throw toTunnelError(err, `readdir ${path} in ${target.spec}`);
  }
}

/** Reads a whole small file inside the target (resolv.conf, hosts). */
export async function readTargetFile(target: AgentTarget, path: string): Promise<Buffer> {
  const host = await resolveInRoot(target.rootPath, path);
  const fh = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** How a FileOpen asks for write access (all unset: read-only). */
export interface WriteFlags { write?: boolean; create?: boolean; truncate?: boolean; append?: boolean; exclusive?: boolean; createMode?: number }

function openFlags(w: WriteFlags): number {
  let flags = constants.O_NOFOLLOW | constants.O_NONBLOCK | (w.write ? constants.O_RDWR : constants.O_RDONLY);
  if (w.write && w.create) flags |= constants.O_CREAT;
  if (w.write && w.create && w.exclusive) flags |= constants.O_EXCL;
  if (w.write && w.truncate) flags |= constants.O_TRUNC;
  if (w.write && w.append) flags |= constants.O_APPEND;
  return flags;
}

/**
 * One open file on a stream: FileOpen → FileOpened, then FileRead* → FileData, and (opened with
 * write) FileWrite/FileTruncate → FileWritten, all answered in order; FileClose.
 */
export class OpenFileStream implements StreamHandler {
  private handle: FileHandle | undefined;
  private cache: { offset: number; data: Buffer } | undefined;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, private readonly target: AgentTarget, private readonly path: string,
    private readonly access: WriteFlags = {}) {
    conn.attach(streamId, this);
  }

  async open(): Promise<void> {
    try {
      checkWireBounds({ kind: 'fileOpen', path: this.path, ...this.access });
      const host = await resolveInRoot(this.target.rootPath, this.path);
      const fh = await open(host, openFlags(this.access), this.access.createMode || 0o644);
      const s = await fh.stat();
      if (s.isDirectory()) {
        await fh.close();
        throw new TunnelError('IS_DIRECTORY', `open ${this.path} in ${this.target.spec}: is a directory`);
      }
      if (this.closed) return void (await fh.close());
      this.handle = fh;
      this.conn.send(this.streamId, { kind: 'fileOpened', stat: toRemoteStat(s) });
    } catch (err) {
      this.fail(toTunnelError(err, `open ${this.path} in ${this.target.spec}`));
    }
  }

  onMessage(msg: Msg): void {
    try {
      checkWireBounds(msg);
    } catch (err) {
      return this.fail(toTunnelError(err, `${msg.kind} on ${this.path}`));
    }
    switch (msg.kind) {
      case 'fileRead':
        // Reads are answered in order.
        this.queue = this.queue.then(() => this.read(msg.offset, msg.length));
        return;
      case 'fileWrite':
        this.queue = this.queue.then(() => this.change(msg.data, msg.offset));
        return;
      case 'fileTruncate':
        this.queue = this.queue.then(() => this.change(undefined, msg.size));
        return;
      case 'fileClose':
      case 'close':
        this.release();
        return;
      default:
        this.fail(new TunnelError('PROTOCOL_VIOLATION', `stream ${this.streamId}: ${msg.kind} is not valid on an open file`));
    }
  }

  onConnectionClosed(): void {
    this.release();
  }

  private async read(offset: number, length: number): Promise<void> {
    if (this.closed) return;
    const fh = this.handle;
    if (!fh) return this.fail(new TunnelError('PROTOCOL_VIOLATION', `stream ${this.streamId}: read before the file was opened`));
    try {
      const c = this.cache;
      if (!c || offset < c.offset || offset + length > c.offset + c.data.length) {
        const want = Math.max(length, READ_AHEAD_BYTES);
        const data = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(data, 0, want, offset);
        this.cache = { offset, data: data.subarray(0, bytesRead) };
      }
      // Safe: the cache was just filled for this offset when it did not cover it.
      const cache = this.cache!;
      const start = offset - cache.offset;
      const slice = cache.data.subarray(start, start + length);
      const eof = slice.length < length;
      if (!this.closed) this.conn.send(this.streamId, { kind: 'fileData', offset, data: slice, eof });
    } catch (err) {
      this.fail(toTunnelError(err, `read ${this.path} in ${this.target.spec}`));
    }
  }

  /** A write of `data` at `offset`, or (data undefined) a truncate to `offset` bytes. */
  private async change(data: Buffer | undefined, offset: number): Promise<void> {
    if (this.closed) return;
    const fh = this.handle;
    if (!fh) return this.fail(new TunnelError('PROTOCOL_VIOLATION', `stream ${this.streamId}: write before the file was opened`));
    if (!this.access.write) return this.fail(new TunnelError('PERMISSION_DENIED', `${this.path} was opened read-only`));
    try {
      this.cache = undefined;
      let length = 0;
      if (data) {
        // With O_APPEND the kernel ignores the position and writes at the end.
        for (let done = 0; done < data.length;) done += (await fh.write(data, done, data.length - done, this.access.append ? null : offset + done)).bytesWritten;
        length = data.length;
      } else {
        await fh.truncate(offset);
      }
      const size = (await fh.stat()).size;
      if (!this.closed) this.conn.send(this.streamId, { kind: 'fileWritten', length, size });
    } catch (err) {
      this.fail(toTunnelError(err, `write ${this.path} in ${this.target.spec}`));
    }
  }

  private fail(err: TunnelError): void {
    if (!this.closed) this.conn.sendStreamError(this.streamId, err.code, err.message);
    this.release();
  }

  private release(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.detach(this.streamId);
    const fh = this.handle;
    this.handle = undefined;
    void fh?.close().catch(() => undefined);
  }
}
