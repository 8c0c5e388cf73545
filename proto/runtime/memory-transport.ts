// An in-memory ByteTransport pair: what one side writes, the other receives on a later tick.
// For unit tests of the connection logic (a test double for the WebSocket only; the real
// transport is exercised by the integration tests).
import { EventEmitter } from 'node:events';
import type { ByteTransport } from './transport.js';

class MemoryTransport extends EventEmitter implements ByteTransport {
  peer!: MemoryTransport;
  closed = false;
  /** Everything written, for assertions. */
  bytesWritten = 0;

  write(parts: Buffer[], flushed: () => void): void {
    if (this.closed) return flushed();
    const bytes = Buffer.concat(parts);
    this.bytesWritten += bytes.length;
    const copy = Buffer.from(bytes);
    setImmediate(() => {
      if (!this.peer.closed) this.peer.emit('data', copy);
      flushed();
    });
  }

  close(reason: string): void {
    if (this.closed) return;
    setImmediate(() => {
      this.finish(reason);
      this.peer.finish(`peer closed: ${reason}`);
    });
  }

  destroy(): void {
    this.finish('destroyed');
    this.peer.finish('peer destroyed');
  }

  /** Delivers raw bytes to this side as if the peer had sent them. */
  inject(bytes: Buffer): void {
    this.emit('data', bytes);
  }

  finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', reason);
  }
}

export type { MemoryTransport };

export function createTransportPair(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
