// Recording capture: both directions of every connection to a recorded port, as an ordered
// stream of RecordedConnection / RecordedSegment / RecordedGap messages per subscriber. The
// client's bytes come from km_mirror_tcx (tcx ingress), the target's answers from km_mirror_egr
// (tcx egress, records flagged EGRESS); one FlowReassembler per direction puts each in order.
// Pure logic over decoded records (the engine feeds it), so unit tests drive it directly.
import type { MsgOf } from '#proto/runtime/messages.js';
import type { SocketAddr } from '../service.js';
import { FlowReassembler, SEG_FIN, SEG_RST, SEG_SYN, type FlowEvent } from './reassembly.js';
import { RECORD_EGRESS, type MirrorRecord } from './record.js';

export type RecordedMsg = MsgOf<'recordedConnection'> | MsgOf<'recordedSegment'> | MsgOf<'recordedGap'>;
export type CaptureSink = (msg: RecordedMsg) => void;
type Direction = 'in' | 'out';

const DROP_HOLE_MS = 300; // the ring buffer dropped records: the hole will not fill
const RETRANSMIT_HOLE_MS = 3_000; // else wait for a retransmission
const IDLE_FLOW_MS = 10 * 60_000;
const LOST_TAIL_MS = 10_000; // silent while the ring dropped records: its end may be lost
const ENDED_KEEP_MS = 2_000; // stragglers of an ended flow (a late RST) are not a new flow
const MAX_SEGMENT_BYTES = 64 * 1024; // per RecordedSegment (frames stay well under the limit)

interface CaptureFlow {
  id: number;
  port: number;
  client: SocketAddr;
  server: SocketAddr;
  startUs: number;
  synSeen: boolean;
  dirs: Record<Direction, FlowReassembler>;
  announced: Set<CaptureSink>;
  lastSeen: number;
  endedAt?: number;
}

/** Microseconds since the epoch (the wall clock at sub-millisecond resolution). */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

export class MirrorCapture {
  private readonly sinks = new Map<number, Set<CaptureSink>>();
  private readonly flows = new Map<string, CaptureFlow>();
  private nextId = 1;

  constructor(private readonly clockUs: () => number = nowUs) {}

  has(port: number): boolean {
    return (this.sinks.get(port)?.size ?? 0) > 0;
  }

  get portCount(): number {
    return this.sinks.size;
  }

  /** Starts sending port's connections to sink; returns false when the port already had a sink. */
  add(port: number, sink: CaptureSink): boolean {
    let set = this.sinks.get(port);
    const first = !set;
    if (!set) this.sinks.set(port, (set = new Set()));
    set.add(sink);
    return first;
  }

  /** Stops sink; returns true when the port has no sink left. */
  remove(port: number, sink: CaptureSink): boolean {
    const set = this.sinks.get(port);
    if (!set?.delete(sink)) return false;
    for (const flow of this.flows.values()) flow.announced.delete(sink);
    if (set.size > 0) return false;
    this.sinks.delete(port);
    for (const [key, flow] of this.flows) if (flow.port === port) this.flows.delete(key);
    return true;
  }

  clear(): void {
    this.sinks.clear();
    this.flows.clear();
  }

  /** One decoded ring-buffer record of a recorded port (either direction). */
  onRecord(r: MirrorRecord, now = Date.now()): void {
    const direction: Direction = r.flags & RECORD_EGRESS ? 'out' : 'in';
    const client = direction === 'in' ? r.source : r.destination;
    const server = direction === 'in' ? r.destination : r.source;
    if (!this.has(server.port)) return;
    const key = `${client.address}|${client.port}|${server.address}|${server.port}`;
    const first = r.offset === 0;
    const last = r.offset + r.data.length >= r.segmentLength;
    const syn = first && (r.flags & SEG_SYN) !== 0;
    let flow = this.flows.get(key);
    if (flow?.endedAt !== undefined) {
      if (!syn) return; // a straggler of the ended connection
      this.flows.delete(key);
      flow = undefined; // the 4-tuple is reused by a new connection
    }
    if (!flow) {
      flow = {
        id: this.nextId++, port: server.port, client: { ...client }, server: { ...server }, startUs: this.clockUs(), synSeen: syn,
        dirs: { in: new FlowReassembler(), out: new FlowReassembler() }, announced: new Set(), lastSeen: now,
      };
      this.flows.set(key, flow);
      this.send(flow, { kind: 'recordedConnection', ...this.describe(flow), endUs: 0, reset: false });
    }
    flow.lastSeen = now;
    const flags = (syn ? SEG_SYN : 0) | (last ? r.flags & (SEG_FIN | SEG_RST) : 0);
    this.apply(flow, direction, flow.dirs[direction].push({ seq: r.seq, flags, data: r.data }, now));
  }

  /** Gives up on holes that will not fill, ends idle flows, forgets ended ones (every 100 ms). */
  sweep(now: number, lostChangedAt: number): void {
    for (const [key, flow] of this.flows) {
      if (flow.endedAt !== undefined) {
        if (now - flow.endedAt > ENDED_KEEP_MS) this.flows.delete(key);
        continue;
      }
      for (const direction of ['in', 'out'] as const) {
        const r = flow.dirs[direction];
        if (r.holeSince === undefined) continue;
        const dropped = lostChangedAt >= r.holeSince - 200;
        if (now - r.holeSince > (dropped ? DROP_HOLE_MS : RETRANSMIT_HOLE_MS)) this.apply(flow, direction, r.skipHole([], now), 'hole not filled (capture lost segments)');
        if (flow.endedAt !== undefined) break;
      }
      if (flow.endedAt !== undefined) continue;
      const lostTail = lostChangedAt > flow.lastSeen && now - flow.lastSeen > LOST_TAIL_MS;
      if (lostTail || now - flow.lastSeen > IDLE_FLOW_MS) {
        for (const direction of ['in', 'out'] as const) {
          const r = flow.dirs[direction];
          if (!r.finished) this.send(flow, { kind: 'recordedGap', connectionId: flow.id, direction, timeUs: this.clockUs(), offset: r.position, length: 0, reason: lostTail ? 'the capture lost the end of this connection' : 'idle connection given up' });
        }
        this.end(flow, now, false);
      }
    }
  }

  private apply(flow: CaptureFlow, direction: Direction, events: FlowEvent[], gapReason = 'capture lost segments'): void {
    for (const ev of events) {
      if (flow.endedAt !== undefined) return;
      switch (ev.type) {
        case 'data':
          for (let at = 0; at < ev.data.length; at += MAX_SEGMENT_BYTES) {
            const data = Buffer.from(ev.data.subarray(at, at + MAX_SEGMENT_BYTES)); // copy: batch buffers are recycled
            this.send(flow, { kind: 'recordedSegment', connectionId: flow.id, direction, timeUs: this.clockUs(), offset: ev.offset + at, data });
          }
          break;
        case 'gap':
          this.send(flow, { kind: 'recordedGap', connectionId: flow.id, direction, timeUs: this.clockUs(), offset: ev.offset, length: ev.length, reason: gapReason });
          break;
        case 'rst':
          this.end(flow, Date.now(), true);
          break;
        case 'fin':
          if (flow.dirs.in.finished && flow.dirs.out.finished) this.end(flow, Date.now(), false);
          break;
      }
    }
  }

  private end(flow: CaptureFlow, now: number, reset: boolean): void {
    flow.endedAt = now;
    this.send(flow, { kind: 'recordedConnection', ...this.describe(flow), endUs: this.clockUs(), reset });
  }

  private describe(flow: CaptureFlow): Omit<MsgOf<'recordedConnection'>, 'kind' | 'endUs' | 'reset'> {
    return { connectionId: flow.id, client: flow.client, server: flow.server, startUs: flow.startUs, synSeen: flow.synSeen };
  }

  private send(flow: CaptureFlow, msg: RecordedMsg): void {
    for (const sink of this.sinks.get(flow.port) ?? []) {
      if (!flow.announced.has(sink)) {
        flow.announced.add(sink);
        const isStart = msg.kind === 'recordedConnection' && msg.endUs === 0;
        if (!isStart) sink({ kind: 'recordedConnection', ...this.describe(flow), endUs: 0, reset: false });
      }
      sink(msg);
    }
  }
}
