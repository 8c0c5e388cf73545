// Sends recorded requests again and compares the answers. Each HTTP exchange goes on its own new
// connection (its exact recorded bytes), its response is read to the end of the message and
// compared with the recorded one by status and body digest; a whole connection (raw TCP, HTTP/2)
// sends its request stream, half-closes and compares everything the target answers. `speed: 1`
// keeps the recorded spacing; 'max' sends as fast as `concurrency` allows. A target that refuses
// or times out fails that item only: the replay goes on.
import { connect, type Socket } from 'node:net';
import { digest, parseRecordedResponse, ResponseReader, type ParsedResponse } from './http-response.js';
import { itemTs, requestBytes, responseBytes, type ReplayItem } from './recording-index.js';

export interface ReplayTarget {
  host: string;
  port: number;
}

export interface ReplayOptions {
  to: ReplayTarget;
  speed: 'max' | number;
  concurrency: number;
  /** Bounds each item: connect + send + response. Long for a debuggee that may sit at a breakpoint. */
  timeoutMs: number;
  /** Retry a refused connection for this long (a debuggee that is not listening yet). */
  retryRefusedMs?: number;
  onResult?: (result: ReplayResult) => void;
}

export interface ReplayResult {
  id: string;
  label: string;
  recordedStatus: number | undefined;
  status: number | undefined;
  match: boolean;
  differences: string[];
  error: string | undefined;
  /** Bytes sent and received. */
  sent: number;
  received: number;
  ms: number;
}

export function parseSpeed(text: string): 'max' | number {
  if (text === 'max') return 'max';
  const m = /^(\d+(?:\.\d+)?)x$/.exec(text);
  if (!m || Number(m[1]) <= 0) throw new Error(`--speed must be max or a factor like 1x or 2.5x, not "${text}"`);
  return Number(m[1]);
}

export function parseHostPort(text: string): ReplayTarget {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new Error(`--to must be HOST:PORT (e.g. 127.0.0.1:8080), not "${text}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export function itemLabel(item: ReplayItem): string {
  if (item.kind === 'exchange') return `${item.exchange.method} ${item.exchange.path}`;
  return `connection ${item.connection.conn} (${item.connection.streams.request.length} bytes)`;
}

export async function replay(items: ReplayItem[], options: ReplayOptions): Promise<ReplayResult[]> {
  const results: ReplayResult[] = new Array(items.length);
  const t0 = Date.now();
  const first = items.length ? Math.min(...items.map(itemTs)) : 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i] as ReplayItem;
      if (options.speed !== 'max') {
        const due = t0 + (itemTs(item) - first) / options.speed;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
      const result = await replayOne(item, options);
      results[i] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  return results;
}

async function replayOne(item: ReplayItem, options: ReplayOptions): Promise<ReplayResult> {
  const started = Date.now();
  const request = requestBytes(item);
  const isHead = item.kind === 'exchange' && item.exchange.method === 'HEAD';
  const recorded = item.kind === 'exchange' ? parseRecordedResponse(responseBytes(item), isHead) : undefined;
  const base: ReplayResult = {
    id: item.id,
    label: itemLabel(item),
    recordedStatus: recorded?.status,
    status: undefined,
    match: false,
    differences: [],
    error: undefined,
    sent: request.length,
    received: 0,
    ms: 0,
  };
  try {
    if (item.kind === 'exchange') {
      const { response, received } = await exchangeOnce(options.to, request, isHead, options);
      base.received = received;
      base.status = response.status;
      base.differences = compareResponses(recorded, response);
    } else {
      const want = responseBytes(item);
      const answer = await rawOnce(options.to, request, options, want.length);
      base.received = answer.length;
      if (digest(answer) !== digest(want)) base.differences = [`answer ${describeBody(want)} → ${describeBody(answer)}`];
    }
    base.match = base.differences.length === 0;
  } catch (err) {
    base.error = (err as Error).message;
  }
  base.ms = Date.now() - started;
  return base;
}

export function compareResponses(recorded: ParsedResponse | undefined, now: ParsedResponse): string[] {
  if (!recorded) return [`the recording has no complete response; now status ${now.status}`];
  const diffs: string[] = [];
  if (recorded.status !== now.status) diffs.push(`status ${recorded.status} → ${now.status}`);
  if (digest(recorded.body) !== digest(now.body)) diffs.push(`body ${describeBody(recorded.body)} → ${describeBody(now.body)}`);
  return diffs;
}

function describeBody(b: Buffer): string {
  return `sha256:${digest(b).slice(0, 12)} (${b.length} bytes)`;
}

/** Connects; while `refusedUntil` (a Date.now() deadline) lies ahead, a refusal is retried (a debuggee still starting). */
async function connected(to: ReplayTarget, refusedUntil: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: to.host, port: to.port });
        socket.once('connect', () => {
          socket.removeListener('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ECONNREFUSED' && Date.now() < refusedUntil) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      throw new Error(e.code === 'ECONNREFUSED' ? `${to.host}:${to.port} refused the connection` : `connecting to ${to.host}:${to.port}: ${e.message}`);
    }
  }
}

/** Fails when the socket errors or stays silent for `timeoutMs`. */
function watchdog(socket: Socket, to: ReplayTarget, timeoutMs: number, what: string): Promise<never> {
  socket.setTimeout(timeoutMs);
  return new Promise<never>((_, reject) => {
    socket.once('error', (err) => reject(new Error(`${what}: ${err.message}`)));
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`${what}: no complete answer from ${to.host}:${to.port} within ${timeoutMs} ms`));
    });
  });
}

async function exchangeOnce(to: ReplayTarget, request: Buffer, isHead: boolean, options: ReplayOptions): Promise<{ response: ParsedResponse; received: number }> {
  const socket = await connected(to, Date.now() + (options.retryRefusedMs ?? 0));
  const done = watchdog(socket, to, options.timeoutMs, 'replaying the request');
  const reader = new ResponseReader(isHead);
  let received = 0;
  const finished = new Promise<{ response: ParsedResponse; received: number }>((resolve, reject) => {
    const finish = (): void => {
      socket.destroy();
      const response = reader.result();
      if (reader.error) reject(reader.error);
      else if (!response) reject(new Error(`${to.host}:${to.port} closed the connection without a response`));
      else resolve({ response, received });
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (reader.push(chunk) || reader.error) finish();
    });
    socket.once('end', () => {
      reader.end();
      finish();
    });
  });
  socket.write(request);
  return Promise.race([finished, done]);
}

/** Ends when the target closes, or once it has answered as many bytes as it did when recorded. */
async function rawOnce(to: ReplayTarget, request: Buffer, options: ReplayOptions, recordedLength: number): Promise<Buffer> {
  const socket = await connected(to, Date.now() + (options.retryRefusedMs ?? 0));
  const done = watchdog(socket, to, options.timeoutMs, 'replaying the connection');
  const chunks: Buffer[] = [];
  let length = 0;
  const finished = new Promise<Buffer>((resolve) => {
    const finish = (): void => {
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      length += c.length;
      if (recordedLength > 0 && length >= recordedLength) finish();
    });
    socket.once('end', finish);
  });
  socket.end(request); // half-close: the target sees the recorded stream end as the client ended it
  return Promise.race([finished, done]);
}
