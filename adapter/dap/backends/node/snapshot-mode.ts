// Snapshot mode of the Node bridge (launch field `nonBreaking`): a breakpoint hit becomes an
// output event and the program runs on (snapshot-capture.ts); after a breakpoint's first (paused)
// hit its place captures in its condition without pausing (snapshot-in-place.ts). Snapshots go
// out in the order of their hits.
import type { BackendSink } from '../backend.js';
import type { BreakpointManager } from './breakpoints.js';
import type { CdpClient } from './cdp-client.js';
import type { ScriptRegistry } from './scripts.js';
import type { CallFrame } from './stack.js';
import { captureAndResume } from './snapshot-capture.js';
import { InPlaceSnapshots } from './snapshot-in-place.js';
import { snapshotOutput, type SnapshotBody } from '../snapshot/snapshot.js';

export class SnapshotMode {
  private snapshots = 0;
  private emitted: Promise<void> = Promise.resolve();
  private readonly inPlace: InPlaceSnapshots;

  constructor(private readonly cdp: CdpClient, private readonly scripts: ScriptRegistry, private readonly breakpoints: BreakpointManager,
    private readonly sink: BackendSink, private readonly warn: (message: string) => void) {
    this.inPlace = new InPlaceSnapshots(cdp, scripts);
    cdp.on('Runtime.bindingCalled', (p: { name: string; payload: string }) => this.onBinding(p));
  }

  /** A breakpoint pause: its state goes out as an output event and the program runs on. */
  async capture(p: { callFrames: CallFrame[]; hitBreakpoints?: string[] }, hitAt: number): Promise<void> {
    const captured = captureAndResume(this.cdp, p.callFrames, this.scripts, hitAt, ++this.snapshots);
    this.emitInOrder(captured);
    const body = await captured;
    // From now on this place captures without pausing (hit counts and logpoints keep the paused path).
    const next = this.breakpoints.hitBy(p.hitBreakpoints ?? []).filter((bp) => !bp.capture && !bp.hitCondition && !bp.logMessage);
    if (!next.length) return;
    for (const bp of next) bp.capture = this.inPlace.condition(bp.id, body.scopes);
    try {
      await this.inPlace.install();
      for (const bp of next) await this.breakpoints.captureInPlace(bp, bp.capture!);
    } catch (e) {
      this.warn(`snapshots without a pause are not available, each snapshot pauses: ${(e as Error).message}`);
    }
  }

  /** Leaves the program as it was: no helper, no binding. */
  uninstall(): Promise<void> {
    return this.inPlace.uninstall();
  }

  private onBinding(p: { name: string; payload: string }): void {
    let body;
    try {
      body = this.inPlace.record(p.name, p.payload, this.snapshots + 1);
    } catch (e) {
      return this.warn(`snapshot record: ${(e as Error).message}`);
    }
    if (!body) return;
    this.snapshots++;
    this.emitInOrder(Promise.resolve(body));
  }

  /** A paused snapshot still being read holds back the in-place ones after it. */
  private emitInOrder(body: Promise<SnapshotBody>): void {
    this.emitted = this.emitted.then(() => body).then((b) => this.sink.event('output', snapshotOutput(b)), (e: unknown) => this.warn(`snapshot: ${(e as Error).message}`));
  }
}
