// Waiting, at session end, for a writer that has finished (end() called) to hand its last bytes
// to the tunnel. The agent's flow-control window paces it, so there is no fixed deadline: the
// wait lasts while bytes move, and gives up after `idleMs` without progress (a peer that stopped
// reading), so closing never hangs.
import type { Writable } from 'node:stream';
import { TunnelByteStream } from '#proto/runtime/byte-stream.js';

const SAMPLE_MS = 100;
export const FLUSH_IDLE_MS = 2_000;

/**
 * What moves while `stream` sends: bytes handed to the tunnel for a tunnel stream (its
 * writableLength stays put while one large write goes out window by window), else writableLength.
 */
export function sendProgress(stream: Writable): unknown {
  return stream instanceof TunnelByteStream ? stream.bytesSent : stream.writableLength;
}

/**
 * Resolves once `stream` finished or closed, or `progress()` (any value that changes while bytes
 * move) stayed the same for `idleMs`.
 */
export function untilFlushedOrIdle(stream: Writable, progress: () => unknown = () => sendProgress(stream), idleMs = FLUSH_IDLE_MS): Promise<void> {
  if (stream.destroyed || stream.writableFinished) return Promise.resolve();
  return new Promise((resolve) => {
    let last = progress();
    let idleSince = Date.now();
    const done = (): void => {
      clearInterval(timer);
      stream.off('finish', done);
      stream.off('close', done);
      resolve();
    };
    const timer = setInterval(() => {
      if (stream.destroyed || stream.writableFinished) return done();
      const now = progress();
      if (now !== last) { last = now; idleSince = Date.now(); }
      else if (Date.now() - idleSince >= idleMs) done();
    }, SAMPLE_MS);
    timer.unref();
    stream.once('finish', done);
    stream.once('close', done);
  });
}
