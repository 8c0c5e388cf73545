// A file open inside the target. Reads, writes and truncates are answered in order by the agent,
// so pending requests are matched FIFO; sequential readers are served from a client-side
// read-ahead buffer to save round trips (dropped on every write).
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg } from '#proto/runtime/messages.js';
import type { RemoteStat } from '#proto/runtime/types.js';
import type { RemoteFile } from './session-types.js';

const READ_AHEAD_BYTES = 256 * 1024;
const MAX_READ_BYTES = 1024 * 1024;

export class RemoteFileImpl implements RemoteFile, StreamHandler {
  private readonly waiting: Array<{ resolve: (m: Msg) => void; reject: (e: TunnelError) => void }> = [];
  private cache: { offset: number; data: Buffer; eof: boolean } | undefined;
  private failure: TunnelError | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number, readonly path: string, readonly stat: RemoteStat) {
    conn.attach(streamId, this);
  }

  read(offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      return Promise.reject(new TunnelError('INVALID_ARGUMENT', `read ${this.path}: bad offset ${offset} or length ${length}`));
    }
    const next = this.chain.then(() => this.readOrdered(offset, length));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async readOrdered(offset: number, length: number): Promise<Buffer> {
    const out: Buffer[] = [];
    let pos = offset;
    let left = length;
    while (left > 0) {
      const c = this.cache;
      if (c && pos >= c.offset && pos < c.offset + c.data.length) {
        const slice = c.data.subarray(pos - c.offset, pos - c.offset + left);
        out.push(slice);
        pos += slice.length;
        left -= slice.length;
        continue;
      }
      if (c && c.eof && pos >= c.offset + c.data.length) break;
      const want = Math.min(MAX_READ_BYTES, Math.max(left, READ_AHEAD_BYTES));
      const answer = await this.fetch(pos, want);
      this.cache = { offset: pos, data: answer.data, eof: answer.eof };
      if (answer.data.length === 0) break;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Sends one request and resolves with its answer (answers come in request order). */
  private ask(req: Msg): Promise<Msg> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.conn.send(this.streamId, req);
    });
  }

  private async fetch(offset: number, length: number): Promise<{ data: Buffer; eof: boolean }> {
    const m = await this.ask({ kind: 'fileRead', offset, length });
    if (m.kind !== 'fileData') throw new TunnelError('PROTOCOL_VIOLATION', `file ${this.path}: ${m.kind} answered a read`);
    return { data: m.data, eof: m.eof };
  }

  write(offset: number, data: Uint8Array): Promise<number> {
    return this.change({ kind: 'fileWrite', offset, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  }

  truncate(size: number): Promise<number> {
    return this.change({ kind: 'fileTruncate', size });
  }

  /** A write or truncate, ordered after earlier reads; resolves with the file's size afterwards. */
  private change(req: Msg): Promise<number> {
    this.cache = undefined;
    const next = this.chain.then(async () => {
      const m = await this.ask(req);
      if (m.kind !== 'fileWritten') throw new TunnelError('PROTOCOL_VIOLATION', `file ${this.path}: ${m.kind} answered a ${req.kind}`);
      this.cache = undefined;
      return m.size;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  onMessage(msg: Msg): void {
    if (msg.kind === 'fileData' || msg.kind === 'fileWritten') {
      this.waiting.shift()?.resolve(msg);
      return;
    }
    const err = msg.kind === 'error' ? new TunnelError(msg.code, msg.message) : new TunnelError('PROTOCOL_VIOLATION', `file ${this.path}: unexpected ${msg.kind}`);
    this.failAll(err);
    this.conn.detach(this.streamId);
  }

  onConnectionClosed(err: TunnelError): void {
    this.failAll(err);
  }

  private failAll(err: TunnelError): void {
    this.failure ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  async close(): Promise<void> {
    if (this.failure) return;
    this.failAll(new TunnelError('NOT_FOUND', `file ${this.path} is closed`));
    this.conn.send(this.streamId, { kind: 'fileClose' });
    this.conn.detach(this.streamId);
  }
}
