// The one module that converts between domain frames (./messages.ts) and encoded bytes. The
// conversion itself (toWire/fromWire: enums as names, bytes as Buffers, 64-bit as numbers,
// absent sub-messages as defaults) is generated from tunnel.proto by the build.
import { kmirror } from '../gen/tunnel.js';
import { fromWire, toWire } from '../gen/tunnel-codec.js';
import type { Frame } from './messages.js';

export { fromWire, toWire };

/** Encodes one frame without its length prefix. */
export function encodeFrameBody(frame: Frame): Uint8Array {
  return kmirror.tunnel.v1.Frame.encode(toWire(frame)).finish();
}

/** Decodes one frame body; throws protobufjs errors on malformed input (callers wrap them). */
export function decodeFrameBody(bytes: Uint8Array): Frame {
  return fromWire(kmirror.tunnel.v1.Frame.decode(bytes));
}
