// Session end for UDP relays: a program that sent and exited left its datagrams queued in the
// kernel on the relay's sockets (loopback delivery is done by the time sendto returns). libuv
// reads a readable UDP socket at most 32 datagrams per event-loop turn, and an immediate queued
// from a poll-phase callback runs before the next poll. So: turn the loop until a whole turn
// (poll included) read nothing; what was queued when this was called has then been read.

/** Resolves once a full event-loop turn passed in which `received()` did not change. */
export async function readQueuedDatagrams(received: () => number): Promise<void> {
  let before: number;
  let turns = 0;
  do {
    before = received();
    await new Promise<void>((resolve) => setImmediate(resolve));
    turns++;
  } while (turns < 2 || received() !== before);
}
