// Mirror for one target netns: subscribers per port, one km_mirror program loaded while any
// subscription exists, and per-flow reassembly of the captured segments. Each subscriber gets
// one stream per mirrored connection carrying a copy of the bytes the original app received;
// what the subscriber writes back is discarded (the original app answers as before). Holes
// are reported as MirrorGap: ring-buffer overrun in the kernel, or a subscriber too slow to
// keep up (its copy is dropped rather than the memory growing without bound).
//
// UDP subscribers (addUdp) get one stream per pod peer, a datagram per chunk (udp-mirror.ts).
//
// Recording subscribers (addCapture) get both directions of each connection instead, through
// MirrorCapture; their ports are set with the egress bit so km_mirror_egr copies the answers.
//
// Concurrency: everything runs on the Node main thread; records arrive in batches from the
// addon's reader thread through a ThreadSafeFunction.
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import type { IncomingSink, SocketAddr } from '../service.js';
import { FlowReassembler, SEG_FIN, SEG_RST, SEG_SYN, type FlowEvent } from './reassembly.js';
import { MirrorCapture, type CaptureSink } from './capture.js';
import { MirrorProgram } from './mirror-program.js';
import { PORT_EGRESS, PORT_TCP, PORT_UDP, RECORD_EGRESS, RECORD_UDP, type MirrorRecord } from './record.js';
import { UdpMirror } from './udp-mirror.js';

// A hole is given up on (reported as a gap) after DROP_HOLE_MS when the kernel ring buffer
// dropped records since shortly before it appeared, else after RETRANSMIT_HOLE_MS: a segment
// lost on the wire passes tc ingress only with its retransmission (RTO ≥ 200 ms).
const DROP_HOLE_MS = 300;
const RETRANSMIT_HOLE_MS = 3_000;
const IDLE_FLOW_MS = 10 * 60_000;
// A flow silent this long while the ring buffer dropped records after its last one may have lost
// its end (FIN): its copies are reset rather than left open for IDLE_FLOW_MS.
const LOST_TAIL_MS = 10_000;
const MAX_QUEUED_BYTES = 16 << 20; // per subscriber stream before its copy is dropped as a gap

/** What the engine needs of a loaded program (MirrorProgram; a fake in unit tests). */
export interface MirrorProgramLike {
  attachNewInterfaces(): Promise<string[]>;
  interfaces(): string[];
  /** `bits`: the port's KM_MIRROR_CFG_* bits (TCP ingress, egress, UDP); default from withEgress. */
  setPort(port: number, on: boolean, withEgress?: boolean, bits?: number): void;
  stats(): { lost: number; records: number };
  close(): void;
}

export type OpenMirrorProgram = (onRecord: (r: MirrorRecord) => void, onError: (err: unknown) => void) => Promise<MirrorProgramLike>;

interface Subscriber {
  sink: IncomingSink;
}

interface Output {
  stream: Duplex;
  base: number; // flow offset where this stream started
  closed: boolean;
}

interface Flow {
  port: number;
  source: SocketAddr;
  destination: SocketAddr;
  reassembler: FlowReassembler;
  outputs: Map<Subscriber, Output>;
  lastSeen: number;
}

export class MirrorEngine {
  private program: MirrorProgramLike | undefined;
  private opening: Promise<MirrorProgramLike> | undefined;
  private readonly ports = new Map<number, Set<Subscriber>>();
  private readonly flows = new Map<string, Flow>();
  private readonly capture = new MirrorCapture();
  private readonly udp = new UdpMirror();
  private timer: NodeJS.Timeout | undefined;
  private ifTimer: NodeJS.Timeout | undefined;
  private lost = 0;
  private delivered = 0; // records of the current program that reached onRecord (caught up when ≥ the kernel's count)
  private lostChangedAt = 0;
  private pendingAdds = 0;
  /** Bytes given to subscribers, and bytes reported as gaps (for status and benchmarks). */
  readonly counters = { bytes: 0, gapBytes: 0, flows: 0 };

  private readonly openProgram: OpenMirrorProgram;

  /** maxPendingBytes: how far JS may lag behind the ring-buffer reader (tests shrink it). */
  constructor(private readonly netnsPath: string, private readonly log: Logger, opts: { openProgram?: OpenMirrorProgram; maxPendingBytes?: number } = {}) {
    this.openProgram = opts.openProgram ?? ((onRecord, onError) => MirrorProgram.open(netnsPath, onRecord, onError, { maxPendingBytes: opts.maxPendingBytes }));
  }

  /** Mirrors `port` to `sink` until the returned function is called. */
  async add(port: number, sink: IncomingSink): Promise<() => void> {
    const program = await this.loaded();
    const sub: Subscriber = { sink };
    let subs = this.ports.get(port);
    if (!subs) {
      subs = new Set();
      this.ports.set(port, subs);
      this.syncPort(port);
    }
    subs.add(sub);
    return () => this.remove(port, sub);
  }

  /** Mirrors the UDP datagrams sent to `port` to `sink` until the returned function is called. */
  async addUdp(port: number, sink: IncomingSink): Promise<() => void> {
    await this.loaded();
    this.udp.add(port, sink);
    this.syncPort(port);
    return () => {
      this.udp.remove(port, sink);
      this.syncPort(port);
      this.shutdownIfUnused();
    };
  }

  // The port's config in the kernel from who wants it: TCP copies, answers (recording), UDP.
  private syncPort(port: number): void {
    const bits = (this.ports.has(port) || this.capture.has(port) ? PORT_TCP : 0) | (this.capture.has(port) ? PORT_EGRESS : 0) | (this.udp.has(port) ? PORT_UDP : 0);
    this.program?.setPort(port, bits !== 0, (bits & PORT_EGRESS) !== 0, bits);
  }

  /** Records both directions of port's connections into sink until the returned function is called. */
  async addCapture(port: number, sink: CaptureSink): Promise<() => void> {
    await this.loaded();
    if (this.capture.add(port, sink)) this.syncPort(port);
    return () => {
      if (!this.capture.remove(port, sink)) return;
      this.syncPort(port);
      this.shutdownIfUnused();
    };
  }

  private async loaded(): Promise<MirrorProgramLike> {
    this.pendingAdds++; // keeps a concurrent last remove() from unloading the program under us
    try {
      const program = await this.ensureProgram();
      await program.attachNewInterfaces(); // interfaces added to the namespace since it loaded
      this.pendingAdds--;
      return program;
    } catch (err) {
      this.pendingAdds--;
      this.shutdownIfUnused();
      throw err;
    }
  }

  private shutdownIfUnused(): void {
    if (this.program && this.ports.size === 0 && this.capture.portCount === 0 && this.udp.portCount === 0 && this.pendingAdds === 0) this.shutdownProgram();
  }

  stats(): { interfaces: string[]; lost: number; records: number; delivered: number } | undefined {
    if (!this.program) return undefined;
    const s = this.program.stats();
    return { interfaces: this.program.interfaces(), lost: s.lost, records: s.records, delivered: this.delivered };
  }

  close(): void {
    for (const [port, subs] of this.ports) for (const sub of [...subs]) this.remove(port, sub);
    this.capture.clear();
    this.udp.clear();
    this.shutdownIfUnused();
  }

  private remove(port: number, sub: Subscriber): void {
    const subs = this.ports.get(port);
    if (!subs?.delete(sub)) return;
    for (const [key, flow] of this.flows) {
      const out = flow.outputs.get(sub);
      if (out) {
        flow.outputs.delete(sub);
        if (!out.closed) out.stream.end();
      }
      if (flow.port === port && subs.size === 0) this.flows.delete(key);
    }
    if (subs.size > 0) return;
    this.ports.delete(port);
    this.syncPort(port);
    this.shutdownIfUnused();
  }

  private ensureProgram(): Promise<MirrorProgramLike> {
    if (this.program) return Promise.resolve(this.program);
    this.opening ??= this.openProgram((r) => { this.delivered++; this.onRecord(r); }, (err) => this.log.error('probe.mirror', 'bad ring-buffer batch', { err }))
      .then((p) => {
        this.program = p;
        this.timer = setInterval(() => this.sweep(), 100);
        this.timer.unref();
        // Interfaces can appear later (a second veth, a CNI re-plumb): attach to them too.
        this.ifTimer = setInterval(() => {
          p.attachNewInterfaces().catch((err: unknown) => this.log.warn('probe.mirror', 'attach to new interfaces failed', { err }));
        }, 2_000);
        this.ifTimer.unref();
        this.log.info('probe.mirror', 'km_mirror_tcx attached', { netns: this.netnsPath, interfaces: p.interfaces() });
        return p;
      })
      .finally(() => (this.opening = undefined));
    return this.opening;
  }

  private shutdownProgram(): void {
    this.delivered = 0; // the next program's kernel counters start at 0 too
    if (this.timer) clearInterval(this.timer);
    if (this.ifTimer) clearInterval(this.ifTimer);
    this.timer = undefined;
    this.ifTimer = undefined;
    this.program?.close();
    this.program = undefined;
    this.flows.clear();
    this.capture.clear();
    this.log.info('probe.mirror', 'km_mirror_tcx detached', { netns: this.netnsPath });
  }

  /** One decoded ring-buffer record (called by the program's reader). */
  onRecord(r: MirrorRecord): void {
    if (r.flags & RECORD_UDP) return this.udp.onRecord(r);
    const egress = (r.flags & RECORD_EGRESS) !== 0;
    if (this.capture.has(egress ? r.source.port : r.destination.port)) this.capture.onRecord(r);
    if (egress) return; // answers are for recordings only
    const subs = this.ports.get(r.destination.port);
    if (!subs || subs.size === 0) return; // port released while records were in flight
    const key = `${r.source.address}|${r.source.port}|${r.destination.address}|${r.destination.port}`;
    const now = Date.now();
    let flow = this.flows.get(key);
    const first = r.offset === 0;
    const last = r.offset + r.data.length >= r.segmentLength;
    if ((r.flags & SEG_SYN) && first && flow?.reassembler.finished) flow = undefined; // port reuse
    if (!flow) {
      flow = { port: r.destination.port, source: r.source, destination: r.destination, reassembler: new FlowReassembler(), outputs: new Map(), lastSeen: now };
      this.flows.set(key, flow);
      this.counters.flows++;
    }
    flow.lastSeen = now;
    // SYN belongs to a segment's first chunk, FIN/RST to its last one.
    const flags = (first ? r.flags & SEG_SYN : 0) | (last ? r.flags & (SEG_FIN | SEG_RST) : 0);
    this.emit(flow, subs, flow.reassembler.push({ seq: r.seq, flags, data: r.data }, now));
    if (flow.reassembler.finished) this.flows.delete(key);
  }

  private emit(flow: Flow, subs: Set<Subscriber>, events: FlowEvent[]): void {
    for (const ev of events) {
      for (const sub of subs) {
        let out = flow.outputs.get(sub);
        if (!out) {
          if (ev.type !== 'data' && ev.type !== 'gap') continue; // nothing to announce yet
          out = this.open(flow, sub, ev.offset);
        }
        if (out.closed) continue;
        this.deliver(sub, out, ev);
      }
    }
  }

  private open(flow: Flow, sub: Subscriber, base: number): Output {
    const stream = sub.sink.openConnection({ source: flow.source, destination: flow.destination, mode: 'mirror', transport: 'tcp' });
    const out: Output = { stream, base, closed: false };
    stream.on('data', () => {}); // the copy's answers are discarded
    stream.on('error', () => {});
    stream.on('close', () => (out.closed = true));
    flow.outputs.set(sub, out);
    return out;
  }

  private deliver(sub: Subscriber, out: Output, ev: FlowEvent): void {
    switch (ev.type) {
      case 'data':
        if (out.stream.writableLength > MAX_QUEUED_BYTES) {
          this.counters.gapBytes += ev.data.length;
          sub.sink.gap(out.stream, ev.offset - out.base, ev.data.length);
          return;
        }
        this.counters.bytes += ev.data.length;
        out.stream.write(Buffer.from(ev.data)); // copy: the batch buffer is shared
        return;
      case 'gap':
        this.counters.gapBytes += ev.length;
        sub.sink.gap(out.stream, ev.offset - out.base, ev.length);
        return;
      case 'fin':
        out.stream.end();
        out.closed = true;
        return;
      case 'rst':
        out.stream.destroy(new Error('connection reset in the target'));
        out.closed = true;
        return;
    }
  }

  /** Gives up on holes the ring buffer will never fill and forgets idle flows (every 100 ms). */
  sweep(now = Date.now()): void {
    const lost = this.program?.stats().lost ?? 0;
    if (lost !== this.lost) { this.lost = lost; this.lostChangedAt = now; }
    this.capture.sweep(now, this.lostChangedAt);
    this.udp.sweep(now);
    for (const [key, flow] of this.flows) {
      const subs = this.ports.get(flow.port);
      if (!subs) { this.flows.delete(key); continue; }
      const r = flow.reassembler;
      if (r.holeSince !== undefined) {
        const dropped = this.lostChangedAt >= r.holeSince - 200;
        if (now - r.holeSince > (dropped ? DROP_HOLE_MS : RETRANSMIT_HOLE_MS)) this.emit(flow, subs, r.skipHole([], now));
      }
      if (this.lostChangedAt > flow.lastSeen && now - flow.lastSeen > LOST_TAIL_MS) {
        for (const out of flow.outputs.values()) if (!out.closed) out.stream.destroy(new Error('mirror capture lost the end of this connection'));
        this.flows.delete(key);
        continue;
      }
      if (now - flow.lastSeen > IDLE_FLOW_MS) this.emit(flow, subs, r.giveUp());
      if (r.finished || now - flow.lastSeen > IDLE_FLOW_MS) {
        for (const out of flow.outputs.values()) if (!out.closed) out.stream.end();
        this.flows.delete(key);
      }
    }
  }
}
