// Length-delimited framing of the tunnel byte stream: each frame is a varint length followed by
// that many bytes of an encoded `Frame`. Decoding is the shared LengthPrefixedDecoder; here every
// malformed input becomes a TunnelError('BAD_FRAME') naming what was wrong: an oversized length,
// a varint longer than 5 bytes, an undecodable body, or a stream that ends mid-frame.
import { TunnelError } from './errors.js';
import { decodeFrameBody, encodeFrameBody } from './codec.js';
import { LengthPrefixedDecoder, type FramingProblem } from './length-prefixed.js';
import type { Frame } from './messages.js';

/** Default maximum size of one encoded frame (without its length prefix). */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

function varintBytes(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

const varintLength = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function writeVarint(buf: Buffer, offset: number, n: number): number {
  while (n > 0x7f) {
    buf[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[offset++] = n;
  return offset;
}

/**
 * Data frames carry the bulk of the bytes, so they are encoded here with one copy of the payload
 * (protobufjs would copy it twice). The bytes are identical to protobufjs's encoding
 * (Frame{stream_id=1, data=22{payload=1}}), which framing.test.ts checks.
 */
function encodeDataFrame(streamId: number, payload: Buffer, maxFrameBytes: number): Buffer {
  const [header] = encodeDataFrameHeader(streamId, payload.length, maxFrameBytes);
  if (payload.length === 0) return header;
  const out = Buffer.allocUnsafe(header.length + payload.length);
  header.copy(out, 0);
  payload.copy(out, header.length);
  return out;
}

/** The bytes of a Data frame before its payload (prefix, stream id, field headers). */
function encodeDataFrameHeader(streamId: number, payloadLength: number, maxFrameBytes: number): [Buffer] {
  const payload = { length: payloadLength };
  const dataLen = payload.length > 0 ? 1 + varintLength(payload.length) + payload.length : 0;
  const bodyLen = (streamId !== 0 ? 1 + varintLength(streamId) : 0) + 2 + varintLength(dataLen) + dataLen;
  if (bodyLen > maxFrameBytes) {
    throw new TunnelError('BAD_FRAME', `frame of ${bodyLen} bytes (data on stream ${streamId}) exceeds the maximum of ${maxFrameBytes}`);
  }
  const out = Buffer.allocUnsafe(varintLength(bodyLen) + bodyLen - payload.length);
  let o = writeVarint(out, 0, bodyLen);
  if (streamId !== 0) {
    out[o++] = 0x08;
    o = writeVarint(out, o, streamId);
  }
  out[o++] = 0xb2; // field 22, length-delimited: (22 << 3) | 2 = 178 as a varint
  out[o++] = 0x01;
  o = writeVarint(out, o, dataLen);
  if (payload.length > 0) {
    out[o++] = 0x0a; // Data.payload: field 1, length-delimited
    o = writeVarint(out, o, payload.length);
  }
  return [out.subarray(0, o)];
}

/**
 * Encodes a frame as a list of buffers to write in order. A Data frame's payload is passed
 * through uncopied (like net.Socket, the caller must not modify a buffer it has written).
 */
export function encodeFrameParts(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer[] {
  if (frame.msg?.kind === 'data' && frame.msg.payload.length > 0) {
    const [header] = encodeDataFrameHeader(frame.streamId, frame.msg.payload.length, maxFrameBytes);
    return [header, frame.msg.payload];
  }
  return [encodeFrame(frame, maxFrameBytes)];
}

/** Encodes one frame with its varint length prefix. */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (frame.msg?.kind === 'data') return encodeDataFrame(frame.streamId, frame.msg.payload, maxFrameBytes);
  const body = encodeFrameBody(frame);
  if (body.length > maxFrameBytes) {
    throw new TunnelError('BAD_FRAME', `frame of ${body.length} bytes (${frame.msg?.kind ?? 'unknown'} on stream ${frame.streamId}) exceeds the maximum of ${maxFrameBytes}`);
  }
  return Buffer.concat([varintBytes(body.length), body]);
}

function tunnelFramingError(problem: FramingProblem): TunnelError {
  switch (problem.kind) {
    case 'oversized': return new TunnelError('BAD_FRAME', `frame of ${problem.length} bytes exceeds the maximum of ${problem.maxFrameBytes}`);
    case 'long-prefix': return new TunnelError('BAD_FRAME', 'frame length prefix is longer than 5 bytes (not a kmirror tunnel stream?)');
    case 'undecodable': return new TunnelError('BAD_FRAME', `undecodable frame of ${problem.length} bytes: ${(problem.cause as Error).message}`, { cause: problem.cause });
    case 'truncated': return new TunnelError('BAD_FRAME', `stream ended inside a frame (${problem.pendingBytes} bytes of an incomplete frame)`);
    case 'already-failed': return new TunnelError('BAD_FRAME', 'frame decoder already failed');
  }
}

/** Incremental tunnel frame decoder: push() byte chunks, get whole frames back. Not reusable after an error. */
export class FrameDecoder extends LengthPrefixedDecoder<Frame> {
  constructor(maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {
    super({ maxFrameBytes, decode: decodeFrameBody, error: tunnelFramingError });
  }

  /**
   * A Data frame whose header and payload arrived as separate chunks (how encodeFrameParts sends
   * them) is assembled without copying the payload.
   */
  protected override decodeAcrossChunks(): Frame | undefined {
    const head = this.chunks[0];
    const payloadChunk = this.chunks[1];
    if (!head || !payloadChunk || head.length > 24) return undefined;
    let o = 0;
    const varint = (): number | undefined => {
      let value = 0;
      for (let shift = 1, i = 0; i < 5 && o < head.length; i++, shift *= 128) {
        const b = head[o++]!;
        value += (b & 0x7f) * shift;
        if ((b & 0x80) === 0) return value;
      }
      return undefined;
    };
    const bodyLen = varint();
    if (bodyLen === undefined || bodyLen > this.opts.maxFrameBytes) return undefined;
    let streamId = 0;
    if (head[o] === 0x08) {
      o++;
      const id = varint();
      if (id === undefined || id > 0xffffffff) return undefined;
      streamId = id;
    }
    if (head[o] !== 0xb2 || head[o + 1] !== 0x01) return undefined;
    o += 2;
    const dataLen = varint();
    if (dataLen === undefined || head[o] !== 0x0a) return undefined;
    o++;
    const payloadLen = varint();
    if (payloadLen === undefined || o !== head.length || payloadLen < 1 || dataLen !== 1 + varintLength(payloadLen) + payloadLen) return undefined;
    if (bodyLen !== o - varintLength(bodyLen) + payloadLen || payloadChunk.length < payloadLen) return undefined;
    const payload = payloadChunk.subarray(0, payloadLen);
    const rest = payloadChunk.subarray(payloadLen);
    this.chunks.splice(0, 2, ...(rest.length > 0 ? [rest] : []));
    this.buffered -= head.length + payloadLen;
    this.need = 0;
    return { streamId, msg: { kind: 'data', payload } };
  }
}
