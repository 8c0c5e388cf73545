// A stand-in for the tunnel side of one subscription (the IncomingSink of service.ts) for
// engine-level tests: each openConnection gives the agent one end of an in-memory duplex pair
// and hands the other end (the "workstation" side) to the test.
import { Duplex } from 'node:stream';
import type { IncomingConnectionInfo, IncomingSink } from '../../src/incoming/service.js';

/** Two cross-wired Duplexes: writes to one are read from the other; end and destroy propagate. */
export function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: true,
      read() {},
      write(chunk: Buffer, _enc, cb) { peer().push(chunk); cb(); },
      final(cb) { peer().push(null); cb(); },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.destroy(err ?? undefined);
        cb(err);
      },
    });
  sides.push(make(() => sides[1] as Duplex), make(() => sides[0] as Duplex));
  return [sides[0] as Duplex, sides[1] as Duplex];
}

export interface WorkstationConnection {
  info: IncomingConnectionInfo;
  /** The workstation end: read what the pod-side client sent, write the answer. */
  stream: Duplex;
  agentSide: Duplex;
  gaps: Array<{ offset: number; length: number }>;
}

export class TestSink implements IncomingSink {
  readonly connections: WorkstationConnection[] = [];
  closedReason: string | undefined;
  private readonly waiters: Array<(c: WorkstationConnection) => void> = [];

  constructor(private readonly onConnection?: (c: WorkstationConnection) => void) {}

  openConnection(info: IncomingConnectionInfo): Duplex {
    const [agentSide, stream] = duplexPair();
    stream.on('error', () => {});
    const conn: WorkstationConnection = { info, stream, agentSide, gaps: [] };
    this.connections.push(conn);
    this.onConnection?.(conn);
    for (const w of this.waiters.splice(0)) w(conn);
    return agentSide;
  }

  gap(connection: Duplex, offset: number | bigint, length: number): void {
    const conn = this.connections.find((c) => c.agentSide === connection);
    conn?.gaps.push({ offset: Number(offset), length });
  }

  closed(reason: string): void {
    this.closedReason = reason;
  }

  /** Resolves with the next connection (bounded). */
  next(timeoutMs = 5_000): Promise<WorkstationConnection> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no incoming connection within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((c) => { clearTimeout(t); resolve(c); });
    });
  }
}

/** Answers every request on a stolen connection with a fixed HTTP response (keep-alive aware). */
export function answerHttp(body: string): (c: WorkstationConnection) => void {
  return (c) => {
    let buf = '';
    c.stream.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const [method, url] = head.split(' ');
        buf = buf.slice(end + 4 + len);
        const text = `${body} ${method} ${url} from=${c.info.source.address} to=${c.info.destination.address}:${c.info.destination.port}`;
        c.stream.write(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(text)}\r\nContent-Type: text/plain\r\n\r\n${text}`);
      }
    });
    c.stream.on('end', () => c.stream.end());
  };
}
