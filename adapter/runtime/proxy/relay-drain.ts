// Session end without losing what a program already sent: before the tunnel closes, each relay
// (a program's socket joined to a tunnel stream) gets to read the program's last bytes and hand
// them to the tunnel; the agent then delivers them even after the session is gone (it drains
// streams whose workstation side shut down). A relay is waited for while it makes progress; one
// idle for FLUSH_IDLE_MS (a live program keeping a connection open) is left to be cut.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { sendProgress, untilFlushedOrIdle } from '../tunnel/until-flushed.js';

export interface JoinedRelay {
  /** The program's side (loopback socket). */
  local: Socket;
  /** The tunnel stream it is joined to. */
  remote: Duplex;
}

/** Resolves when every relay has handed its program's bytes and FIN to the tunnel, closed, or sat idle. */
export async function drainRelays(relays: Iterable<JoinedRelay>): Promise<void> {
  // Progress: bytes read from the program, or bytes leaving the stream's queue for the tunnel.
  await Promise.all([...relays].map(({ local, remote }) => untilFlushedOrIdle(remote, () => `${local.bytesRead}/${String(sendProgress(remote))}`)));
}
