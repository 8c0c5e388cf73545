// A Debug Adapter Protocol client over a byte stream pair (a spawned adapter's stdio or a TCP
// socket), on the shared DAP peer (../protocol/dap-peer.ts: framing with limits, seq numbers,
// request/response matching with a deadline, reverse requests). This file adds the client's
// policy: typed requests, failed responses as errors, events as 'event', and a stream that stops
// making sense (a malformed frame) closes the client.
//
// Concurrency: frames are handled in arrival order and dispatched synchronously, so events are
// observed in the order the adapter sent them, interleaved correctly with responses.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { KmError } from '#proto/runtime/km-error.js';
import { DapPeer, PeerRequestError, type MalformedMessage } from '../protocol/dap-peer.js';
import type { DapArguments, DapCommand, DapResponseBody } from '../protocol/dap-requests.js';

/** Thrown when the adapter answers a request with `success: false` or does not answer in time. */
export class DapRequestError extends KmError<'sdk'> {
  override name = 'DapRequestError' as const;
  constructor(readonly command: string, message: string, readonly response?: DebugProtocol.Response) {
    super('sdk', response ? 'REQUEST_FAILED' : 'NO_RESPONSE', `DAP ${command}: ${message}`);
  }
}

type ReverseHandler = (args: unknown) => Promise<unknown> | unknown;

export interface DapClientEvents {
  event: [DebugProtocol.Event];
  close: [string];
}

/** Speaks DAP to one adapter; emits 'event' for every event and 'close' once when the stream ends. */
export class DapClient extends EventEmitter<DapClientEvents> {
  private readonly peer: DapPeer;
  private readonly reverseHandlers = new Map<string, ReverseHandler>();

  constructor(
    input: Readable,
    output: Writable,
    private readonly opts: { requestTimeoutMs?: number; trace?: (line: string) => void } = {},
  ) {
    super();
    const trace = opts.trace;
    this.peer = new DapPeer(input, output, {
      request: (request) => void this.answerReverse(request),
      event: (event) => this.emit('event', event),
      malformed: (problem) => this.onMalformed(problem),
      close: (reason) => this.emit('close', reason),
    }, {
      ...(trace ? { trace: (direction: 'send' | 'receive', json: string) => trace(`${direction === 'send' ? '-->' : '<--'} ${json}`) } : {}),
      describeStreamEnd: (error) => (error ? `adapter stream error: ${error.message}` : 'the adapter closed its output'),
    });
  }

  get closed(): boolean {
    return this.peer.isClosed;
  }

  /** Answers reverse requests (`runInTerminal`, `startDebugging`); unhandled ones get an error response. */
  onReverseRequest(command: string, handler: ReverseHandler): void {
    this.reverseHandlers.set(command, handler);
  }

  /** Sends a request and resolves with the response body; rejects on failure, timeout or close. */
  request<C extends DapCommand>(command: C, args?: DapArguments<C>, timeoutMs?: number): Promise<DapResponseBody<C>>;
  request<T = unknown>(command: string, args?: unknown, timeoutMs?: number): Promise<T>;
  async request(command: string, args?: unknown, timeoutMs?: number): Promise<unknown> {
    const limit = timeoutMs ?? this.opts.requestTimeoutMs ?? 30_000;
    let response: DebugProtocol.Response;
    try {
      response = await this.peer.request(command, args, limit);
    } catch (e) {
      if (!(e instanceof PeerRequestError)) throw e;
      const why = e.kind === 'timeout' ? `no response within ${limit} ms` : e.kind === 'closed' ? `no response: ${e.reason}` : `not sent: ${e.reason}`;
      throw new DapRequestError(command, why);
    }
    if (!response.success) throw new DapRequestError(command, errorText(response), response);
    return response.body;
  }

  /** Marks the client closed and fails every pending request with the reason. */
  close(reason: string): void {
    this.peer.close(reason);
  }

  private onMalformed(problem: MalformedMessage): void {
    if (problem.replyTo) {
      this.peer.respond(problem.replyTo, { success: false, message: `malformed DAP message: ${problem.reason}` });
      return;
    }
    this.close(`malformed DAP ${problem.kind === 'header' ? 'header' : 'message'} from the adapter: ${problem.reason}`);
  }

  private async answerReverse(request: DebugProtocol.Request): Promise<void> {
    const handler = this.reverseHandlers.get(request.command);
    if (!handler) {
      this.peer.respond(request, { success: false, message: `kmirror client does not support ${request.command}` });
      return;
    }
    try {
      this.peer.respond(request, { success: true, body: await handler(request.arguments) });
    } catch (e) {
      this.peer.respond(request, { success: false, message: e instanceof Error ? e.message : String(e) });
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
