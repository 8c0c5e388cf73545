// When a CDP command may be written to Node's inspector. Node 20's inspector wedges for good (its
// main thread spins, nothing is answered, not even Debugger.resume) when a command that runs
// JavaScript pauses while commands written after it still wait in the same dispatch batch: e.g.
// `Debugger.pause`, `Runtime.evaluate`, `Debugger.pause` written back to back while the program
// runs (found by bench/fuzz-dap-live.ts). Commands written after the pause has been reported are
// dispatched by the pause's own message loop and are answered. So a command that may run
// JavaScript while the program is not paused, or that resumes it, is a barrier: nothing is written
// behind it until it is answered or (for JavaScript) the program reports a pause.

/** Commands that run JavaScript in the program (which may then pause inside them). */
const RUNS_JS: ReadonlySet<string> = new Set(['Runtime.evaluate', 'Runtime.callFunctionOn', 'Runtime.runScript', 'Runtime.awaitPromise']);
/** Commands that let the program run on. */
const RESUMES: ReadonlySet<string> = new Set([
  'Debugger.resume', 'Debugger.stepOver', 'Debugger.stepInto', 'Debugger.stepOut', 'Debugger.continueToLocation',
  'Debugger.restartFrame', 'Debugger.disable', 'Runtime.runIfWaitingForDebugger',
]);

export interface GatedCommand {
  id: number;
  method: string;
  write(): void;
}

export class CdpSendGate {
  /** The inspector reported Debugger.paused and nothing resumed the program since. */
  private pausedNow = false;
  private barrier: { id: number; method: string; runsJs: boolean } | undefined;
  private readonly held: GatedCommand[] = [];

  get paused(): boolean {
    return this.pausedNow;
  }

  /** Writes the command now, or once the barrier in front of it falls (in submission order). */
  submit(command: GatedCommand): void {
    if (this.barrier || this.held.length) this.held.push(command);
    else this.write(command);
  }

  /** The command got its answer (or gave up waiting for it): what it held back goes out. */
  settled(id: number): void {
    const heldAt = this.held.findIndex((c) => c.id === id);
    if (heldAt >= 0) this.held.splice(heldAt, 1);
    if (this.barrier?.id === id) this.release();
  }

  /**
   * Debugger.paused: a command that runs JavaScript no longer blocks (the pause's loop answers what
   * follows). Returns that command's id: the program may be paused inside it, so its answer waits for a resume.
   */
  onPaused(): number | undefined {
    this.pausedNow = true;
    if (!this.barrier?.runsJs) return undefined;
    const id = this.barrier.id;
    this.release();
    return id;
  }

  onResumed(): void {
    this.pausedNow = false;
  }

  /** Everything held, for the owner to fail (the connection is gone). */
  drain(): GatedCommand[] {
    this.barrier = undefined;
    return this.held.splice(0);
  }

  private release(): void {
    this.barrier = undefined;
    while (this.held.length && !this.barrier) this.write(this.held.shift()!); // length checked
  }

  private write(command: GatedCommand): void {
    const resumes = RESUMES.has(command.method);
    const runsJs = RUNS_JS.has(command.method) && !this.pausedNow;
    if (resumes) this.pausedNow = false;
    if (resumes || runsJs) this.barrier = { id: command.id, method: command.method, runsJs };
    command.write();
  }
}
