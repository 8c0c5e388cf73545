// Relays one stolen TCP connection both ways between the socket in the target and the client's
// stream, with TCP semantics: backpressure in both directions, half-close (FIN) forwarded as
// end(), and a reset forwarded as a reset (destroy(err) on the stream, RST on the socket).
import type net from 'node:net';
import type { Duplex } from 'node:stream';

export interface RelayResult {
  /** Bytes target -> client and client -> target. */
  podToClientBytes: number;
  clientToPodBytes: number;
  reset: boolean;
}

/** Pumps src into dst honouring backpressure; calls onEnd when src ends cleanly. */
function pump(src: Duplex, dst: Duplex, count: (n: number) => void, onEnd: () => void): void {
  src.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!dst.write(chunk)) {
      src.pause();
      dst.once('drain', () => src.resume());
    }
  });
  src.once('end', onEnd);
}

/** Relays until both directions are finished or one side resets; resolves with the byte counts. */
export function relayTcp(podSocket: net.Socket, client: Duplex): Promise<RelayResult> {
  return new Promise((resolve) => {
    const result: RelayResult = { podToClientBytes: 0, clientToPodBytes: 0, reset: false };
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

    pump(podSocket, client, (n) => (result.podToClientBytes += n), () => {
      podEnded = true;
      client.end(); // the pod-side client half-closed: Shutdown to the workstation
      maybeDone();
    });
    pump(client, podSocket, (n) => (result.clientToPodBytes += n), () => {
      clientEnded = true;
      podSocket.end(); // the workstation app half-closed: FIN to the pod-side client
      maybeDone();
    });

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
    client.on('error', () => resetBoth());
    client.on('close', () => {
      // The workstation side closed without finishing both directions: reset the pod client.
      if (!clientEnded || !podEnded) resetBoth();
      finish();
    });
  });
}
