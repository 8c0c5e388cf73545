// A raw DAP client for protocol-level tests: sends arbitrary bytes (malformed frames included),
// records every message in arrival order (for golden transcripts), answers reverse requests,
// and waits on responses/events with a deadline so a test can never hang. Over a TCP socket
// (`--port`, the in-process server) or a child's stdio (kmirror-dap as editors spawn it).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

export interface Message {
  seq: number;
  type: 'request' | 'response' | 'event';
  command?: string;
  event?: string;
  request_seq?: number;
  success?: boolean;
  message?: string;
  body?: Record<string, unknown>;
  arguments?: unknown;
}

export class RawClient {
  readonly received: Message[] = [];
  readonly transcript: Array<{ dir: '->' | '<-'; message: Message }> = [];
  private buffer = Buffer.alloc(0);
  private seq = 1;
  private waiters: Array<{ match: (m: Message) => boolean; resolve: (m: Message) => void }> = [];
  closed = false;
  /** Answers reverse requests (runInTerminal, startDebugging); default: refuse. */
  onReverse: ((request: Message) => Promise<Record<string, unknown>>) | undefined;

  private constructor(input: Readable, private readonly output: Writable, private readonly end: () => void) {
    input.on('data', (d: Buffer) => this.onData(d));
    input.on('close', () => { this.closed = true; });
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket, socket, () => socket.destroy());
  }

  /** Speaks to a spawned kmirror-dap over its stdin/stdout; close() ends its stdin. */
  static overStdio(child: ChildProcessWithoutNullStreams): RawClient {
    return new RawClient(child.stdout, child.stdin, () => child.stdin.end());
  }

  writeRaw(bytes: string | Buffer): void {
    this.output.write(bytes);
  }

  sendMessage(message: Record<string, unknown>): void {
    const json = JSON.stringify(message);
    this.transcript.push({ dir: '->', message: message as unknown as Message });
    this.output.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  /** Sends a request and resolves with its response (success or not). */
  async request(command: string, args?: unknown, timeoutMs = 30_000): Promise<Message> {
    const seq = this.seq++;
    const response = this.waitFor((m) => m.type === 'response' && m.request_seq === seq, timeoutMs, `response to ${command}`);
    this.sendMessage({ seq, type: 'request', command, ...(args === undefined ? {} : { arguments: args }) });
    return response;
  }

  waitEvent(event: string, timeoutMs = 30_000, since = 0): Promise<Message> {
    const seen = this.received.slice(since).find((m) => m.type === 'event' && m.event === event);
    if (seen) return Promise.resolve(seen);
    return this.waitFor((m) => m.type === 'event' && m.event === event, timeoutMs, `event ${event}`);
  }

  waitFor(match: (m: Message) => boolean, timeoutMs: number, what: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (m: Message): void => { clearTimeout(timer); resolve(m); };
      this.waiters.push({ match, resolve: done });
    });
  }

  close(): void {
    this.end();
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, end).toString())?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString()) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.received.push(message);
      this.transcript.push({ dir: '<-', message });
      if (message.type === 'request') this.answerReverse(message);
      for (const w of [...this.waiters]) {
        if (w.match(message)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(message);
        }
      }
    }
  }

  private answerReverse(request: Message): void {
    if (this.onReverse) {
      void this.onReverse(request).then(
        (body) => this.sendMessage({ seq: this.seq++, type: 'response', request_seq: request.seq, command: request.command, success: true, body }),
        (e: unknown) => this.sendMessage({ seq: this.seq++, type: 'response', request_seq: request.seq, command: request.command, success: false, message: (e as Error).message }),
      );
      return;
    }
    this.sendMessage({ seq: this.seq++, type: 'response', request_seq: request.seq, command: request.command, success: false, message: 'not supported by the test client' });
  }
}
