// Clients for the recording tests that keep every byte they sent and received per connection, so
// a recording can be compared byte for byte: an HTTP/1.1 client on a raw socket (requests written
// as given, pipelining included; http-parser-js tells when each response is complete), and a
// pass-through TCP proxy that records both directions for clients that own their socket (h2).
import { createHash } from 'node:crypto';
import net from 'node:net';
import { HTTPParser } from 'http-parser-js';

export interface ConnectionBytes {
  /** The client's local port: the recording's connection has it as client.port. */
  localPort: number;
  sent: Buffer[];
  received: Buffer[];
  reset: boolean;
}

export const sha256 = (parts: Buffer[]): string => createHash('sha256').update(Buffer.concat(parts)).digest('hex');

export class RawHttpConnection {
  readonly bytes: ConnectionBytes;
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
  private waiters: { left: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    this.bytes = { localPort: socket.localPort ?? 0, sent: [], received: [], reset: false };
    this.parser[HTTPParser.kOnHeadersComplete] = () => 0;
    this.parser[HTTPParser.kOnMessageComplete] = () => {
      const w = this.waiters[0];
      if (w && --w.left === 0) { this.waiters.shift(); w.resolve(); }
    };
    socket.on('data', (d: Buffer) => {
      this.bytes.received.push(d);
      const r = this.parser.execute(d);
      if (r instanceof Error) socket.destroy(r);
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.bytes.reset = true;
      for (const w of this.waiters.splice(0)) w.reject(err);
    });
    socket.on('close', () => { for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed')); });
  }

  static open(host: string, port: number): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, timeout: 20_000 });
      socket.once('connect', () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
      socket.once('timeout', () => socket.destroy(new Error(`no answer from ${host}:${port} in 20 s`)));
    });
  }

  /** Writes the requests in one write (pipelined when several) and waits for as many responses. */
  exchange(...requests: Buffer[]): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ left: requests.length, resolve, reject }));
    const data = Buffer.concat(requests);
    this.bytes.sent.push(data);
    this.socket.write(data);
    return done;
  }

  /** Sends a request the server answers by resetting the connection; resolves once it is gone. */
  async exchangeReset(request: Buffer): Promise<void> {
    this.bytes.sent.push(request);
    this.socket.write(request);
    await this.closed;
  }

  async close(): Promise<void> {
    this.socket.end();
    await this.closed;
  }
}

export function request(method: string, path: string, opts: { body?: Buffer; chunked?: boolean; close?: boolean; headers?: string[] } = {}): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: target', 'User-Agent: kmirror-record-test', ...(opts.headers ?? [])];
  if (opts.close) head.push('Connection: close');
  let body: Buffer = Buffer.alloc(0);
  if (opts.body && opts.chunked) {
    head.push('Transfer-Encoding: chunked');
    const parts: Buffer[] = [];
    for (let at = 0; at < opts.body.length; at += 4000) {
      const piece = opts.body.subarray(at, at + 4000);
      parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\n\r\n'));
    body = Buffer.concat(parts);
  } else if (opts.body) {
    head.push(`Content-Length: ${opts.body.length}`);
    body = opts.body;
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
}

/** A local TCP proxy to host:port that keeps the bytes of each proxied connection (as seen upstream). */
export async function recordingProxy(host: string, port: number): Promise<{ port: number; connections: ConnectionBytes[]; close(): Promise<void> }> {
  const connections: ConnectionBytes[] = [];
  const server = net.createServer((down) => {
    const up = net.connect({ host, port });
    up.once('connect', () => {
      const bytes: ConnectionBytes = { localPort: up.localPort ?? 0, sent: [], received: [], reset: false };
      connections.push(bytes);
      // Only what really goes upstream counts (after the server's FIN the upstream side ends).
      down.on('data', (d: Buffer) => { if (up.writable) { bytes.sent.push(d); up.write(d); } });
      up.on('data', (d: Buffer) => { bytes.received.push(d); if (down.writable) down.write(d); });
    });
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    down.on('error', () => up.destroy());
    up.on('error', () => down.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
