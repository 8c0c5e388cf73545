// Types the BPF functions of the native addon (agent/native/src/bpf_*.cc) and finds the compiled
// programs (build/ebpf/*.bpf.o, or ebpf/ beside the bundle). Program and map names all start
// with `km_` so leftover checks (`bpftool prog|map show`) can find them.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgentAddon } from '../netns/native.js';

export interface StealStats { lookups: number; assigned: number; assignErrors: number; exempted: number; noSocket: number }
export interface MirrorStats { records: number; bytes: number; lost: number; truncated: number; pendingBytes: number }

/** Errors thrown carry `code` = errno name when a syscall failed. Handles are small integers. */
export interface BpfAddon {
  bpfStealOpen(objectPath: string, netnsPath: string): Promise<number>;
  bpfStealSetPort(h: number, protocol: 'tcp' | 'udp', port: number, slot: number): void;
  bpfStealDeletePort(h: number, protocol: 'tcp' | 'udp', port: number): void;
  bpfStealSetSocket(h: number, slot: number, fd: number): void;
  bpfStealDeleteSocket(h: number, slot: number): void;
  bpfStealExemptPort(h: number, sourcePort: number, on: boolean): void;
  bpfStealExemptSource(h: number, address: string, prefixLen: number, on: boolean): void;
  bpfStealStats(h: number): StealStats;
  bpfStealUdpReplyPort(h: number, agentPort: number, stolenPort: number, on: boolean): void;
  bpfStealAttachUdpReply(h: number): Promise<string[]>;
  bpfStealClose(h: number): void;

  /** maxPendingBytes: records read but not yet handled by JS before the reader pauses (64 MB). */
  bpfMirrorOpen(objectPath: string, netnsPath: string, onBatch: (batch: Buffer) => void, maxPendingBytes?: number): Promise<number>;
  bpfMirrorAttachInterfaces(h: number): Promise<string[]>;
  bpfMirrorInterfaces(h: number): string[];
  bpfMirrorSetPort(h: number, port: number, on: boolean, withEgress?: boolean, bits?: number): void;
  bpfMirrorStats(h: number): MirrorStats;
  bpfMirrorClose(h: number): void;

  /** Loads the gadgets' programs scoped to the netns, attaches them and starts the ring reader. */
  bpfTraceOpen(objectPath: string, netnsPath: string, gadgets: string[], onBatch: (batch: Buffer) => void): Promise<number>;
  /** Ring-buffer reserve failures per gadget id (ebpf/trace/trace.h order: tcp, dns, exec, open). */
  bpfTraceDrops(h: number): number[];
  bpfTraceInterfaces(h: number): string[];
  /** Destroys every link: no new records; the counters stay readable. */
  bpfTraceDetach(h: number): void;
  /** Drains the ring, then delivers an empty batch after the last one, and frees everything. */
  bpfTraceClose(h: number): void;
}

export function bpfAddon(): BpfAddon {
  const addon = loadAgentAddon();
  if (typeof addon.bpfStealOpen !== 'function') throw new Error('native addon lacks the BPF functions: rebuild it (scripts/build.sh)');
  // Safe: registered by bpf_steal.cc / bpf_mirror.cc / bpf_trace.cc with exactly these signatures.
  return addon as unknown as BpfAddon;
}

/** Path of a compiled BPF object (`steal`, `mirror`, `trace`); KMIRROR_BPF_DIR overrides the search. */
export function bpfObjectPath(name: 'steal' | 'mirror' | 'trace'): string {
  const file = `${name}.bpf.o`;
  const candidates: string[] = [];
  if (process.env.KMIRROR_BPF_DIR) candidates.push(join(process.env.KMIRROR_BPF_DIR, file));
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    candidates.push(join(dir, 'ebpf', file), join(dir, 'build/ebpf', file));
    if (dirname(dir) === dir) break;
  }
  if (process.env.KMIRROR_BPF_DIR && existsSync(candidates[0] as string)) return candidates[0] as string;
  // The newest copy wins, so a rebuilt build/ebpf is not shadowed by an older dist/ebpf.
  const found = candidates.filter((p) => existsSync(p)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!found) throw new Error(`BPF object ${file} not found (run scripts/build.sh); looked in: ${candidates.slice(0, 4).join(', ')} ...`);
  return found;
}
