import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
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
    // Fake clock: the test steps time itself, so a slow machine cannot make it flaky.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { socket, agentSide } = socketPair();
      let timedOut = false;
      socket.setTimeout(150, () => (timedOut = true));
      socket.resume();
      // Traffic every 100 ms of fake time: 600 ms pass, the idle timer never reaches 150 ms.
      for (let i = 0; i < 6; i++) {
        vi.advanceTimersByTime(100);
        const arrived = once(socket, 'data');
        agentSide.write('tick');
        await arrived;
        expect(timedOut, `timed out after tick ${i}`).toBe(false);
      }
      vi.advanceTimersByTime(149);
      expect(timedOut, 'fired before 150 ms of silence').toBe(false);
      vi.advanceTimersByTime(1);
      expect(timedOut, 'did not fire after 150 ms of silence').toBe(true);
    } finally {
      vi.useRealTimers();
    }
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
