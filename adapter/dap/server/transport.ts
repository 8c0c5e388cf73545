// DAP wire framing only: `Content-Length: N\r\n\r\n<N bytes of JSON>` over any byte stream pair
// (stdio, a TCP socket, a debugger's pipes). Parsing is incremental; a frame that cannot be
// parsed is reported through `onMalformed` and skipped, so one bad message never kills a session.
import type { Readable, Writable } from 'node:stream';

const HEADER_END = Buffer.from('\r\n\r\n');
/** Larger frames are treated as a corrupt stream (no real DAP message comes near this). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export interface TransportHandlers {
  onMessage(message: unknown): void;
  onMalformed(reason: string): void;
  onClose(): void;
}

export class DapTransport {
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  constructor(private readonly input: Readable, private readonly output: Writable, private readonly handlers: TransportHandlers) {
    input.on('data', (chunk: Buffer) => this.receive(chunk));
    input.on('end', () => this.close());
    input.on('close', () => this.close());
    input.on('error', () => this.close());
    output.on('error', () => this.close());
  }

  /** Frames and writes one message; a closed peer makes this a no-op. */
  send(message: object): void {
    if (this.closed || this.output.destroyed) return;
    const json = JSON.stringify(message);
    this.output.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) {
        if (this.buffer.length > 8192) this.dropGarbage('header too long (no \\r\\n\\r\\n)');
        return;
      }
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /(?:^|\r\n)Content-Length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      if (!match?.[1]) {
        this.buffer = this.buffer.subarray(headerEnd + HEADER_END.length);
        this.handlers.onMalformed(`frame header without Content-Length: ${JSON.stringify(header.slice(0, 80))}`);
        continue;
      }
      const length = Number(match[1]);
      if (length > MAX_FRAME_BYTES) {
        this.dropGarbage(`Content-Length ${length} exceeds ${MAX_FRAME_BYTES}`);
        return;
      }
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      let message: unknown;
      try {
        message = JSON.parse(body);
      } catch (e) {
        this.handlers.onMalformed(`invalid JSON in frame: ${(e as Error).message}`);
        continue;
      }
      this.handlers.onMessage(message);
    }
  }

  private dropGarbage(reason: string): void {
    this.buffer = Buffer.alloc(0);
    this.handlers.onMalformed(reason);
  }
}
