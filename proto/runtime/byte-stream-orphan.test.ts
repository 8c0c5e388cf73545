// A byte stream when the tunnel goes away: bytes the peer sent before its Shutdown still reach
// the consumer (orphaned drain), while a stream cut before the Shutdown fails with the error.
import { describe, expect, it } from 'vitest';
import type { TunnelByteStream } from './byte-stream.js';
import type { TunnelConnection } from './connection.js';
import { connectionPair, openStreamPair } from './test-stream-pair.js';

const WINDOW = 64 * 1024;

async function pairWithStream(drainWritesDiscarded: boolean): Promise<{ client: TunnelConnection; agent: TunnelConnection; c: TunnelByteStream; a: TunnelByteStream }> {
  const { client, agent } = connectionPair();
  const [c, a] = await openStreamPair(client, agent, WINDOW, { drainWritesDiscarded });
  return { client, agent, c, a };
}

function outcome(stream: TunnelByteStream): Promise<{ bytes: number; how: string }> {
  let bytes = 0;
  return new Promise((resolve) => {
    stream.on('data', (d: Buffer) => { bytes += d.length; });
    stream.once('end', () => resolve({ bytes, how: 'end' }));
    stream.once('error', (e: Error & { code?: string }) => resolve({ bytes, how: e.code ?? 'error' }));
  });
}

describe('byte stream on tunnel loss', () => {
  it('drains what the peer sent before its Shutdown, discards later writes, then closes', async () => {
    const { client, agent, c, a } = await pairWithStream(true);
    const shutdown = new Promise<void>((resolve) => a.once('readable', () => resolve()));
    c.end(Buffer.alloc(WINDOW / 2, 7));
    await shutdown;
    await new Promise((resolve) => setImmediate(resolve)); // the Shutdown frame follows the data
    expect(a.peerShutdown).toBe(true);
    client.close('gone');
    await new Promise((resolve) => agent.once('close', resolve));
    expect(a.orphaned).toBe(true);
    const closed = new Promise((resolve) => a.once('close', resolve));
    expect(a.write(Buffer.from('nowhere'))).toBe(true);
    expect(await outcome(a)).toEqual({ bytes: WINDOW / 2, how: 'end' });
    await closed;
  });

  it('fails a stream cut before the Shutdown', async () => {
    const { client, agent, c, a } = await pairWithStream(true);
    c.write(Buffer.alloc(1000, 1));
    const result = outcome(a);
    await new Promise((resolve) => a.once('readable', resolve));
    client.close('gone');
    await new Promise((resolve) => agent.once('close', resolve));
    expect(a.orphaned).toBe(false);
    expect((await result).how).toBe('UNAVAILABLE');
  });
});
