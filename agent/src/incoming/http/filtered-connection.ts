// One stolen keep-alive connection under an HTTP filter. Each request is routed on its own: to
// the first subscriber whose filter matches (over that subscriber's stream for this connection,
// opened on its first matching request), or otherwise to the original app (over one passthrough
// connection, opened on the first unmatched request). Responses go back to the pod-side client
// strictly in request order, whichever side answers first. After an upgrade (WebSocket,
// CONNECT) the connection becomes a raw tunnel to the side that accepted it. A stream that is
// not HTTP at all is passed through raw.
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import type { HttpFilter, IncomingSink, SocketAddr, SubscriberSession } from '../service.js';
import type { RequestMatcher } from './filter.js';
import { HttpMessageSplitter, type MessageHead } from './message-splitter.js';

export interface FilterRoute {
  matcher: RequestMatcher;
  /** The filter as subscribed (overlap checks) and whose it is (messages to other sessions). */
  filter: HttpFilter;
  session?: SubscriberSession;
  sink: IncomingSink;
  /** Streams opened for this route, so the subscription can close them. */
  streams: Set<Duplex>;
}

interface Upstream {
  stream: Duplex | undefined; // undefined while the passthrough connects
  queued: Buffer[];
  responses: HttpMessageSplitter;
  pendingHeads: MessageHead[]; // requests sent here, awaiting responses (for HEAD)
  slots: Slot[]; // this upstream's slots awaiting (part of) a response, oldest first
  ended: boolean;
  raw: boolean;
}

interface Slot {
  upstream: Upstream;
  chunks: Buffer[];
  complete: boolean;
}

export interface FilteredConnectionOptions {
  pod: net.Socket;
  source: SocketAddr;
  destination: SocketAddr;
  routes: readonly FilterRoute[];
  openPassthrough: () => Promise<net.Socket>;
  log: Logger;
}

export class FilteredHttpConnection {
  private readonly requests: HttpMessageSplitter;
  private readonly upstreams = new Map<FilterRoute | 'app', Upstream>();
  private current: Upstream | undefined; // where the bytes of the request being parsed go
  private readonly order: Slot[] = []; // response slots in request order
  private rawTarget: Upstream | undefined;
  private closed = false;
  /** Requests routed to subscribers and to the original app (tests and status). */
  readonly routed = { client: 0, app: 0 };

  constructor(private readonly o: FilteredConnectionOptions) {
    this.requests = new HttpMessageSplitter('request', {
      onHead: (head) => this.route(head),
      onBytes: (bytes) => this.current && this.send(this.current, bytes),
      onComplete: (head) => { if (head.upgrade && this.current) this.rawTarget = this.current; },
      onRaw: (bytes) => this.rawTarget && this.send(this.rawTarget, bytes),
    });
    const pod = o.pod;
    pod.on('data', (chunk: Buffer) => this.onPodData(chunk));
    pod.on('end', () => this.onPodEnd());
    pod.on('error', () => this.fail());
    pod.on('close', () => this.fail());
    pod.resume();
  }

  private onPodData(chunk: Buffer): void {
    try {
      this.requests.push(chunk);
    } catch (err) {
      if (this.routed.client + this.routed.app > 0 || this.rawTarget) return this.fail(err);
      this.passRawToApp(chunk);
    }
  }

  // Not HTTP (or never a whole request head): hand the whole connection to the original app unchanged.
  private passRawToApp(chunk: Buffer): void {
    this.rawTarget = this.upstream('app');
    this.rawTarget.raw = true;
    this.send(this.rawTarget, Buffer.concat([this.requests.takeHeld(), chunk]));
    this.requests.push = (c: Buffer) => this.rawTarget && this.send(this.rawTarget, c);
  }

  private onPodEnd(): void {
    try { this.requests.end(); } catch { /* an incomplete request: the upstream sees the FIN */ }
    if (this.upstreams.size === 0) {
      // Ended before a whole request head (a tcpSocket probe, a health check, a few stray bytes):
      // bytes go to the original app as they are, and with none the connection is simply closed.
      const held = this.requests.takeHeld();
      if (held.length === 0) return void this.o.pod.end();
      this.passRawToApp(held);
    }
    for (const u of this.upstreams.values()) u.stream ? u.stream.end() : (u.ended = true);
  }

  private route(head: MessageHead): void {
    const target = this.o.routes.find((r) => r.matcher(head));
    this.current = this.upstream(target ?? 'app');
    if (target) this.routed.client++;
    else this.routed.app++;
    this.current.pendingHeads.push(head);
    const slot: Slot = { upstream: this.current, chunks: [], complete: false };
    this.current.slots.push(slot);
    this.order.push(slot);
  }

  private upstream(key: FilterRoute | 'app'): Upstream {
    const existing = this.upstreams.get(key);
    if (existing && !existing.ended) return existing;
    const u: Upstream = {
      stream: undefined, queued: [], pendingHeads: [], slots: [], ended: false, raw: false,
      responses: new HttpMessageSplitter('response', {
        onHead: (head) => this.onResponseHead(u, head),
        onBytes: (bytes) => this.onResponseBytes(u, bytes),
        onComplete: (head) => this.onResponseComplete(u, head),
        onRaw: (bytes) => this.toPod(u, bytes),
      }),
    };
    this.upstreams.set(key, u);
    if (key === 'app') {
      this.o.openPassthrough().then((s) => this.attach(u, s), (err) => this.fail(err));
    } else {
      const stream = key.sink.openConnection({ source: this.o.source, destination: this.o.destination, mode: 'steal', transport: 'tcp' });
      key.streams.add(stream);
      stream.once('close', () => key.streams.delete(stream));
      this.attach(u, stream);
    }
    return u;
  }

  private attach(u: Upstream, stream: Duplex): void {
    if (this.closed) { stream.destroy(); return; }
    u.stream = stream;
    for (const b of u.queued) stream.write(b);
    u.queued = [];
    if (u.ended) stream.end();
    stream.on('data', (chunk: Buffer) => {
      if (u.raw) { this.toPod(u, chunk); return; }
      try { u.responses.push(chunk); } catch (err) { this.fail(err); }
    });
    stream.on('end', () => this.onUpstreamEnd(u));
    stream.on('error', () => this.fail());
    stream.on('close', () => { if (!u.ended) this.onUpstreamEnd(u); });
  }

  private send(u: Upstream, bytes: Buffer): void {
    if (!u.stream) { u.queued.push(Buffer.from(bytes)); return; }
    if (!u.stream.write(bytes)) {
      this.o.pod.pause();
      u.stream.once('drain', () => this.o.pod.resume());
    }
  }

  // Responses without a body: to HEAD, 1xx informational, 204, 304.
  private onResponseHead(u: Upstream, head: MessageHead): boolean {
    const req = u.pendingHeads[0];
    const informational = head.statusCode >= 100 && head.statusCode < 200 && head.statusCode !== 101;
    return req?.method === 'HEAD' || informational || head.statusCode === 204 || head.statusCode === 304;
  }

  private onResponseBytes(u: Upstream, bytes: Buffer): void {
    const slot = u.slots[0];
    if (!slot) return this.fail(new Error('response without a request'));
    if (this.order[0] === slot) this.toPod(u, bytes);
    else slot.chunks.push(Buffer.from(bytes));
  }

  private onResponseComplete(u: Upstream, head: MessageHead): void {
    if (head.statusCode >= 100 && head.statusCode < 200 && head.statusCode !== 101) return; // a final response follows
    const slot = u.slots.shift();
    u.pendingHeads.shift();
    if (!slot) return;
    slot.complete = true;
    if (head.upgrade) { u.raw = true; this.rawTarget = u; }
    this.flush();
  }

  // Writes completed responses in request order; the head slot streams directly.
  private flush(): void {
    while (this.order[0]?.complete) {
      this.order.shift();
      const next = this.order[0];
      if (next) { for (const c of next.chunks) this.toPod(next.upstream, c); next.chunks = []; }
    }
    this.maybeEnd();
  }

  // Response bytes to the pod-side client; a slow client pauses the upstream that answers.
  private toPod(u: Upstream, bytes: Buffer): void {
    if (this.o.pod.write(bytes) || !u.stream) return;
    const stream = u.stream;
    stream.pause();
    this.o.pod.once('drain', () => stream.resume());
  }

  private onUpstreamEnd(u: Upstream): void {
    u.ended = true;
    try { u.responses.end(); } catch { /* truncated response: handled below */ }
    if (u.slots.length > 0 && !u.raw) return this.fail(new Error('upstream closed before answering'));
    this.maybeEnd();
  }

  // The side that answered last closed its connection: close the pod-side one the same way.
  private maybeEnd(): void {
    if (this.order.length > 0) return;
    const anyOpen = [...this.upstreams.values()].some((u) => !u.ended);
    if (!anyOpen || (this.rawTarget?.ended ?? false)) this.o.pod.end();
  }

  /** Resets everything (pod-side client and upstream streams). */
  fail(err?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (err) this.o.log.debug('incoming', 'filtered connection reset', { err, source: this.o.source });
    if (!this.o.pod.destroyed) this.o.pod.resetAndDestroy();
    for (const u of this.upstreams.values()) u.stream?.destroy(err ? new Error('connection reset in the target') : undefined);
  }
}
