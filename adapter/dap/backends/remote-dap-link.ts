// A debugger that speaks DAP in the pod (dlv in a debugger container, a debugpy adapter started
// with --listen), reached through the tunnel: the connection stands in for the debugger process
// of a ProxySession — it "exits" when the connection closes, and stopping it closes the connection.
import type { Duplex } from 'node:stream';

const CLOSE_GRACE_MS = 2_000;

export class RemoteDapLink {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(private readonly socket: Duplex) {
    this.exited = new Promise((resolve) => socket.once('close', () => resolve({ code: null, signal: null })));
    socket.on('error', () => undefined); // reported through 'close' (the DAP peer names the failure)
    // The debugger's end of a DAP connection ending is the debugger gone (a tunnel stream stays
    // half-open until this side ends too: without this, 'close' never came when the pod's process died).
    socket.once('end', () => socket.end());
  }
  stderrTail(): string {
    return '';
  }
  /** Lets the debugger finish its disconnect, then closes the connection. */
  async stop(): Promise<void> {
    this.socket.end();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
    this.socket.destroy();
  }
}
