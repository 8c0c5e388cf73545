// Relays one stolen TCP connection both ways between the socket in the target and the client's
// stream, with TCP semantics: backpressure in both directions, half-close (FIN) forwarded as
// end(), and a reset forwarded as a reset (destroy(err) on the stream, RST on the socket). A
// stream closed after the workstation half-closed still drains its answer to the pod client.
// If the client refuses the connection (NOT_FOUND: it unsubscribed while the connection was
// being delivered) before answering anything, the pod-side bytes seen so far are replayed to
// `handOver`, which gives the connection to the original app instead of resetting it.
import type net from 'node:net';
import type { Duplex } from 'node:stream';

const REPLAY_LIMIT = 256 * 1024;

export interface RelayResult {
  podToClientBytes: number;
  clientToPodBytes: number;
  reset: boolean;
  handedOver: boolean;
}

export interface RelayOptions {
  /** Takes over the pod socket with the bytes already read from it (and whether it ended). */
  handOver?: (replay: Buffer, podEnded: boolean) => void;
}

/** Relays until both directions are finished or one side resets; resolves with the byte counts. */
export function relayTcp(podSocket: net.Socket, client: Duplex, opts: RelayOptions = {}): Promise<RelayResult> {
  return new Promise((resolve) => {
    const result: RelayResult = { podToClientBytes: 0, clientToPodBytes: 0, reset: false, handedOver: false };
    let replay: Buffer[] | undefined = opts.handOver ? [] : undefined;
    let podEnded = false;
    let clientEnded = false;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(result);
    };
    const maybeDone = (): void => {
      if (podEnded && clientEnded) {
        podSocket.destroySoon();
        client.end();
        finish();
      }
    };

    const onPodData = (chunk: Buffer): void => {
      result.podToClientBytes += chunk.length;
      if (replay) {
        replay.push(chunk);
        if (result.podToClientBytes > REPLAY_LIMIT) replay = undefined;
      }
      if (!client.write(chunk)) {
        podSocket.pause();
        client.once('drain', () => podSocket.resume());
      }
    };
    const onPodEnd = (): void => {
      podEnded = true;
      client.end(); // the pod-side client half-closed: Shutdown to the workstation
      maybeDone();
    };
    client.on('data', (chunk: Buffer) => {
      result.clientToPodBytes += chunk.length;
      replay = undefined; // the client answered: it owns the connection now
      if (!podSocket.write(chunk)) {
        client.pause();
        podSocket.once('drain', () => client.resume());
      }
    });
    client.once('end', () => {
      clientEnded = true;
      podSocket.end(); // the workstation app half-closed: FIN to the pod-side client
      maybeDone();
    });
    podSocket.on('data', onPodData);
    podSocket.once('end', onPodEnd);

    const resetBoth = (): void => {
      if (done) return;
      result.reset = true;
      if (!podSocket.destroyed) podSocket.resetAndDestroy();
      if (!client.destroyed) client.destroy(new Error('connection reset by peer in the target'));
      finish();
    };
    podSocket.on('error', () => {
      // ECONNRESET from the pod-side client (or EPIPE): propagate as a reset to the workstation.
      if (!client.destroyed) client.destroy(new Error('connection reset in the target'));
      result.reset = true;
      finish();
    });
    podSocket.on('close', () => {
      if (!podEnded || !clientEnded) resetBoth();
      finish();
    });
    client.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'NOT_FOUND' && replay && opts.handOver && !done && !podSocket.destroyed) {
        done = true;
        result.handedOver = true;
        podSocket.off('data', onPodData);
        podSocket.off('end', onPodEnd);
        podSocket.removeAllListeners('close');
        podSocket.removeAllListeners('error');
        podSocket.resume();
        opts.handOver(Buffer.concat(replay), podEnded);
        resolve(result);
        return;
      }
      resetBoth();
    });
    client.on('close', () => {
      if (clientEnded && !podEnded && !podSocket.destroyed) {
        // The workstation app finished its answer (FIN already queued) and then went away, e.g.
        // it exited right after replying: let the answer drain to the pod-side client rather than
        // resetting it; anything the pod client still sends has nowhere to go.
        podSocket.off('data', onPodData);
        podSocket.resume();
        podSocket.destroySoon();
        finish();
        return;
      }
      // The workstation side closed without finishing both directions: reset the pod client.
      if (!clientEnded || !podEnded) resetBoth();
      finish();
    });
  });
}
