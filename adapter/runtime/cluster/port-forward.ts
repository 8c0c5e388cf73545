// One TCP connection to a pod port through the API server's port-forward (the client library's
// PortForward, WebSocket channel protocol), exposed as a Duplex so the tunnel client can run its
// own WebSocket over it. Flow control: writes wait while the port-forward WebSocket has more
// than HIGH_WATER bytes queued; reads pause the WebSocket when our readable side is full.
import { Duplex, Readable, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import type WebSocket from 'ws';
import { ClusterError, toClusterError } from './errors.js';

const HIGH_WATER = 4 * 1024 * 1024;

export interface PortForwardOptions {
  namespace: string;
  pod: string;
  port: number;
  /** Deadline for the API server to accept the port-forward upgrade. Default 10 s. */
  timeoutMs?: number;
}

/** A port-forwarded connection; 'close' fires when the API server, kubelet or pod side ends it. */
export interface PortForwardStream extends Duplex {
  /** Text the pod side sent on the error channel (e.g. "connection refused"), if any. */
  readonly portForwardError: string;
}

/** Opens one port-forwarded connection to `pod:port`. */
export async function openPortForward(kc: KubeConfig, opts: PortForwardOptions): Promise<PortForwardStream> {
  const what = `port-forward to pod ${opts.pod}:${opts.port} in namespace ${opts.namespace}`;
  const toPod = new Readable({ read() { /* pushed by the duplex's write side */ } });
  let ws: WebSocket | undefined;
  let errorText = '';
  let wsPaused = false;

  const duplex = new Duplex({
    allowHalfOpen: false,
    read() {
      if (wsPaused && ws) { wsPaused = false; ws.resume(); }
    },
    write(chunk: Buffer, _enc, cb) {
      toPod.push(chunk);
      waitForRoom(() => ws, cb);
    },
    final(cb) {
      // The channel protocol has no half-close for port-forward: ending our side ends the stream.
      ws?.close();
      cb();
    },
    destroy(err, cb) {
      if (ws && ws.readyState <= 1) ws.terminate();
      cb(err);
    },
  }) as PortForwardStream;
  Object.defineProperty(duplex, 'portForwardError', { get: () => errorText });

  const fromPod = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!duplex.push(chunk) && ws && !wsPaused) { wsPaused = true; ws.pause(); }
      cb();
    },
  });
  const podErrors = new Writable({
    write(chunk: Buffer, _enc, cb) { errorText += chunk.toString('utf8'); cb(); },
  });

  const forward = new PortForward(kc, true);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const opened = forward.portForward(opts.namespace, opts.pod, [opts.port], fromPod, podErrors, toPod) as Promise<WebSocket>;
    ws = await Promise.race([
      opened,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          opened.then((late) => late.terminate(), () => undefined);
          reject(new ClusterError('TIMEOUT', `${what}: no answer from the API server within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
  } catch (err) {
    throw toClusterError(err, what);
  } finally {
    clearTimeout(timer);
  }
  const socket = ws;
  socket.on('close', (code: number, reason: Buffer) => {
    if (errorText) {
      duplex.destroy(new ClusterError('PORT_FORWARD', `${what}: ${errorText.trim()}`));
    } else {
      duplex.push(null);
      if (!duplex.destroyed) duplex.destroy();
    }
    void code; void reason;
  });
  socket.on('error', (err: Error) => duplex.destroy(new ClusterError('PORT_FORWARD', `${what}: ${err.message}`, { cause: err })));
  return duplex;
}

/** Calls `cb` once the WebSocket's send queue is below the high-water mark (or it is gone). */
function waitForRoom(getWs: () => WebSocket | undefined, cb: (err?: Error | null) => void): void {
  const ws = getWs();
  if (!ws || ws.readyState !== 1 || ws.bufferedAmount < HIGH_WATER) { cb(); return; }
  setTimeout(() => waitForRoom(getWs, cb), 2);
}
