// Owns one loaded km_trace object (ebpf/trace): the requested gadgets' programs scoped to the
// target's network namespace, their links, and the ring reader whose batches are decoded here.
// Released by close(), and by the kernel when the agent dies (nothing is pinned).
import { TunnelError } from '#proto/runtime/errors.js';
import type { TraceGadget } from '#proto/runtime/trace-gadgets.js';
import { bpfAddon, bpfObjectPath, type BpfAddon } from '../incoming/bpf-addon.js';
import { GADGET_IDS } from './record-decoder.js';

/** A native failure as the error the client gets: a missing hook names it, EPERM is a permission problem. */
export function traceLoadError(err: unknown, gadgets: readonly string[]): TunnelError {
  const e = err as Error & { code?: string };
  const what = `trace ${gadgets.join(',')}`;
  if (e.code === 'ENOSYS') return new TunnelError('KERNEL_UNSUPPORTED', `${what}: ${e.message}`, { cause: err });
  if (e.code === 'EPERM' || e.code === 'EACCES') return new TunnelError('PERMISSION_DENIED', `${what}: ${e.message} (the agent needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)`, { cause: err });
  return new TunnelError('UNAVAILABLE', `${what}: ${e.message}`, { cause: err });
}

/** How long close() waits for the records already read to reach JS. */
const DRAIN_TIMEOUT_MS = 5_000;

export class TraceProgram {
  private closed = false;
  private detached = false;
  private drained: (() => void) | undefined;

  private constructor(private readonly addon: BpfAddon, private handle = 0) {}

  /** Loads and attaches the gadgets' programs; `onBatch` gets each batch of raw records. */
  static async open(netnsPath: string, gadgets: readonly TraceGadget[], onBatch: (batch: Buffer) => void): Promise<TraceProgram> {
    const addon = bpfAddon();
    const program = new TraceProgram(addon);
    try {
      program.handle = await addon.bpfTraceOpen(bpfObjectPath('trace'), netnsPath, [...gadgets], (batch) => {
        if (batch.length === 0) program.drained?.(); // the end marker after the last batch
        else onBatch(batch);
      });
      return program;
    } catch (err) {
      throw traceLoadError(err, gadgets);
    }
  }

  /** Records the kernel could not queue (ring buffer full), per gadget, cumulative. */
  drops(): Map<TraceGadget, number> {
    const out = new Map<TraceGadget, number>();
    if (this.closed) return out;
    this.addon.bpfTraceDrops(this.handle).forEach((n, i) => out.set(GADGET_IDS[i] as TraceGadget, n));
    return out;
  }

  interfaces(): string[] {
    return this.closed ? [] : this.addon.bpfTraceInterfaces(this.handle);
  }

  /** Detaches every program (no new records); drops() still reads the final counts. Idempotent. */
  detach(): void {
    if (this.closed || this.detached) return;
    this.detached = true;
    this.addon.bpfTraceDetach(this.handle);
  }

  /**
   * Detaches, stops the reader once it drained the ring, frees the maps, and resolves when every
   * record read has been handed to onBatch (bounded). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.detach();
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<void>((resolve) => {
      this.drained = resolve;
      timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    });
    this.addon.bpfTraceClose(this.handle);
    await drained;
    clearTimeout(timer);
  }
}
