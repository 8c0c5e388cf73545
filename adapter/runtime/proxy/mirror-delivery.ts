// Mirror delivery, request by request (as mirrord does): the mirrored byte stream of one pod
// connection is split into HTTP requests (http-parser-js) and each request that passes the
// http_filter is written to the local program on a connection of its own choosing: the same
// local connection while the program keeps it alive, a new one once it answered
// `Connection: close` or closed it. So a server that closes after its first response still gets
// every later request of a keep-alive client. The program's answers are read (to know where a
// response ends) and discarded. A stream that is not HTTP/1.x, an Upgrade, a gap in the mirror or
// a request larger than MAX_REQUEST_BYTES falls back to the raw byte stream on one connection.
import type { Socket } from 'node:net';
import { HTTPParser } from 'http-parser-js';
import type { RequestHead, RequestMatcher } from './http-request-match.js';

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
/** Complete requests waiting for the program (it may sit at a breakpoint); more are dropped. */
const MAX_QUEUED = 256;

type Item = { kind: 'request'; bytes: Buffer; method: string } | { kind: 'raw' };

export interface MirrorDeliveryCounters { delivered: number; filtered: number; dropped: number }

export class MirrorDelivery {
  private readonly parser = new HTTPParser(HTTPParser.REQUEST);
  private chunks: Buffer[] = [];
  private size = 0;
  private head: RequestHead | undefined;
  private upgrade = false;
  private chunk: Buffer | undefined;
  private start = 0;
  private raw = false;
  private rawBuffer: Buffer[] = [];
  private rawLocal: Socket | undefined;
  private readonly queue: Item[] = [];
  private busy = false;
  private ended = false;
  private local: Socket | undefined;

  constructor(private readonly dial: () => Socket, private readonly matcher: RequestMatcher | undefined, readonly counters: MirrorDeliveryCounters) {
    this.parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.head = { method: typeof info.method === 'number' ? (HTTPParser.methods[info.method] ?? '') : '', url: info.url ?? '', rawHeaders: info.headers };
      this.upgrade = info.upgrade;
      return 0;
    };
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      const at = (this.parser as unknown as { offset: number }).offset;
      this.take(at);
      const head = this.head;
      const bytes = Buffer.concat(this.chunks);
      this.chunks = [];
      this.size = 0;
      this.head = undefined;
      if (!head) return;
      if (this.upgrade || head.method === 'CONNECT') { this.toRaw(bytes); return; }
      if (this.matcher && !this.matcher(head)) { this.counters.filtered++; return; }
      if (this.queue.length >= MAX_QUEUED) { this.counters.dropped++; return; }
      this.queue.push({ kind: 'request', bytes, method: head.method });
      void this.pump();
    };
  }

  /** Mirrored bytes from the pod's client. */
  push(chunk: Buffer): void {
    if (this.raw) return this.rawWrite(chunk);
    this.chunk = chunk;
    this.start = 0;
    const ret = this.parser.execute(chunk);
    if (this.raw) {
      this.rawWrite(chunk.subarray(this.start));   // an Upgrade/CONNECT: the rest of the chunk is raw
    } else if (ret instanceof Error) {
      this.take(chunk.length);
      this.toRaw(Buffer.concat(this.chunks));
      this.chunks = [];
    } else {
      this.take(chunk.length);
      if (this.size > MAX_REQUEST_BYTES) { this.toRaw(Buffer.concat(this.chunks)); this.chunks = []; }
    }
    this.chunk = undefined;
  }

  /** Part of the mirrored stream was lost: message boundaries are unknown from here on. */
  gap(): void {
    if (this.raw) return;
    this.toRaw(Buffer.concat(this.chunks));
    this.chunks = [];
  }

  /** The pod's client ended its side. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.raw) this.parser.finish();
    if (this.raw) this.rawLocal?.end();
    else void this.pump();
  }

  destroy(): void {
    this.ended = true;
    this.queue.length = 0;
    this.local?.destroy();
    this.rawLocal?.destroy();
  }

  /** Bytes of the current chunk up to `at` belong to the current message. */
  private take(at: number): void {
    if (!this.chunk || at <= this.start) return;
    const part = this.chunk.subarray(this.start, at);
    this.chunks.push(part);
    this.size += part.length;
    this.start = at;
  }

  private toRaw(first: Buffer): void {
    this.raw = true;
    if (first.length) this.rawBuffer.push(first);
    this.queue.push({ kind: 'raw' });
    void this.pump();
  }

  private rawWrite(bytes: Buffer): void {
    if (!bytes.length) return;
    if (this.rawLocal) this.rawLocal.write(bytes);
    else this.rawBuffer.push(bytes);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        if (item.kind === 'raw') return this.startRaw();
        await this.send(item.bytes, item.method);
        this.counters.delivered++;
      }
      if (this.ended) this.local?.end();
    } finally {
      this.busy = false;
    }
  }

  private startRaw(): void {
    const sock = this.dial();
    this.rawLocal = sock;
    sock.on('error', () => sock.destroy());
    sock.resume();   // the program's answers go nowhere
    for (const b of this.rawBuffer) sock.write(b);
    this.rawBuffer = [];
    if (this.ended) sock.end();
  }

  /** Writes one request and resolves once the program's response to it is complete (or the connection ends). */
  private send(bytes: Buffer, method: string): Promise<void> {
    let sock = this.local;
    if (!sock || sock.destroyed || !sock.writable) {
      sock = this.dial();
      const s = sock;
      this.local = s;
      s.on('error', () => s.destroy());
      s.once('close', () => { if (this.local === s) this.local = undefined; });
    }
    const s = sock;
    return new Promise((resolve) => {
      const response = new HTTPParser(HTTPParser.RESPONSE);
      let keepAlive = false;
      let status = 0;
      let done = false;
      const finish = (reuse: boolean): void => {
        if (done) return;
        done = true;
        s.off('data', onData);
        s.off('close', onClose);
        if (!reuse) { s.destroy(); if (this.local === s) this.local = undefined; }
        resolve();
      };
      response[HTTPParser.kOnHeadersComplete] = (info) => {
        keepAlive = info.shouldKeepAlive;
        status = info.statusCode ?? 0;
        return method === 'HEAD' ? 1 : 0;
      };
      response[HTTPParser.kOnMessageComplete] = () => {
        if (status >= 200) finish(keepAlive);   // a 1xx (100 Continue) is followed by the real response
      };
      const onData = (d: Buffer): void => { if (response.execute(d) instanceof Error) finish(false); };
      const onClose = (): void => { response.finish(); finish(false); };
      s.on('data', onData);
      s.once('close', onClose);
      s.write(bytes);
    });
  }
}
