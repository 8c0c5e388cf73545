// What "the subscription ended" does to one of its open connections (unsubscribe, the client
// gone, a protocol violation): data the workstation already finished must still reach the pod.
import type { Duplex } from 'node:stream';
import { TunnelByteStream } from '#proto/runtime/byte-stream.js';

/**
 * Ends a connection when its subscription ends. One whose workstation side already shut down
 * (Shutdown received: its whole answer is here or on the way to the pod) is left to drain to the
 * pod socket and close by itself; any other is cut (the pod client sees a reset).
 */
export function closeUnlessDraining(stream: Duplex): void {
  if (stream instanceof TunnelByteStream && stream.peerShutdown) return;
  stream.destroy();
}

/** Resolves once `stream` delivered its last byte (or was destroyed). */
export function untilReadEnded(stream: Duplex): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => { stream.once('end', resolve); stream.once('close', resolve); });
}
