// The session-end flush wait on a tunnel stream: one large write that the peer's window lets out
// slowly, piece by piece, is waited for to the end (its bytes move); a peer that stops reading
// ends the wait once nothing moved for the idle limit. (A single write kept writableLength
// constant until its last byte left, so the wait gave up while bytes were still flowing.)
import { describe, expect, it } from 'vitest';
import type { TunnelByteStream } from '#proto/runtime/byte-stream.js';
import { connectionPair, openStreamPair } from '#proto/runtime/test-stream-pair.js';
import { untilFlushedOrIdle } from './until-flushed.js';

const WINDOW = 64 * 1024;
const IDLE_MS = 400;

async function streamPair(): Promise<{ sender: TunnelByteStream; receiver: TunnelByteStream; close: () => void }> {
  const { client, agent } = connectionPair();
  const [sender, receiver] = await openStreamPair(client, agent, WINDOW);
  for (const s of [sender, receiver]) s.on('error', () => undefined); // cut by close() below
  return { sender, receiver, close: () => client.close('done') };
}

/** Reads one window's worth every `paceMs`: the whole payload takes several idle limits to pass. */
function slowReader(stream: TunnelByteStream, paceMs: number): () => number {
  let got = 0;
  stream.pause();
  const timer = setInterval(() => {
    let chunk: Buffer | null;
    while ((chunk = stream.read() as Buffer | null) !== null) got += chunk.length;
  }, paceMs);
  stream.once('close', () => clearInterval(timer));
  stream.once('end', () => clearInterval(timer));
  return () => got;
}

describe('untilFlushedOrIdle on a tunnel stream', () => {
  it('waits for a single large write that leaves window by window', async () => {
    const { sender, receiver, close } = await streamPair();
    const total = 24 * WINDOW;
    const got = slowReader(receiver, IDLE_MS / 4);
    sender.end(Buffer.alloc(total, 3));
    await untilFlushedOrIdle(sender, undefined, IDLE_MS);
    expect({ finished: sender.writableFinished, sent: sender.bytesSent }).toEqual({ finished: true, sent: total });
    expect(got()).toBeGreaterThan(total - 2 * WINDOW);
    close();
  });

  it('gives up when the peer stops reading', async () => {
    const { sender, receiver, close } = await streamPair();
    receiver.pause();
    sender.end(Buffer.alloc(8 * WINDOW, 3));
    await untilFlushedOrIdle(sender, undefined, IDLE_MS);
    expect(sender.writableFinished).toBe(false);
    expect(sender.bytesSent).toBeLessThan(8 * WINDOW);
    close();
  });
});
