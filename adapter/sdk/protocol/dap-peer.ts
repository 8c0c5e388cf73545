// One DAP peer over a byte stream pair, for every role kmirror plays: the server facing an editor
// (adapter/dap/server/connection.ts), kmirror-dap facing a debugger that speaks DAP
// (adapter/dap/backends/dap-child.ts), and the scripting client facing an adapter
// (adapter/sdk/api/dap-client.ts). It owns framing (with limits), sequence numbers, requests
// pending with optional deadlines, and dispatch of the other side's requests (reverse requests,
// for the client roles); each role adds only its policy.
//
// Built on @vscode/debugadapter's ProtocolServer, driven through its inline debug-adapter interface
// (`handleMessage` in, `onDidSendMessage` out): it numbers and stamps every outgoing message and
// dispatches incoming requests to `dispatchRequest`. Two of its parts cannot serve these roles:
//  * its stream reader (`start`): it buffers whatever Content-Length a peer announces, copies the
//    whole buffer on every chunk, reads a frame without Content-Length as the next header, and
//    reports a bad frame through an 'error' event that throws when nobody listens — so frames are
//    read here by FrameReader, with size, header and nesting limits;
//  * its pending requests (`sendRequest` with a callback): every request arms a timer that is never
//    cleared, not even by the response, so a client process stays alive until the last deadline;
//    nothing fails when the stream closes; there is no "no deadline" (a debugger's evaluate may
//    take as long as the program does). Requests are still sent and numbered through its
//    `sendRequest`, without a callback; the pending map and deadlines are kept here.
//
// Concurrency: frames are handled one at a time in arrival order, synchronously, so events and
// responses are seen in the order the other side sent them. Handlers that do asynchronous work
// run concurrently with later messages. Messages already in flight from the other side are still
// delivered after `close` (a debugger's last `terminated` arrives after we stop talking to it);
// nothing is written after it.
import type { DebugProtocol } from '@vscode/debugprotocol';
// ProtocolServer is not exported by the package's main entry; lib/protocol.js is its module.
import { ProtocolServer } from '@vscode/debugadapter/lib/protocol.js';
import type { Readable, Writable } from 'node:stream';
import { KmError } from '#proto/runtime/km-error.js';
import { FrameReader, type Frame, type FrameLimits, type FrameProblemKind } from './frame-reader.js';

/** A message that was not read as a valid DAP message. */
export interface MalformedMessage {
  kind: FrameProblemKind | 'shape';
  reason: string;
  /** Set when the message is a request that can be answered: answer it with an error. */
  replyTo?: { seq: number; command: string };
}

export interface DapPeerHandlers {
  /** A valid request from the other side (seq is a safe integer, command a string). */
  request(request: DebugProtocol.Request): void;
  /** Events from the other side; without this handler an event is reported as malformed. */
  event?(event: DebugProtocol.Event): void;
  malformed(problem: MalformedMessage): void;
  /** Once, when the peer closes (stream ended or failed, or `close`). */
  close?(reason: string): void;
}

export interface DapPeerOptions {
  limits?: Partial<FrameLimits>;
  /** The JSON text of each message as written or read (never serialised again for this). */
  trace?: (direction: 'send' | 'receive', json: string) => void;
  /** The close reason when the stream ends (no error) or fails. */
  describeStreamEnd?: (error?: Error) => string;
}

/** How a request from the other side went. */
export type Outcome = { success: true; body?: unknown } | { success: false; message: string; body?: unknown };

/** A request of ours that got no response: deadline passed, peer closed, or never sent. */
export class PeerRequestError extends KmError<'sdk'> {
  override name = 'PeerRequestError' as const;
  constructor(readonly kind: 'timeout' | 'closed' | 'unsent', readonly command: string, readonly reason: string) {
    super('sdk', 'NO_RESPONSE', `${command}: ${reason}`);
  }
}

interface Pending {
  command: string;
  resolve(response: DebugProtocol.Response): void;
  reject(error: PeerRequestError): void;
  timer?: NodeJS.Timeout;
}

// Its JS takes the callback as optional: without one it stamps and sends, and arms no timer.
type SendUncorrelated = (this: ProtocolServer, command: string, args: unknown, timeout: number) => void;
const sendUncorrelated = ProtocolServer.prototype.sendRequest as SendUncorrelated;

export class DapPeer extends ProtocolServer {
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, Pending>();
  private closedFor: string | undefined;
  /** The last message ProtocolServer stamped (it hands each to write() synchronously). */
  private lastSent: DebugProtocol.ProtocolMessage | undefined;
  /** The request being sent: write() files it as pending under its seq. */
  private nextPending: Pending | undefined;
  /** Why the request being sent did not go out. */
  private unsent: string | undefined;

  constructor(input: Readable, private readonly output: Writable, private readonly handlers: DapPeerHandlers, private readonly opts: DapPeerOptions = {}) {
    super();
    this.reader = new FrameReader((frame) => this.onFrame(frame), opts.limits);
    // The listener receives exactly the ProtocolMessage that _send stamped.
    this.onDidSendMessage((message) => this.write(message as DebugProtocol.ProtocolMessage));
    const ended = (error?: Error): void => this.close(opts.describeStreamEnd?.(error) ?? (error ? `stream error: ${error.message}` : 'the other side closed the stream'));
    input.on('data', (chunk: Buffer) => this.reader.push(chunk));
    input.on('end', () => ended());
    input.on('close', () => ended());
    input.on('error', (e: Error) => ended(e));
    output.on('error', (e: Error) => ended(e));
  }

  get isClosed(): boolean {
    return this.closedFor !== undefined;
  }

  /** Why the peer closed, once it has. */
  get closeReason(): string | undefined {
    return this.closedFor;
  }

  /**
   * Sends a request; resolves with the response whether it succeeded or not, rejects with
   * PeerRequestError when none comes (after `timeoutMs`, if given, or when the peer closes).
   */
  request(command: string, args?: unknown, timeoutMs?: number): Promise<DebugProtocol.Response> {
    if (this.closedFor !== undefined) return Promise.reject(new PeerRequestError('unsent', command, this.closedFor));
    return new Promise((resolve, reject) => {
      const entry: Pending = { command, resolve, reject };
      // write() files the entry under the seq ProtocolServer stamps, before the bytes leave: over
      // in-memory streams the response can arrive inside this very call.
      this.unsent = undefined;
      this.nextPending = entry;
      sendUncorrelated.call(this, command, args, 0);
      this.nextPending = undefined;
      if (this.unsent !== undefined) {
        reject(new PeerRequestError('unsent', command, this.unsent));
        return;
      }
      const seq = (this.lastSent as DebugProtocol.Request).seq; // the request write() just saw
      if (timeoutMs !== undefined && this.pending.get(seq) === entry) {
        entry.timer = setTimeout(() => {
          this.pending.delete(seq);
          reject(new PeerRequestError('timeout', command, `no response within ${timeoutMs} ms`));
        }, timeoutMs);
      }
    });
  }

  /** Answers a request of the other side (exactly once per request is the caller's rule). */
  respond(to: { seq: number; command: string }, outcome: Outcome): void {
    const response = {
      seq: 0, type: 'response', request_seq: to.seq, command: to.command, success: outcome.success,
      ...(outcome.success ? {} : { message: outcome.message }),
      ...(outcome.body === undefined ? {} : { body: outcome.body }),
    };
    this.sendResponse(response as DebugProtocol.Response); // seq and type are restamped by ProtocolServer
  }

  event(event: string, body?: unknown): void {
    this.sendEvent({ seq: 0, type: 'event', event, ...(body === undefined ? {} : { body }) });
  }

  /** Stops writing, fails every pending request with `reason`, and tells the owner once. */
  close(reason: string): void {
    if (this.closedFor !== undefined) return;
    this.closedFor = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new PeerRequestError('closed', p.command, reason));
    }
    this.pending.clear();
    this.handlers.close?.(reason);
  }

  /** Responses to our requests settle them; the rest goes to ProtocolServer (requests → dispatchRequest). */
  override handleMessage(message: DebugProtocol.ProtocolMessage): void {
    if (message.type === 'response') {
      const response = message as DebugProtocol.Response;
      const entry = this.pending.get(response.request_seq);
      if (entry) {
        this.pending.delete(response.request_seq);
        clearTimeout(entry.timer);
        entry.resolve(response);
        return;
      }
    }
    super.handleMessage(message);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    this.handlers.request(request);
  }

  private write(message: DebugProtocol.ProtocolMessage): void {
    this.lastSent = message;
    if (this.closedFor !== undefined || this.output.destroyed || this.output.writableEnded) {
      this.unsent = 'the stream is closed';
      return;
    }
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch (e) {
      json = this.replacementFor(message, `cannot encode the ${describe(message)}: ${(e as Error).message}`);
      if (!json) return;
    }
    if (message.type === 'request' && this.nextPending) this.pending.set(message.seq, this.nextPending);
    this.opts.trace?.('send', json);
    this.output.write(`Content-Length: ${Buffer.byteLength(json, 'utf8')}\r\n\r\n${json}`);
  }

  /**
   * What goes out instead of a message JSON cannot encode (a cycle, a BigInt, nesting our own code
   * built): a response still answers its request, as an error; an event becomes a console line;
   * a request is not sent and its caller is told.
   */
  private replacementFor(message: DebugProtocol.ProtocolMessage, reason: string): string {
    if (message.type === 'request') {
      this.unsent = reason;
      return '';
    }
    if (message.type === 'response') {
      const { seq, request_seq, command } = message as DebugProtocol.Response;
      return JSON.stringify({ seq, type: 'response', request_seq, command, success: false, message: reason });
    }
    return JSON.stringify({ seq: message.seq, type: 'event', event: 'output', body: { category: 'important', output: `${reason}\n` } });
  }

  private onFrame(frame: Frame): void {
    if (!frame.ok) {
      this.handlers.malformed({ kind: frame.kind, reason: frame.reason, ...replyTo(frame.topLevel) });
      return;
    }
    this.opts.trace?.('receive', frame.json);
    try {
      this.accept(frame.value);
    } catch (e) {
      // A handler's bug must not unwind into the stream's 'data' emitter (that ends the process).
      this.handlers.malformed({ kind: 'shape', reason: `internal error while handling a message: ${(e as Error).message}`, ...replyTo(frame.value) });
    }
  }

  private accept(value: unknown): void {
    if (typeof value !== 'object' || value === null) {
      this.handlers.malformed({ kind: 'shape', reason: 'message is not a JSON object' });
      return;
    }
    const m = value as Record<string, unknown>;
    if (m.type === 'response') return this.handleMessage(m as unknown as DebugProtocol.Response); // unknown request_seq: ignored
    if (m.type === 'event' && this.handlers.event && typeof m.event === 'string') return this.handlers.event(m as unknown as DebugProtocol.Event);
    const problem = requestProblem(m);
    if (problem) {
      this.handlers.malformed({ kind: 'shape', reason: problem, replyTo: { seq: isSeq(m.seq) ? m.seq : 0, command: typeof m.command === 'string' ? m.command : '' } });
      return;
    }
    this.handleMessage(m as unknown as DebugProtocol.Request); // checked by requestProblem
  }
}

/** DAP numbers messages with integers; ±1e400 parses as ±Infinity and cannot be echoed back. */
function isSeq(seq: unknown): seq is number {
  return Number.isSafeInteger(seq);
}

function requestProblem(m: Record<string, unknown>): string | undefined {
  if (m.type !== 'request' || typeof m.command !== 'string' || typeof m.seq !== 'number') {
    return 'expected {type:"request", seq:number, command:string}';
  }
  if (!isSeq(m.seq)) return `"seq" must be an integer (at most 2^53-1 in size), got ${String(m.seq)}`;
  return undefined;
}

/** The request a refused message can still be answered as, if it was one. */
function replyTo(value: unknown): Pick<MalformedMessage, 'replyTo'> {
  if (typeof value !== 'object' || value === null) return {};
  const m = value as Record<string, unknown>;
  if (m.type !== 'request') return {};
  return { replyTo: { seq: isSeq(m.seq) ? m.seq : 0, command: typeof m.command === 'string' ? m.command : '' } };
}

function describe(message: DebugProtocol.ProtocolMessage): string {
  if (message.type === 'response') return `${(message as DebugProtocol.Response).command} response`;
  if (message.type === 'event') return `${(message as DebugProtocol.Event).event} event`;
  return `${(message as DebugProtocol.Request).command} request`;
}
