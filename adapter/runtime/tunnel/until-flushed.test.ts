// The session-end flush wait on a tunnel stream: one large write that the peer's window lets out
// slowly, piece by piece, is waited for to the end (its bytes move); a peer that stops reading
// ends the wait once nothing moved for the idle limit. (A single write kept writableLength
// constant until its last byte left, so the wait gave up while bytes were still flowing.)
// The wait's clock (its sampling interval and Date) is faked and moved by the test, so a slow or
// busy machine cannot make it see "no progress": the bytes themselves still move on real I/O.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TunnelByteStream } from '#proto/runtime/byte-stream.js';
import { connectionPair, openStreamPair } from '#proto/runtime/test-stream-pair.js';
import { untilFlushedOrIdle } from './until-flushed.js';

const WINDOW = 64 * 1024;
const IDLE_MS = 400;
const STEP_MS = IDLE_MS / 4;

async function streamPair(): Promise<{ sender: TunnelByteStream; receiver: TunnelByteStream; close: () => void }> {
  const { client, agent } = connectionPair();
  const [sender, receiver] = await openStreamPair(client, agent, WINDOW);
  for (const s of [sender, receiver]) s.on('error', () => undefined); // cut by close() below
  return { sender, receiver, close: () => client.close('done') };
}

/** Real I/O turns (setImmediate is not faked) until `done()`: the in-memory transport delivers on them. */
async function realTurnsUntil(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 100_000) throw new Error(`${what}: not after 100,000 I/O turns`);
    await new Promise((r) => setImmediate(r));
  }
}

beforeEach(() => { vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] }); });
afterEach(() => { vi.useRealTimers(); });

describe('untilFlushedOrIdle on a tunnel stream', () => {
  it('waits for a single large write that leaves window by window, over many idle limits of the clock', async () => {
    const { sender, receiver, close } = await streamPair();
    const total = 24 * WINDOW;
    receiver.pause();
    sender.end(Buffer.alloc(total, 3));
    let resolved = false;
    const waited = untilFlushedOrIdle(sender, undefined, IDLE_MS).then(() => { resolved = true; });
    let got = 0;
    let steps = 0;
    while (!sender.writableFinished) {
      // The peer takes what arrived (one window at most), which lets the sender's next bytes out;
      // then a quarter of the idle limit passes on the wait's clock.
      await realTurnsUntil('the next bytes at the peer', () => receiver.readableLength > 0 || sender.writableFinished);
      const before = sender.bytesSent;
      let chunk: Buffer | null;
      while ((chunk = receiver.read() as Buffer | null) !== null) got += chunk.length;
      await realTurnsUntil('the sender moving its next bytes', () => sender.bytesSent > before || sender.writableFinished);
      expect(resolved && !sender.writableFinished, `the wait gave up after ${steps} steps while bytes were moving`).toBe(false);
      await vi.advanceTimersByTimeAsync(STEP_MS);
      steps += 1;
    }
    await waited;
    expect({ finished: sender.writableFinished, sent: sender.bytesSent }).toEqual({ finished: true, sent: total });
    expect(steps * STEP_MS).toBeGreaterThan(4 * IDLE_MS); // the transfer spanned several idle limits of the wait's clock
    expect(got).toBeGreaterThan(total - 2 * WINDOW);
    close();
  });

  it('gives up when the peer stops reading', async () => {
    const { sender, receiver, close } = await streamPair();
    receiver.pause();
    sender.end(Buffer.alloc(8 * WINDOW, 3));
    let resolved = false;
    const waited = untilFlushedOrIdle(sender, undefined, IDLE_MS).then(() => { resolved = true; });
    await realTurnsUntil('the first window to leave', () => sender.bytesSent >= WINDOW);
    await vi.advanceTimersByTimeAsync(IDLE_MS - STEP_MS); // not yet an idle limit without progress
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(2 * STEP_MS);
    await waited;
    expect(sender.writableFinished).toBe(false);
    expect(sender.bytesSent).toBeLessThan(8 * WINDOW);
    close();
  });
});
