// One DAP peer (a client on stdio or one TCP socket). Owns outgoing sequence numbers, the
// client's pending reverse requests (runInTerminal, startDebugging) and request dispatch.
// Dispatch is declarative: the session gives a router that maps a command to a handler; a handler
// returns a body or throws, and the connection always sends exactly one response per request,
// including for unknown commands and malformed messages. Handlers run concurrently (debugpy's
// launch answers only after configurationDone, so launch must not block later requests).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Readable, Writable } from 'node:stream';
import { DapError, isDapError, BackendError } from './errors.js';
import type { DapLogger } from './log.js';
import { DapTransport } from './transport.js';

export type RequestHandler = (args: Record<string, unknown>, request: DebugProtocol.Request) => unknown;
export type Router = (command: string) => RequestHandler | undefined;

/** Handler result that runs `after` once the response has been written (e.g. `initialized`). */
export class ThenAfter {
  constructor(readonly body: unknown, readonly after: () => void) {}
}

interface PendingReverse {
  resolve(response: DebugProtocol.Response): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class DapConnection {
  private seq = 1;
  private readonly transport: DapTransport;
  private readonly pending = new Map<number, PendingReverse>();
  private router: Router = () => undefined;
  private closeListeners: Array<() => void> = [];

  constructor(input: Readable, output: Writable, private readonly log: DapLogger) {
    this.transport = new DapTransport(input, output, {
      onMessage: (m) => this.onMessage(m),
      onMalformed: (reason) => this.onMalformed(reason),
      onClose: () => this.onClose(),
    });
  }

  setRouter(router: Router): void {
    this.router = router;
  }

  onDidClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  get isClosed(): boolean {
    return this.transport.isClosed;
  }

  sendEvent(event: string, body?: unknown): void {
    this.write({ type: 'event', event, ...(body === undefined ? {} : { body }) });
  }

  /** Sends a reverse request to the client and resolves with its response (never rejects on success:false). */
  sendRequest(command: string, args: unknown, timeoutMs = 30_000): Promise<DebugProtocol.Response> {
    const seq = this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new DapError('TIMEOUT', `client did not answer reverse request ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seq, { resolve, reject, timer });
      this.write({ type: 'request', command, arguments: args });
    });
  }

  close(): void {
    this.transport.close();
  }

  private write(message: Record<string, unknown>): void {
    const full = { seq: this.seq++, ...message };
    this.log.log('debug', 'dap.send', JSON.stringify(full));
    this.transport.send(full);
  }

  private onMessage(message: unknown): void {
    this.log.log('debug', 'dap.receive', JSON.stringify(message));
    if (typeof message !== 'object' || message === null) return this.onMalformed('message is not a JSON object');
    const m = message as Partial<DebugProtocol.ProtocolMessage> & Record<string, unknown>;
    if (m.type === 'response') return this.onResponse(m as unknown as DebugProtocol.Response);
    if (m.type !== 'request' || typeof m.command !== 'string' || typeof m.seq !== 'number') {
      return this.respondError(typeof m.seq === 'number' ? m.seq : 0, typeof m.command === 'string' ? m.command : '',
        new DapError('BAD_REQUEST', `malformed DAP message: expected {type:"request", seq:number, command:string}`));
    }
    void this.dispatch(m as unknown as DebugProtocol.Request);
  }

  private async dispatch(request: DebugProtocol.Request): Promise<void> {
    const handler = this.router(request.command);
    if (!handler) {
      return this.respondError(request.seq, request.command, new DapError('UNKNOWN_COMMAND', `unsupported request: ${request.command}`));
    }
    const args = request.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      return this.respondError(request.seq, request.command, new DapError('BAD_REQUEST', `${request.command}: arguments must be an object`));
    }
    try {
      const result = await handler((args ?? {}) as Record<string, unknown>, request);
      const body = result instanceof ThenAfter ? result.body : result;
      this.write({ type: 'response', request_seq: request.seq, command: request.command, success: true, ...(body === undefined ? {} : { body }) });
      if (result instanceof ThenAfter) result.after();
    } catch (e) {
      this.respondError(request.seq, request.command, e);
    }
  }

  private respondError(requestSeq: number, command: string, e: unknown): void {
    const err = isDapError(e) ? e : new DapError('INTERNAL', `internal error in ${command || 'request'}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    if (!isDapError(e)) this.log.log('error', 'dap.session', err.message, (e as Error)?.stack);
    const body = e instanceof BackendError && e.body !== undefined
      ? e.body
      : { error: { id: err.id, format: err.message, showUser: true } };
    this.write({ type: 'response', request_seq: requestSeq, command, success: false, message: err.message, body });
  }

  private onResponse(response: DebugProtocol.Response): void {
    const pending = this.pending.get(response.request_seq);
    if (!pending) return;
    this.pending.delete(response.request_seq);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  private onMalformed(reason: string): void {
    this.log.log('warn', 'dap.receive', reason);
    // No request to answer: tell the user through the console, keep the session alive.
    this.sendEvent('output', { category: 'important', output: `kmirror-dap: ignored malformed message (${reason})\n` });
  }

  private onClose(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new DapError('BACKEND_EXITED', 'client connection closed'));
    }
    this.pending.clear();
    for (const l of this.closeListeners) l();
  }
}
