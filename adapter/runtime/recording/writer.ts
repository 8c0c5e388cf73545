// Writes a recording as the capture delivers it (API for the capture side: see records.ts).
// Every record goes to the file with a synchronous write as it is made, so the file can be read
// while it grows and a crash loses at most the record being written; a failing write (disk full,
// read-only) stops the recording with RecordingWriteError and leaves the file readable up to its
// last complete record. Credentials are redacted and HTTP exchanges indexed per connection
// (ConnectionIndexer); with onlyFailing or keepRequest, a connection's bytes are held until each
// exchange is decided.
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { KmError } from '#proto/runtime/km-error.js';
import { PACKAGE_VERSION } from '../cluster/agent-defaults.js';
import type { RequestMatcher } from '../proxy/http-request-match.js';
import { ConnectionIndexer, type PendingExchange } from './connection-indexer.js';
import { encodePreamble, FrameEncoder } from './frames.js';
import type { MessageHead } from './http-message-stream.js';
import { isFailingExchange, MAX_HELD_BYTES, newHeldDirections, type HeldDirections } from './only-failing.js';
import { headerMatcher, type HeaderNameMatcher } from './redaction.js';
import {
  RECORDING_FORMAT_VERSION,
  type ConnectionClosedRecord,
  type ConnectionOpenedRecord,
  type Direction,
  type EndRecord,
  type GapRecord,
  type HeaderRecord,
  type RecordingRecord,
  type RedactionSettings,
  type SegmentRecord,
} from './records.js';

export class RecordingWriteError extends KmError<'recording'> {
  override name = 'RecordingWriteError' as const;
  constructor(path: string, cause: unknown) {
    const e = cause as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'the disk is full' : e.code === 'EACCES' || e.code === 'EROFS' ? 'it is not writable' : e.message;
    super('recording', 'WRITE_FAILED', `cannot write the recording ${path}: ${why} (${e.code ?? 'error'}); recording stopped, the file stays readable up to its last complete record`, { cause });
  }
}

export interface RecordingHeaderInput {
  target: string;
  ports: number[];
  redaction: RedactionSettings;
  started?: number;
}

export interface WriterOptions {
  onlyFailing?: boolean;
  /** `--http-filter`: keeps only the HTTP exchanges whose request passes (ANDed with onlyFailing);
   *  connections that are not HTTP/1.x are then dropped. */
  keepRequest?: RequestMatcher;
  /** How keepRequest was given (the filter text), recorded in the header. */
  keepRequestLabel?: string;
}

export type WriterStats = Omit<EndRecord, 'type' | 'ts' | 'reason'>;

interface ConnectionState {
  opened: ConnectionOpenedRecord;
  openWritten: boolean;
  indexer: ConnectionIndexer;
  held: HeldDirections | undefined; // only while exchanges are filtered (onlyFailing, keepRequest)
  written: Record<Direction, number>; // bytes of each direction in the file
  overflowed: boolean; // the filter gave up holding this connection's bytes
}

export class RecordingWriter {
  private readonly encoder = new FrameEncoder();
  private readonly connections = new Map<number, ConnectionState>();
  private readonly redact: HeaderNameMatcher | undefined;
  private readonly counts: WriterStats = { connections: 0, exchanges: 0, segments: 0, bytes: 0, gaps: 0, lostBytes: 0, dropped: 0, redacted: {} };
  private failure: RecordingWriteError | undefined;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    readonly header: HeaderRecord,
    fd: number,
    private readonly keepRequest: RequestMatcher | undefined,
  ) {
    this.fd = fd;
    this.redact = headerMatcher(header.redaction);
  }

  /** Creates (or replaces) `path` and writes the preamble and header. */
  static async open(path: string, input: RecordingHeaderInput, options: WriterOptions = {}): Promise<RecordingWriter> {
    const header: HeaderRecord = {
      type: 'header',
      formatVersion: RECORDING_FORMAT_VERSION,
      kmirrorVersion: PACKAGE_VERSION,
      target: input.target,
      ports: input.ports,
      started: input.started ?? Date.now(),
      redaction: input.redaction,
      onlyFailing: options.onlyFailing === true,
      ...(options.keepRequest ? { httpFilter: options.keepRequestLabel ?? 'custom request filter' } : {}),
    };
    let fd: number;
    try {
      fd = openSync(path, 'w');
    } catch (err) {
      throw new RecordingWriteError(path, err);
    }
    const writer = new RecordingWriter(path, header, fd, options.keepRequest);
    writer.writeBytes(encodePreamble());
    writer.write(header);
    return writer;
  }

  connection(c: Omit<ConnectionOpenedRecord, 'type'>): void {
    this.check();
    const opened: ConnectionOpenedRecord = { type: 'open', conn: c.conn, client: c.client, server: c.server, ts: c.ts };
    const state: ConnectionState = {
      opened,
      openWritten: false,
      held: this.filtered ? newHeldDirections() : undefined,
      written: { request: 0, response: 0 },
      overflowed: false,
      indexer: new ConnectionIndexer(c.conn, {
        onOutput: (dir, bytes, ts) => this.output(state, dir, bytes, ts),
        onExchange: (x, request) => this.exchange(state, x, request),
      }, this.redact),
    };
    this.connections.set(c.conn, state);
    this.counts.connections++;
    if (!state.held) this.writeOpen(state);
  }

  segment(s: Omit<SegmentRecord, 'type'>): void {
    this.check();
    const state = this.connections.get(s.conn);
    if (!state) throw new Error(`segment for connection ${s.conn}, which was never opened (call connection() first)`);
    state.indexer.segment(s.dir, Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength), s.ts);
  }

  closeConnection(c: Omit<ConnectionClosedRecord, 'type'>): void {
    this.check();
    const state = this.connections.get(c.conn);
    if (!state) return;
    state.indexer.close(c.ts, c.reset);
    this.connections.delete(c.conn);
    if (state.held) {
      // Bytes no exchange claimed: a non-HTTP connection (kept whole when reset, unless an HTTP
      // filter asks for matching requests only), or a tail.
      const keepWhole = c.reset && !state.indexer.isHttp && !this.keepRequest;
      if (keepWhole) for (const dir of ['request', 'response'] as const) for (const h of state.held[dir].all()) this.writeSegment(state, dir, h.bytes, h.ts);
      else if (!state.openWritten && !state.indexer.isHttp) this.counts.dropped++;
    }
    if (state.openWritten) this.write({ type: 'close', conn: c.conn, ts: c.ts, reset: c.reset });
  }

  gap(g: Omit<GapRecord, 'type'>): void {
    this.check();
    this.counts.gaps++;
    this.counts.lostBytes += g.lostBytes;
    this.write({ type: 'gap', conn: g.conn, ts: g.ts, reason: g.reason, lostBytes: g.lostBytes });
  }

  stats(): WriterStats {
    return { ...this.counts, redacted: { ...this.counts.redacted } };
  }

  /** Closes open connections (not reset), writes the end record, fsyncs. Idempotent. */
  async close(reason = 'completed'): Promise<EndRecord> {
    const ts = Date.now();
    if (this.fd === undefined) return { type: 'end', ts, reason, ...this.stats() };
    try {
      if (!this.failure) for (const conn of [...this.connections.keys()]) this.closeConnection({ conn, ts, reset: false });
    } catch {
      // a write failure is remembered in this.failure; the end record below is then skipped
    }
    const end: EndRecord = { type: 'end', ts, reason: this.failure ? `write failed: ${this.failure.message}` : reason, ...this.stats() };
    if (!this.failure) {
      try {
        this.write(end);
        fsyncSync(this.fd);
      } catch {
        // reported through the rethrow below
      }
    }
    closeSync(this.fd);
    this.fd = undefined;
    if (this.failure) throw this.failure;
    return end;
  }

  private output(state: ConnectionState, dir: Direction, bytes: Buffer, ts: number): void {
    if (!state.held) return this.writeSegment(state, dir, bytes, ts);
    if (state.overflowed) return;
    state.held[dir].append(bytes, ts);
    const held = state.held.request.heldBytes + state.held.response.heldBytes;
    if (held <= MAX_HELD_BYTES) return;
    // Memory stays bounded: this connection's undecided bytes are given up on, visibly.
    state.overflowed = true;
    state.held = newHeldDirections();
    this.counts.dropped++;
    this.gap({ conn: state.opened.conn, ts, reason: `${this.header.onlyFailing ? '--only-failing' : '--http-filter'}: more than ${MAX_HELD_BYTES} bytes held before a decision`, lostBytes: held });
  }

  private get filtered(): boolean {
    return this.header.onlyFailing || this.keepRequest !== undefined;
  }

  /** Both filters must keep it: --only-failing (Loop's rule) and --http-filter (on the request as sent). */
  private keeps(x: PendingExchange, request: MessageHead): boolean {
    return (!this.header.onlyFailing || isFailingExchange(x)) && (!this.keepRequest || this.keepRequest(request));
  }

  private exchange(state: ConnectionState, x: PendingExchange, request: MessageHead): void {
    for (const name of x.redacted) this.counts.redacted[name] = (this.counts.redacted[name] ?? 0) + 1;
    if (!state.held) return this.writeExchange(x);
    if (state.overflowed) return; // its bytes are gone (the gap says so)
    const held = state.held;
    if (!this.keeps(x, request)) {
      this.counts.dropped++;
    } else {
      // Rewrite the exchange's offsets to where its bytes land in this (filtered) file.
      const request = this.writeHeld(state, 'request', x.requestRange);
      const response = this.writeHeld(state, 'response', x.responseRange);
      this.writeExchange({ ...x, requestRange: request, responseRange: response });
    }
    held.request.release(x.requestRange[1]);
    if (x.status !== 0) held.response.release(x.responseRange[1]);
  }

  private writeHeld(state: ConnectionState, dir: Direction, [start, end]: [number, number]): [number, number] {
    const from = state.written[dir];
    for (const h of (state.held as HeldDirections)[dir].slice(start, end)) this.writeSegment(state, dir, h.bytes, h.ts);
    return [from, state.written[dir]];
  }

  private writeExchange(x: PendingExchange): void {
    this.counts.exchanges++;
    this.write({ type: 'exchange', id: this.counts.exchanges, ...x });
  }

  private writeOpen(state: ConnectionState): void {
    state.openWritten = true;
    this.write(state.opened);
  }

  private writeSegment(state: ConnectionState, dir: Direction, bytes: Buffer, ts: number): void {
    if (!state.openWritten) this.writeOpen(state);
    this.counts.segments++;
    this.counts.bytes += bytes.length;
    state.written[dir] += bytes.length;
    this.write({ type: 'segment', conn: state.opened.conn, dir, ts, bytes });
  }

  private write(record: RecordingRecord): void {
    this.writeBytes(this.encoder.encode(record));
  }

  private writeBytes(bytes: Buffer): void {
    this.check();
    try {
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd as number, bytes, done, bytes.length - done);
    } catch (err) {
      this.failure = new RecordingWriteError(this.path, err);
      throw this.failure;
    }
  }

  private check(): void {
    if (this.failure) throw this.failure;
    if (this.fd === undefined) throw new Error(`recording ${this.path} is closed`);
  }
}
