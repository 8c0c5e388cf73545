// Owns one loaded km_mirror_tcx program (ebpf/mirror): tcx ingress links on every interface of
// the target netns (and km_mirror_egr at tcx egress), the per-port map, and the ring-buffer reader whose batches are decoded here.
// Released by close(), and by the kernel when the agent dies (tcx links are not pinned).
import { bpfAddon, bpfObjectPath, type BpfAddon, type MirrorStats } from '../bpf-addon.js';
import { decodeBatch, type MirrorRecord } from './record.js';

export class MirrorProgram {
  private closed = false;

  private constructor(private readonly addon: BpfAddon, private readonly handle: number) {}

  /** Loads km_mirror_tcx, attaches it to every interface of the netns and starts reading. */
  static async open(netnsPath: string, onRecord: (r: MirrorRecord) => void, onError: (err: unknown) => void, opts: { maxPendingBytes?: number } = {}): Promise<MirrorProgram> {
    const addon = bpfAddon();
    const handle = await addon.bpfMirrorOpen(bpfObjectPath('mirror'), netnsPath, (batch) => {
      try {
        decodeBatch(batch, onRecord);
      } catch (err) {
        onError(err);
      }
    }, opts.maxPendingBytes);
    return new MirrorProgram(addon, handle);
  }

  /** Attaches to interfaces that appeared since open; returns every attached interface name. */
  attachNewInterfaces(): Promise<string[]> {
    return this.addon.bpfMirrorAttachInterfaces(this.handle);
  }

  interfaces(): string[] {
    return this.addon.bpfMirrorInterfaces(this.handle);
  }

  /** withEgress: km_mirror_egr also copies what the target sends from the port (recording); bits: the whole config (KM_MIRROR_CFG_*). */
  setPort(port: number, on: boolean, withEgress = false, bits?: number): void {
    if (!this.closed) this.addon.bpfMirrorSetPort(this.handle, port, on, withEgress, bits);
  }

  stats(): MirrorStats {
    return this.addon.bpfMirrorStats(this.handle);
  }

  /** Stops the reader thread, detaches every link and frees the maps. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.bpfMirrorClose(this.handle);
  }
}
