// DAP wire framing, reading side: `Content-Length: N\r\n\r\n<N bytes of JSON>` from any byte
// stream, incrementally, with limits — a header longer than maxHeaderBytes is dropped, a frame
// longer than maxFrameBytes is skipped byte-exactly without being buffered (the stream stays in
// step), and a body nested deeper than maxDepth is refused before anything walks it. Every bad
// frame is reported and skipped, so one message never ends a stream that can still be read.
//
// Memory: the header is buffered up to maxHeaderBytes; a body's chunks are kept in a list and
// joined once, when the frame is complete (no copy per chunk).
import { nestingExceeds } from './json-nesting.js';

export interface FrameLimits {
  /** Largest body accepted (bytes); no real DAP message comes near the default. */
  maxFrameBytes: number;
  /** Largest header block before `\r\n\r\n` (bytes). */
  maxHeaderBytes: number;
  /** Deepest nesting of arrays/objects in a body. */
  maxDepth: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = { maxFrameBytes: 64 * 1024 * 1024, maxHeaderBytes: 8192, maxDepth: 128 };

export type FrameProblemKind = 'header' | 'size' | 'json' | 'depth';

/** One complete frame: its parsed JSON, or why it was refused. */
export type Frame =
  | { ok: true; json: string; value: unknown }
  /** `topLevel`: the fields of a refused object body that are plain values (to answer its request). */
  | { ok: false; kind: FrameProblemKind; reason: string; topLevel?: Record<string, unknown> };

const HEADER_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);
const CONTENT_LENGTH = /(?:^|\r\n)Content-Length:[ \t]*(\d{1,16})[ \t]*(?:\r\n|$)/i;

type State =
  | { at: 'header'; head: Buffer }
  | { at: 'body'; length: number; chunks: Buffer[]; have: number }
  | { at: 'skip'; remaining: number };

export class FrameReader {
  private state: State = { at: 'header', head: EMPTY };
  private readonly limits: FrameLimits;

  constructor(private readonly onFrame: (frame: Frame) => void, limits: Partial<FrameLimits> = {}) {
    this.limits = { ...DEFAULT_FRAME_LIMITS, ...limits };
  }

  /** Feeds bytes as they arrive; calls onFrame for every frame they complete, in order. */
  push(chunk: Buffer): void {
    let rest = chunk;
    for (;;) {
      const state = this.state;
      if (state.at === 'body') {
        const take = Math.min(state.length - state.have, rest.length);
        state.chunks.push(rest.subarray(0, take));
        state.have += take;
        rest = rest.subarray(take);
        if (state.have < state.length) return;
        this.state = { at: 'header', head: EMPTY };
        const body = state.chunks.length === 1 ? state.chunks[0]! : Buffer.concat(state.chunks, state.length); // one chunk: a frame that arrived whole
        this.onFrame(this.decode(body.toString('utf8')));
      } else if (state.at === 'skip') {
        const take = Math.min(state.remaining, rest.length);
        state.remaining -= take;
        rest = rest.subarray(take);
        if (state.remaining > 0) return;
        this.state = { at: 'header', head: EMPTY };
      } else {
        if (rest.length === 0) return;
        const head = state.head.length ? Buffer.concat([state.head, rest]) : rest;
        const end = head.indexOf(HEADER_END);
        if (end < 0) {
          this.state = { at: 'header', head: head.length > this.limits.maxHeaderBytes ? EMPTY : head };
          if (head.length > this.limits.maxHeaderBytes) this.problem('header', `header longer than ${this.limits.maxHeaderBytes} bytes without \\r\\n\\r\\n`);
          return;
        }
        rest = head.subarray(end + HEADER_END.length);
        this.state = { at: 'header', head: EMPTY };
        this.onHeader(head.subarray(0, end).toString('latin1'));
      }
    }
  }

  private onHeader(header: string): void {
    const match = CONTENT_LENGTH.exec(header);
    if (!match?.[1]) {
      this.problem('header', `frame header without Content-Length: ${JSON.stringify(header.slice(0, 80))}`);
      return;
    }
    const length = Number(match[1]);
    if (length > this.limits.maxFrameBytes) {
      this.state = { at: 'skip', remaining: length };
      this.problem('size', `frame of ${length} bytes exceeds the limit of ${this.limits.maxFrameBytes} bytes (skipped)`);
      return;
    }
    this.state = { at: 'body', length, chunks: [], have: 0 };
  }

  private decode(json: string): Frame {
    // A body shorter than the limit cannot nest deeper than it.
    if (json.length > this.limits.maxDepth && nestingExceeds(json, this.limits.maxDepth)) {
      return { ok: false, kind: 'depth', reason: `frame nested deeper than ${this.limits.maxDepth} levels`, topLevel: topLevelScalars(json) };
    }
    try {
      return { ok: true, json, value: JSON.parse(json) as unknown };
    } catch (e) {
      return { ok: false, kind: 'json', reason: `invalid JSON in frame: ${(e as Error).message}` };
    }
  }

  private problem(kind: FrameProblemKind, reason: string): void {
    this.onFrame({ ok: false, kind, reason });
  }
}

/**
 * The plain-value fields of an object body that was refused for its depth (seq, type, command),
 * so its request can still be answered. JSON.parse does not recurse (V8's parser keeps its own
 * stack), and only the top level of the result is read.
 */
function topLevelScalars(json: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined; // not JSON at all: the caller reports the depth, which it found first
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (typeof field !== 'object' || field === null) out[key] = field;
  }
  return out;
}
