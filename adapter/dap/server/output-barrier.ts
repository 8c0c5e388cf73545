// Keeps the program's output ahead of `exited`/`terminated`. kmirror-dap reads the program's
// stdout/stderr itself (the debuggee under the layer, Node's inspector child, dlv's own stdout)
// while the debugger reports the exit on another channel, so the exit can be read first. Every
// such stream is tracked here: one the program owns ends (EOF) when it exits, and is waited for
// (bounded: a grandchild may keep it open); one shared with a debugger that lives on (dlv's stdout)
// gets read turns of the event loop — what the program wrote before it exited is already in the
// pipe, so the next poll phase reads it.
import type { Readable } from 'node:stream';

const END_DEADLINE_MS = 2_000;
const SHARED_READ_TURNS = 2;

export class OutputBarrier {
  private readonly open = new Set<Promise<void>>();
  private shared = 0;

  /** Tracks `stream`: with `endsWithProgram` its EOF is awaited before an exit is reported. */
  track(stream: Readable, endsWithProgram: boolean): void {
    if (!endsWithProgram) {
      this.shared++;
      return;
    }
    if (stream.readableEnded || stream.destroyed) return;
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    this.open.add(ended);
    void ended.then(() => this.open.delete(ended));
  }

  /** Resolves once every tracked stream has delivered what the program wrote (or the deadline passed). */
  async flushed(): Promise<void> {
    if (this.open.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, END_DEADLINE_MS); });
      await Promise.race([Promise.all([...this.open]), deadline]);
      clearTimeout(timer);
    }
    if (this.shared > 0) for (let i = 0; i < SHARED_READ_TURNS; i++) await readTurn();
  }
}

/** One event-loop pass including a poll phase: a timer (next loop) and then the check phase after its poll. */
function readTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(() => setImmediate(resolve), 0));
}
