import { describe, expect, it } from 'vitest';
import { kmirror } from '../gen/tunnel.js';
import { encodeFrameBody } from './codec.js';
import { isTunnelError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder, encodeFrame, encodeFrameParts } from './framing.js';
import type { Frame } from './messages.js';
import { SAMPLES } from './message-samples.js';

describe('frame codec', () => {
  it('round-trips every message kind', () => {
    const kinds = new Set<string>();
    for (const [i, msg] of SAMPLES.entries()) {
      const frames = new FrameDecoder().push(encodeFrame({ streamId: i + 1, msg }));
      expect(frames).toEqual([{ streamId: i + 1, msg }]);
      kinds.add(msg.kind);
    }
    expect(kinds.size).toBe(SAMPLES.length);
  });

  it('reassembles frames split at every byte boundary and batched together', () => {
    const bytes = Buffer.concat(SAMPLES.map((msg, i) => encodeFrame({ streamId: i, msg })));
    for (const step of [1, 2, 3, 7, 64, 1000]) {
      const decoder = new FrameDecoder();
      const out: Frame[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...decoder.push(bytes.subarray(i, i + step)));
      expect(out.map((f) => f.msg?.kind)).toEqual(SAMPLES.map((m) => m.kind));
      expect(() => decoder.finish()).not.toThrow();
    }
  });

  it('encodes Data frames exactly as protobufjs does', () => {
    for (const streamId of [0, 1, 127, 128, 300_001]) {
      for (const size of [0, 1, 127, 128, 16_383, 16_384, 65_536, 300_000]) {
        const payload = Buffer.alloc(size, 3);
        const body = encodeFrameBody({ streamId, msg: { kind: 'data', payload } });
        expect(encodeFrame({ streamId, msg: { kind: 'data', payload } }).subarray(-body.length).equals(Buffer.from(body)), `${streamId}/${size}`).toBe(true);
        expect(Buffer.from(kmirror.tunnel.v1.Frame.encodeDelimited({ streamId, data: { payload } }).finish()).equals(encodeFrame({ streamId, msg: { kind: 'data', payload } })), `${streamId}/${size}`).toBe(true);
      }
    }
  });

  it('rejects an oversized frame from its length prefix alone', () => {
    const decoder = new FrameDecoder(1024);
    const prefix = Buffer.from([0x81, 0x08]); // 1025
    expect(() => decoder.push(prefix)).toThrow(/1025 bytes exceeds the maximum of 1024/);
    expect(() => encodeFrame({ streamId: 1, msg: { kind: 'data', payload: Buffer.alloc(DEFAULT_MAX_FRAME_BYTES) } })).toThrow(/exceeds the maximum/);
  });

  it('rejects a length prefix longer than 5 bytes', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/longer than 5 bytes/);
  });

  it('rejects an undecodable body with BAD_FRAME', () => {
    // A length-delimited field claiming 100 bytes with only 2 present.
    const body = Buffer.from([0x52, 0x64, 0x01, 0x02]);
    try {
      new FrameDecoder().push(Buffer.concat([Buffer.from([body.length]), body]));
      expect.unreachable();
    } catch (err) {
      expect(isTunnelError(err) && err.code).toBe('BAD_FRAME');
      expect((err as Error).message).toMatch(/undecodable frame of 4 bytes/);
    }
  });

  it('reports a stream that ends inside a frame', () => {
    const bytes = encodeFrame({ streamId: 1, msg: { kind: 'data', payload: Buffer.alloc(50) } });
    const decoder = new FrameDecoder();
    expect(decoder.push(bytes.subarray(0, 20))).toEqual([]);
    expect(() => decoder.finish()).toThrow(/stream ended inside a frame \(20 bytes/);
  });

  it('decodes an unknown body (a newer peer) as a frame without msg', () => {
    // stream_id=1, field 999 (length-delimited, empty)
    const body = Buffer.from([0x08, 0x01, 0xba, 0x3e, 0x00]);
    expect(new FrameDecoder().push(Buffer.concat([Buffer.from([body.length]), body]))).toEqual([{ streamId: 1 }]);
  });
});

describe('split Data frames', () => {
  it('decodes header and payload chunks (as encodeFrameParts sends them) without copying the payload', () => {
    for (const [streamId, size] of [[1, 1], [3, 127], [301, 300_000], [0, 5]] as const) {
      const payload = Buffer.alloc(size, 9);
      const parts = encodeFrameParts({ streamId, msg: { kind: 'data', payload } });
      expect(parts).toHaveLength(2);
      const decoder = new FrameDecoder();
      const trailing = encodeFrame({ streamId: 2, msg: { kind: 'ping', nonce: 1 } });
      expect(decoder.push(parts[0]!)).toEqual([]);
      const frames = decoder.push(Buffer.concat([parts[1]!, trailing]));
      expect(frames).toEqual([{ streamId, msg: { kind: 'data', payload } }, { streamId: 2, msg: { kind: 'ping', nonce: 1 } }]);
      expect(decoder.pendingBytes).toBe(0);
    }
  });

  it('still rejects a malformed split frame', () => {
    const decoder = new FrameDecoder();
    // A header announcing a 10-byte payload whose body length is inconsistent.
    expect(decoder.push(Buffer.from([0x30, 0x08, 0x01, 0xb2, 0x01, 0x0b, 0x0a, 0x0a]))).toEqual([]);
    expect(() => decoder.push(Buffer.alloc(60, 0xff))).toThrow(/undecodable|exceeds|longer/);
  });
});
