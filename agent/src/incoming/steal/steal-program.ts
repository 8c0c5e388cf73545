// Owns one loaded km_steal program (ebpf/steal) attached to one network namespace: which
// (protocol, port) is stolen into which SOCKMAP slot, the agent's sockets in those slots, and
// the exempt sources. Everything is released by close(), and by the kernel when the agent dies
// (nothing is pinned).
import { bpfAddon, bpfObjectPath, type BpfAddon, type StealStats } from '../bpf-addon.js';
import type { Transport } from '../service.js';

export const STEAL_SLOTS = 64; // KM_STEAL_MAX_SOCKS in ebpf/steal/steal.h

export class StealProgram {
  private closed = false;
  private readonly usedSlots = new Set<number>();

  private constructor(private readonly addon: BpfAddon, private readonly handle: number, readonly netnsPath: string) {}

  /** Loads km_steal and attaches it to the netns (a bpf_link owned by this process). */
  static async open(netnsPath: string): Promise<StealProgram> {
    const addon = bpfAddon();
    const handle = await addon.bpfStealOpen(bpfObjectPath('steal'), netnsPath);
    return new StealProgram(addon, handle, netnsPath);
  }

  /** Reserves a free SOCKMAP slot. */
  allocateSlot(): number {
    for (let slot = 0; slot < STEAL_SLOTS; slot++) {
      if (!this.usedSlots.has(slot)) {
        this.usedSlots.add(slot);
        return slot;
      }
    }
    throw new Error(`km_steal: all ${STEAL_SLOTS} socket slots are in use`);
  }

  /** Puts a socket (verified to be in the target netns) into a slot. */
  setSocket(slot: number, fd: number): void {
    this.addon.bpfStealSetSocket(this.handle, slot, fd);
  }

  releaseSlot(slot: number): void {
    this.usedSlots.delete(slot);
    if (!this.closed) this.addon.bpfStealDeleteSocket(this.handle, slot);
  }

  stealPort(transport: Transport, port: number, slot: number): void {
    this.addon.bpfStealSetPort(this.handle, transport, port, slot);
  }

  /** Stops stealing the port at once: new connections go to the original app again. */
  releasePort(transport: Transport, port: number): void {
    if (!this.closed) this.addon.bpfStealDeletePort(this.handle, transport, port);
  }

  /** Connections from this source port are never stolen (the agent's own passthrough). */
  exemptSourcePort(port: number, on: boolean): void {
    if (!this.closed) this.addon.bpfStealExemptPort(this.handle, port, on);
  }

  /** Connections from this address prefix are never stolen (kubelet/probe sources). */
  exemptSource(address: string, prefixLen: number, on: boolean): void {
    if (!this.closed) this.addon.bpfStealExemptSource(this.handle, address, prefixLen, on);
  }

  /**
   * Replies from the agent's UDP socket on `agentPort` leave with `stolenPort` as their source
   * (km_udp_reply on every interface's egress), so clients see the port they sent to.
   */
  async rewriteUdpReplies(agentPort: number, stolenPort: number): Promise<void> {
    this.addon.bpfStealUdpReplyPort(this.handle, agentPort, stolenPort, true);
    await this.addon.bpfStealAttachUdpReply(this.handle);
  }

  stopUdpReplies(agentPort: number): void {
    if (!this.closed) this.addon.bpfStealUdpReplyPort(this.handle, agentPort, 1, false);
  }

  stats(): StealStats {
    return this.addon.bpfStealStats(this.handle);
  }

  /** Detaches the program and frees its maps. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.bpfStealClose(this.handle);
  }
}
