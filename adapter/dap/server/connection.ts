// The server side of one DAP client (stdio or one TCP socket), on the shared DAP peer
// (#sdk/protocol/dap-peer.ts: framing with limits, seq numbers, pending reverse requests).
// Dispatch is declarative: the session gives a router that maps a command to a handler; a handler
// returns a body or throws, and the connection always sends exactly one response per request,
// including for unknown commands and malformed messages. Handlers run concurrently (debugpy's
// launch answers only after configurationDone, so launch must not block later requests).
// A frame that carries no request to answer (bad framing, too large, too deeply nested, not an
// object) becomes an `output` event; the session goes on.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Readable, Writable } from 'node:stream';
import { DapPeer, PeerRequestError, type MalformedMessage } from '#sdk/protocol/dap-peer.js';
import { clipText } from '#sdk/protocol/bounded-format.js';
import { DapError, isDapError, BackendError } from '../common/errors.js';
import type { DapLogger } from './log.js';

export type RequestHandler = (args: Record<string, unknown>, request: DebugProtocol.Request) => unknown;
export type Router = (command: string) => RequestHandler | undefined;

/** Handler result that runs `after` once the response has been written (e.g. `initialized`). */
export class ThenAfter {
  constructor(readonly body: unknown, readonly after: () => void) {}
}

const REVERSE_REQUEST_TIMEOUT_MS = 30_000;
/** Longest command name quoted back in an error message. */
const MAX_QUOTED_COMMAND = 100;

export class DapConnection {
  private readonly peer: DapPeer;
  private router: Router = () => undefined;
  private closeListeners: Array<() => void> = [];

  constructor(input: Readable, output: Writable, private readonly log: DapLogger) {
    this.peer = new DapPeer(input, output, {
      request: (request) => void this.dispatch(request),
      malformed: (problem) => this.onMalformed(problem),
      close: () => this.onClose(),
    }, {
      trace: (direction, json) => log.log('debug', direction === 'send' ? 'dap.send' : 'dap.receive', () => json),
    });
  }

  setRouter(router: Router): void {
    this.router = router;
  }

  onDidClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  get isClosed(): boolean {
    return this.peer.isClosed;
  }

  sendEvent(event: string, body?: unknown): void {
    this.peer.event(event, body);
  }

  /** Sends a reverse request to the client and resolves with its response (never rejects on success:false). */
  async sendRequest(command: string, args: unknown, timeoutMs = REVERSE_REQUEST_TIMEOUT_MS): Promise<DebugProtocol.Response> {
    try {
      return await this.peer.request(command, args, timeoutMs);
    } catch (e) {
      if (!(e instanceof PeerRequestError)) throw e;
      if (e.kind === 'timeout') throw new DapError('TIMEOUT', `client did not answer reverse request ${command} within ${timeoutMs} ms`);
      throw new DapError('BACKEND_EXITED', 'client connection closed');
    }
  }

  close(): void {
    this.peer.close('closed by kmirror-dap');
  }

  private async dispatch(request: DebugProtocol.Request): Promise<void> {
    try {
      const handler = this.router(request.command);
      if (!handler) {
        return this.respondError(request.seq, request.command, new DapError('UNKNOWN_COMMAND', `unsupported request: ${clipText(request.command, MAX_QUOTED_COMMAND)}`));
      }
      const args: unknown = request.arguments;
      if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
        return this.respondError(request.seq, request.command, new DapError('BAD_REQUEST', `${clipText(request.command, MAX_QUOTED_COMMAND)}: arguments must be an object`));
      }
      const result = await handler((args ?? {}) as Record<string, unknown>, request); // checked just above
      const body = result instanceof ThenAfter ? result.body : result;
      this.peer.respond(request, { success: true, body });
      if (result instanceof ThenAfter) result.after();
    } catch (e) {
      this.respondError(request.seq, request.command, e);
    }
  }

  private respondError(requestSeq: number, command: string, e: unknown): void {
    const err = isDapError(e) ? e : new DapError('INTERNAL', `internal error in ${clipText(command, MAX_QUOTED_COMMAND) || 'request'}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    if (!isDapError(e)) this.log.log('error', 'dap.session', err.message, (e as Error)?.stack);
    const body = e instanceof BackendError && e.body !== undefined
      ? e.body
      : { error: { id: err.id, format: err.message, showUser: true } };
    this.peer.respond({ seq: requestSeq, command }, { success: false, message: err.message, body });
  }

  private onMalformed(problem: MalformedMessage): void {
    if (problem.replyTo) {
      const { seq, command } = problem.replyTo;
      this.respondError(seq, command, new DapError('BAD_REQUEST', `malformed DAP message: ${problem.reason}`));
      return;
    }
    this.log.log('warn', 'dap.receive', problem.reason);
    // No request to answer: tell the user through the console, keep the session alive.
    this.sendEvent('output', { category: 'important', output: `kmirror-dap: ignored malformed message (${problem.reason})\n` });
  }

  private onClose(): void {
    for (const l of this.closeListeners) l();
  }
}
