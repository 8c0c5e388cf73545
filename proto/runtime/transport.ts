// The byte transport under a tunnel connection: a `ws` WebSocket (agent side: an accepted
// connection; workstation side: a client, possibly over a pre-opened port-forward stream).
// Binary messages carry arbitrary slices of the frame byte stream.
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';

/** Events: 'data' (Buffer), 'invalid' (what), 'close' (reason: string). */
export interface ByteTransport extends EventEmitter {
  /** Queues the parts of one frame, in order; `flushed` runs once they were handed to the kernel (or the transport died). */
  write(parts: Buffer[], flushed: () => void): void;
  /** Closes after queued bytes are sent. */
  close(reason: string): void;
  /** Drops the transport at once. */
  destroy(): void;
}

export class WebSocketTransport extends EventEmitter implements ByteTransport {
  private closed = false;

  constructor(private readonly ws: WebSocket) {
    super();
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary) {
        this.emit('invalid', 'a text WebSocket message on the binary tunnel');
        return;
      }
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      this.emit('data', chunk);
    });
    ws.on('close', (code: number, reason: Buffer) => this.finish(`websocket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
    ws.on('error', (err: Error) => this.finish(`websocket error: ${err.message}`));
  }

  write(parts: Buffer[], flushed: () => void): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) {
      flushed();
      return;
    }
    // Each part is its own WebSocket message (message boundaries carry no meaning), so a payload
    // is never copied here and arrives on the other side as one uncopied message.
    // Corking the socket turns the messages of one frame into a single writev.
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    socket?.cork();
    const last = parts.length - 1;
    parts.forEach((part, i) => {
      this.ws.send(part, { binary: true, compress: false }, i === last ? () => flushed() : undefined);
    });
    socket?.uncork();
  }

  close(reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      // WebSocket close reasons are limited to 123 bytes.
      this.ws.close(1000, Buffer.from(reason).subarray(0, 120).toString());
      // A peer that never answers the close handshake must not keep us waiting.
      setTimeout(() => this.ws.terminate(), 2000).unref();
    }
  }

  destroy(): void {
    this.ws.terminate();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', reason);
  }
}
