import { describe, expect, it } from 'vitest';
import { TunnelByteStream } from '#proto/runtime/byte-stream.js';
import { TunnelConnection } from '#proto/runtime/connection.js';
import { createTransportPair } from '#proto/runtime/memory-transport.js';
import { TunnelSocketImpl } from './tunnel-socket.js';

function socketPair(): { socket: TunnelSocketImpl; agentSide: TunnelByteStream } {
  const [a, b] = createTransportPair();
  const client = new TunnelConnection(a, { role: 'client' });
  const agent = new TunnelConnection(b, { role: 'agent' });
  const id = client.openStream({ onMessage: () => undefined, onConnectionClosed: () => undefined });
  const addr = { address: '10.0.0.1', port: 80 };
  const socket = new TunnelSocketImpl(client, id, { sendWindow: 1 << 20, recvWindow: 1 << 20, local: addr, remote: addr, allowHalfOpen: false });
  const agentSide = new TunnelByteStream(agent, id, { sendWindow: 1 << 20, recvWindow: 1 << 20 });
  return { socket, agentSide };
}

describe('TunnelSocket', () => {
  it('times out only after the given idle time, counting traffic as activity', async () => {
    const { socket, agentSide } = socketPair();
    const start = Date.now();
    const timedOut = new Promise<number>((resolve) => socket.setTimeout(150, () => resolve(Date.now() - start)));
    socket.resume();
    // Keep the connection busy for ~300 ms: no timeout may fire meanwhile.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 50));
      agentSide.write('tick');
    }
    expect(await timedOut).toBeGreaterThanOrEqual(400);
  });

  it('ends its writable side when the target half-closes (net.Socket default)', async () => {
    const { socket, agentSide } = socketPair();
    const finished = new Promise<void>((resolve) => socket.once('finish', () => resolve()));
    socket.resume();
    agentSide.end('bye');
    await finished;
    expect(socket.writableEnded).toBe(true);
    expect(socket.remoteAddress).toBe('10.0.0.1');
  });
});
