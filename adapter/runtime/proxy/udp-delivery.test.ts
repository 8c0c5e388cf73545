import { createSocket } from 'node:dgram';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { IncomingConnection } from '../tunnel/agent-session.js';
import { deliverUdp, endUdpDeliveries } from './udp-delivery.js';

/** A stolen UDP stream: what the agent would send is pushed in; what the proxy writes is recorded. */
function fakeConn(): { conn: IncomingConnection; written: Buffer[]; ended: Promise<void> } {
  const written: Buffer[] = [];
  let ended!: () => void;
  const done = new Promise<void>((resolve) => { ended = resolve; });
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) { written.push(chunk); cb(); },
    final(cb) { ended(); cb(); },
  });
  return { conn: Object.assign(d, { source: { address: '10.0.0.9', port: 4000 }, destination: { address: '', port: 53 }, mode: 'steal' as const, transport: 'udp' as const }), written, ended: done };
}

// More than libuv reads from one socket in one event-loop turn (32).
const ANSWERS = [...Array.from({ length: 40 }, (_, i) => `a${i}`), 'last'];

describe('deliverUdp', () => {
  it('delivers each stream chunk as one datagram to the program and its answers back, then ends the stream behind the last answer', async () => {
    const program = createSocket('udp4');
    await new Promise<void>((resolve) => program.bind(0, '127.0.0.1', resolve));
    const { conn, written, ended } = fakeConn();
    const delivery = deliverUdp(conn, '127.0.0.1', program.address().port);
    const got: string[] = [];
    const answered = new Promise<void>((resolve) => program.on('message', (m, from) => {
      got.push(m.toString());
      if (got.length === 2) { for (const a of ANSWERS.slice(0, -1)) program.send(a, from.port, from.address); program.send('last', from.port, from.address, () => resolve()); }
    }));
    conn.push(Buffer.from('q1'));
    conn.push(Buffer.from('q2'));
    await answered;
    // The program answered and is done: the session ends; its queued answers still go out first.
    await endUdpDeliveries([delivery]);
    await ended;
    expect(got).toEqual(['q1', 'q2']);
    expect(written.map(String)).toEqual(ANSWERS);
    program.close();
  });
});
