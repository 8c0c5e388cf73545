// `--only-failing`: Loop's rule — keep an HTTP exchange whose response status is ≥ 500 or whose
// connection was reset; drop the rest once decided. Until then a connection's recorded bytes wait
// here, by stream offset, so a kept exchange is written whole and a dropped one leaves no trace.
import type { Direction } from './records.js';

/** The decision itself, for the capture side too. */
export function isFailingExchange(exchange: { status: number; reset: boolean }): boolean {
  return exchange.reset || exchange.status >= 500;
}

export interface HeldChunk {
  bytes: Buffer;
  ts: number;
}

/** One direction's recorded bytes not yet decided on, addressed by their offset in the stream. */
export class HeldStream {
  private chunks: { offset: number; bytes: Buffer; ts: number }[] = [];
  private end = 0;

  /** Bytes held now: the stream's end minus where the oldest held chunk starts. */
  get heldBytes(): number {
    return this.end - (this.chunks[0]?.offset ?? this.end);
  }

  append(bytes: Buffer, ts: number): void {
    this.chunks.push({ offset: this.end, bytes, ts });
    this.end += bytes.length;
  }

  /** The held bytes of [start, end), cut to that range, with the timestamps they arrived with. */
  slice(start: number, end: number): HeldChunk[] {
    const out: HeldChunk[] = [];
    for (const c of this.chunks) {
      const from = Math.max(start, c.offset);
      const to = Math.min(end, c.offset + c.bytes.length);
      if (from < to) out.push({ bytes: c.bytes.subarray(from - c.offset, to - c.offset), ts: c.ts });
    }
    return out;
  }

  /** Everything still held. */
  all(): HeldChunk[] {
    return this.chunks.map(({ bytes, ts }) => ({ bytes, ts }));
  }

  /** Forgets the bytes before `offset` (decided on). */
  release(offset: number): void {
    this.chunks = this.chunks
      .filter((c) => c.offset + c.bytes.length > offset)
      .map((c) => (c.offset >= offset ? c : { offset, bytes: c.bytes.subarray(offset - c.offset), ts: c.ts }));
  }
}

export type HeldDirections = Record<Direction, HeldStream>;

/** A connection holding more than this before any decision is given up on (recorded as a gap). */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;

export function newHeldDirections(): HeldDirections {
  return { request: new HeldStream(), response: new HeldStream() };
}
