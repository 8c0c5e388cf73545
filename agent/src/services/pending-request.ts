// One-shot requests (a name resolution, a DNS query) hold their stream while they are in flight,
// so the work stops once nobody waits for the answer: the end of the connection, or the client's
// Close (or Error) on that stream, aborts the request's signal, and the services close the
// sockets they opened for it at once instead of when their own timeouts expire.
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import type { Msg } from '#proto/runtime/messages.js';

export class PendingRequest implements StreamHandler {
  private readonly controller = new AbortController();

  constructor(private readonly conn: TunnelConnection, private readonly streamId: number) {
    conn.attach(streamId, this);
  }

  /** Aborted when the answer can no longer reach anyone. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  onMessage(msg: Msg): void {
    // Anything else on the stream is dropped, as for a stream nobody holds.
    if (msg.kind !== 'close' && msg.kind !== 'error') return;
    this.conn.detach(this.streamId);
    this.controller.abort();
  }

  onConnectionClosed(): void {
    this.controller.abort();
  }

  /** The request is done: the stream is no longer held (its answer or error goes out next). */
  finish(): void {
    this.conn.detach(this.streamId);
  }
}

/**
 * Runs `work` holding `streamId`, then sends its answer. A request cancelled meanwhile answers
 * nothing; another failure is thrown to the caller's error boundary, which sends the error.
 */
export async function answerOnce(conn: TunnelConnection, streamId: number, work: (signal: AbortSignal) => Promise<Msg>): Promise<void> {
  const pending = new PendingRequest(conn, streamId);
  let answer: Msg;
  try {
    answer = await work(pending.signal);
  } catch (err) {
    if (pending.cancelled) return;
    throw err;
  } finally {
    pending.finish();
  }
  if (!pending.cancelled) conn.send(streamId, answer);
}
