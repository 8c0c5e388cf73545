// One layer connection (one launched process tree): varint-length-delimited frames over the
// unix socket, LayerMessage in, ProxyMessage out (proto/kmirror/layer/v1/layer.proto).
// Requests are handled concurrently; each answer carries its request's id.
import type { Socket } from 'node:net';
import protobuf from 'protobufjs/minimal.js';
import { kmirror } from '#proto/gen/layer.js';

export const layerPb = kmirror.layer.v1;
export type LayerMessage = ReturnType<typeof kmirror.layer.v1.LayerMessage.decode>;
export type ProxyMessageProps = ConstructorParameters<typeof kmirror.layer.v1.ProxyMessage>[0];
export type ConnectAnswerProps = ConstructorParameters<typeof kmirror.layer.v1.ConnectAnswer>[0] & object;

const MAX_FRAME = 80 << 20; // requests are small (paths, addresses) except file write-backs (≤ 64 MiB)

/** Splits a byte stream into LayerMessages; calls `onMessage` for each, `onError` on garbage. */
export function readLayerMessages(socket: Socket, onMessage: (m: LayerMessage) => void, onError: (err: Error) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    for (;;) {
      let len = 0;
      let shift = 0;
      let i = 0;
      for (; i < buffered.length && i < 5; i++) {
        const b = buffered[i] ?? 0;
        len |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
      }
      if (i >= buffered.length) return;          // length not complete yet
      if (i >= 5 || len > MAX_FRAME) { onError(new Error(`layer frame too large or malformed (${len} bytes)`)); return; }
      const start = i + 1;
      if (buffered.length < start + len) return;
      const body = buffered.subarray(start, start + len);
      buffered = buffered.subarray(start + len);
      let msg: LayerMessage;
      try {
        msg = layerPb.LayerMessage.decode(body);
      } catch (err) {
        onError(err as Error);
        return;
      }
      onMessage(msg);
    }
  });
}

/** Encodes one ProxyMessage frame. */
export function encodeProxyMessage(m: ProxyMessageProps): Uint8Array {
  const writer = protobuf.Writer.create();
  return layerPb.ProxyMessage.encodeDelimited(m ?? {}, writer).finish();
}
