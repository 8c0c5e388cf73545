// One layer connection (one launched process tree): varint-length-delimited frames over the
// unix socket, LayerMessage in, ProxyMessage out (proto/kmirror/layer/v1/layer.proto), split by
// the same LengthPrefixedDecoder as the tunnel. Requests are handled concurrently; each answer carries its request's id.
import type { Socket } from 'node:net';
import protobuf from 'protobufjs/minimal.js';
import { kmirror } from '#proto/gen/layer.js';
import { LengthPrefixedDecoder, type FramingProblem } from '#proto/runtime/length-prefixed.js';

export const layerPb = kmirror.layer.v1;
export type LayerMessage = ReturnType<typeof kmirror.layer.v1.LayerMessage.decode>;
export type ProxyMessageProps = ConstructorParameters<typeof kmirror.layer.v1.ProxyMessage>[0];
export type ConnectAnswerProps = ConstructorParameters<typeof kmirror.layer.v1.ConnectAnswer>[0] & object;

const MAX_FRAME = 80 << 20; // requests are small (paths, addresses) except file write-backs (≤ 64 MiB)

function layerFramingError(problem: FramingProblem): Error {
  switch (problem.kind) {
    case 'oversized': return new Error(`layer frame too large or malformed (${problem.length} bytes)`);
    case 'long-prefix': return new Error('layer frame too large or malformed (length prefix longer than 5 bytes)');
    case 'undecodable': return problem.cause instanceof Error ? problem.cause : new Error(String(problem.cause));
    case 'truncated': return new Error(`layer stream ended inside a frame (${problem.pendingBytes} bytes)`);
    case 'already-failed': return new Error('layer frame decoder already failed');
  }
}

/** Splits a byte stream into LayerMessages; calls `onMessage` for each, `onError` on garbage. */
export function readLayerMessages(socket: Socket, onMessage: (m: LayerMessage) => void, onError: (err: Error) => void): void {
  const decoder = new LengthPrefixedDecoder<LayerMessage>({ maxFrameBytes: MAX_FRAME, decode: (body) => layerPb.LayerMessage.decode(body), error: layerFramingError });
  socket.on('data', (chunk: Buffer) => {
    const messages: LayerMessage[] = [];
    let failure: Error | undefined;
    try {
      decoder.pushEach(chunk, (m) => messages.push(m));
    } catch (err) {
      failure = err as Error;
    }
    // Outside the try: a handler's exception is not a framing error.
    for (const m of messages) onMessage(m);
    if (failure) onError(failure);
  });
}

/** Encodes one ProxyMessage frame. */
export function encodeProxyMessage(m: ProxyMessageProps): Uint8Array {
  const writer = protobuf.Writer.create();
  return layerPb.ProxyMessage.encodeDelimited(m ?? {}, writer).finish();
}
