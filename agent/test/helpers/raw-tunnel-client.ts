// A bare tunnel client speaking frames directly over the agent's WebSocket, so tests and the
// fuzzer can send what no well-behaved client would: raw bytes, any field value, frames out of
// place. It decodes what the agent sends back and records the close.
import WebSocket from 'ws';
import { FrameDecoder, encodeFrame } from '#proto/runtime/framing.js';
import type { Frame, Msg } from '#proto/runtime/messages.js';

export class RawTunnelClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  isClosed = false;
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      try {
        this.frames.push(...this.decoder.push(data));
      } catch { /* the agent only sends valid frames; a decoder error shows up as missing frames */ }
      this.wake();
    });
    ws.on('error', () => undefined); // the close that follows is what callers observe
    this.closed = new Promise((resolve) => ws.on('close', (code: number) => { this.isClosed = true; this.wake(); resolve(code); }));
  }

  static async open(url: string): Promise<RawTunnelClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return new RawTunnelClient(ws);
  }

  /** Opened and past the handshake (Hello answered by HelloAck). */
  static async authenticated(url: string, token: string, clientName = 'raw'): Promise<RawTunnelClient> {
    const c = await RawTunnelClient.open(url);
    c.send(0, { kind: 'hello', protocolVersion: 1, capabilities: [], token, clientName });
    await c.frame((f) => f.msg?.kind === 'helloAck');
    return c;
  }

  send(streamId: number, msg: Msg): void {
    this.raw(encodeFrame({ streamId, msg }));
  }

  raw(bytes: Uint8Array | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(bytes, { binary: typeof bytes !== 'string' });
  }

  /** The first received frame matching `match` (bounded wait); rejects when the connection closes first. */
  async frame(match: (f: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(match);
      if (f) return f;
      if (this.isClosed) throw new Error(`connection closed before a matching frame; got ${this.kinds()}`);
      if (Date.now() > deadline) throw new Error(`no matching frame within ${timeoutMs} ms; got ${this.kinds()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Round trip on stream 0: every frame sent before it has been read by the agent. */
  async ping(nonce: number, timeoutMs = 5_000): Promise<void> {
    this.send(0, { kind: 'ping', nonce });
    await this.frame((f) => f.streamId === 0 && f.msg?.kind === 'pong' && f.msg.nonce === nonce, timeoutMs);
  }

  /** Closes the WebSocket and waits for the close (bounded). */
  async close(): Promise<void> {
    if (!this.isClosed) this.ws.terminate();
    await this.closed;
  }

  private kinds(): string {
    return JSON.stringify(this.frames.slice(-20).map((x) => `${x.streamId}:${x.msg?.kind ?? '?'}`));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
