// A Debug Adapter Protocol client over a byte stream pair (a spawned adapter's stdio or a TCP
// socket): Content-Length framing, seq numbering, request/response matching with a deadline,
// events, and answers to reverse requests. Written here because no maintained npm package
// exports a DAP *client* (the testsupport `ProtocolClient` is internal and has no reverse requests).
//
// Concurrency: one reader callback parses frames in arrival order and dispatches synchronously,
// so events are observed in the order the adapter sent them, interleaved correctly with responses.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { KmError } from '#proto/runtime/km-error.js';

const HEADER_END = '\r\n\r\n';

/** Thrown when the adapter answers a request with `success: false` or does not answer in time. */
export class DapRequestError extends KmError<'sdk'> {
  override name = 'DapRequestError' as const;
  constructor(readonly command: string, message: string, readonly response?: DebugProtocol.Response) {
    super('sdk', response ? 'REQUEST_FAILED' : 'NO_RESPONSE', `DAP ${command}: ${message}`);
  }
}

type ReverseHandler = (args: unknown) => Promise<unknown> | unknown;

interface Pending {
  command: string;
  resolve: (r: DebugProtocol.Response) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface DapClientEvents {
  event: [DebugProtocol.Event];
  close: [string];
}

/** Speaks DAP to one adapter; emits 'event' for every event and 'close' once when the stream ends. */
export class DapClient extends EventEmitter<DapClientEvents> {
  private seq = 1;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private readonly reverseHandlers = new Map<string, ReverseHandler>();
  private closedReason: string | undefined;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly opts: { requestTimeoutMs?: number; trace?: (line: string) => void } = {},
  ) {
    super();
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.close('the adapter closed its output'));
    input.on('error', (e) => this.close(`adapter stream error: ${e.message}`));
    output.on('error', (e) => this.close(`adapter stream error: ${e.message}`));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Answers reverse requests (`runInTerminal`, `startDebugging`); unhandled ones get an error response. */
  onReverseRequest(command: string, handler: ReverseHandler): void {
    this.reverseHandlers.set(command, handler);
  }

  /** Sends a request and resolves with the response body; rejects on failure, timeout or close. */
  async request<T = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<T> {
    const response = await this.requestRaw(command, args, timeoutMs);
    return response.body as T;
  }

  private requestRaw(command: string, args: unknown, timeoutMs?: number): Promise<DebugProtocol.Response> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new DapRequestError(command, `not sent: ${this.closedReason}`));
    }
    const seq = this.seq++;
    const limit = timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new DapRequestError(command, `no response within ${limit} ms`));
      }, limit);
      this.pending.set(seq, { command, resolve, reject, timer });
      this.write({ seq, type: 'request', command, arguments: args });
    });
  }

  /** Marks the client closed and fails every pending request with the reason. */
  close(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [seq, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new DapRequestError(p.command, `no response: ${reason}`));
      this.pending.delete(seq);
    }
    this.emit('close', reason);
  }

  private write(message: object): void {
    const json = JSON.stringify(message);
    this.opts.trace?.(`--> ${json}`);
    this.output.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}${HEADER_END}${json}`);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) {
        this.close(`malformed DAP header from the adapter: ${JSON.stringify(header.slice(0, 80))}`);
        return;
      }
      const length = Number(match[1]);
      const start = headerEnd + HEADER_END.length;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString('utf8');
      this.buffer = this.buffer.subarray(start + length);
      let message: DebugProtocol.ProtocolMessage;
      try {
        message = JSON.parse(body) as DebugProtocol.ProtocolMessage;
      } catch (e) {
        this.close(`malformed DAP body from the adapter: ${(e as Error).message}`);
        return;
      }
      this.opts.trace?.(`<-- ${body}`);
      this.dispatch(message);
    }
  }

  private dispatch(message: DebugProtocol.ProtocolMessage): void {
    if (message.type === 'response') {
      const response = message as DebugProtocol.Response;
      const p = this.pending.get(response.request_seq);
      if (!p) return; // late answer to a request that already timed out
      this.pending.delete(response.request_seq);
      clearTimeout(p.timer);
      if (response.success) p.resolve(response);
      else p.reject(new DapRequestError(p.command, errorText(response), response));
    } else if (message.type === 'event') {
      this.emit('event', message as DebugProtocol.Event);
    } else if (message.type === 'request') {
      void this.answerReverse(message as DebugProtocol.Request);
    }
  }

  private async answerReverse(request: DebugProtocol.Request): Promise<void> {
    const base = { seq: this.seq++, type: 'response', request_seq: request.seq, command: request.command };
    const handler = this.reverseHandlers.get(request.command);
    if (!handler) {
      this.write({ ...base, success: false, message: `kmirror client does not support ${request.command}` });
      return;
    }
    try {
      this.write({ ...base, success: true, body: await handler(request.arguments) });
    } catch (e) {
      this.write({ ...base, success: false, message: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** The human-readable error of a failed response: the formatted `body.error` if present, else `message`. */
export function errorText(response: DebugProtocol.Response): string {
  const err = (response.body as { error?: DebugProtocol.Message } | undefined)?.error;
  if (err?.format) {
    return err.format.replace(/\{(\w+)\}/g, (_m, key: string) => err.variables?.[key] ?? `{${key}}`);
  }
  return response.message ?? 'failed';
}
