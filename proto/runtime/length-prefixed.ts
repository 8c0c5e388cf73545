// The one decoder of varint-length-prefixed frames, shared by the tunnel (local proxy ⇄ agent)
// and the layer channel (layer ⇄ local proxy): it accepts arbitrary chunk boundaries, refuses a
// frame larger than its maximum from the length prefix alone, and reports every malformed input
// (oversized, a prefix longer than 5 bytes, an undecodable body, a stream ending mid-frame)
// through the caller's `error`, so each side keeps its own error type and wording.

/** What was wrong with the input. */
export type FramingProblem =
  | { kind: 'oversized'; length: number; maxFrameBytes: number }
  | { kind: 'long-prefix' }
  | { kind: 'undecodable'; length: number; cause: unknown }
  | { kind: 'truncated'; pendingBytes: number }
  | { kind: 'already-failed' };

export interface LengthPrefixedOptions<T> {
  maxFrameBytes: number;
  /** Decodes one frame body; may throw (reported as `undecodable`). */
  decode(body: Buffer): T;
  /** The error thrown for a problem. */
  error(problem: FramingProblem): Error;
}

/** Incremental decoder: push() byte chunks, get whole frames back. Not reusable after an error. */
export class LengthPrefixedDecoder<T> {
  /** Received bytes not yet decoded, in order. */
  protected chunks: Buffer[] = [];
  protected buffered = 0;
  /** Bytes the frame at the head needs in total (prefix + body), once its prefix is known. */
  protected need = 0;
  private failed = false;

  constructor(protected readonly opts: LengthPrefixedOptions<T>) {}

  /** Bytes held for a frame that has not completed yet. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** Adds bytes; returns the frames they complete. Throws the side's error on bad input. */
  push(chunk: Uint8Array): T[] {
    const frames: T[] = [];
    this.pushEach(chunk, (frame) => frames.push(frame));
    return frames;
  }

  /**
   * Adds bytes and hands each completed frame to `onFrame` as soon as it is decoded, so the frames
   * before a malformed one are delivered before the error is thrown.
   */
  pushEach(chunk: Uint8Array, onFrame: (frame: T) => void): void {
    if (this.failed) throw this.opts.error({ kind: 'already-failed' });
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.buffered += chunk.length;
    }
    for (;;) {
      let frame: T | undefined;
      try {
        frame = this.next();
      } catch (err) {
        this.failed = true;
        throw err;
      }
      if (frame === undefined) return;
      onFrame(frame);
    }
  }

  /** Call at end of stream: a partial frame left over is an error. */
  finish(): void {
    if (this.buffered > 0 && !this.failed) {
      this.failed = true;
      throw this.opts.error({ kind: 'truncated', pendingBytes: this.buffered });
    }
  }

  /** A frame decoded straight from several chunks without joining them (none by default). */
  protected decodeAcrossChunks(): T | undefined {
    return undefined;
  }

  private next(): T | undefined {
    if (this.buffered === 0 || this.buffered < this.need) return undefined;
    if (this.chunks.length > 1) {
      const across = this.decodeAcrossChunks();
      if (across !== undefined) return across;
      this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    }
    // Safe: buffered > 0 implies one chunk after the concat above.
    const data = this.chunks[0]!;
    let length = 0;
    let i = 0;
    for (let shift = 1; ; shift *= 128, i++) {
      if (i >= 5) throw this.opts.error({ kind: 'long-prefix' });
      if (i >= data.length) return undefined;
      const byte = data[i]!;
      length += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) break;
    }
    const headerLen = i + 1;
    if (length > this.opts.maxFrameBytes) throw this.opts.error({ kind: 'oversized', length, maxFrameBytes: this.opts.maxFrameBytes });
    if (data.length < headerLen + length) {
      this.need = headerLen + length;
      return undefined;
    }
    this.need = 0;
    const body = data.subarray(headerLen, headerLen + length);
    const rest = data.subarray(headerLen + length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    try {
      return this.opts.decode(body);
    } catch (err) {
      throw this.opts.error({ kind: 'undecodable', length, cause: err });
    }
  }
}
