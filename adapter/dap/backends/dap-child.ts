// kmirror-dap as the client of a debugger that speaks DAP itself (dlv, debugpy, lldb-vscode,
// netcoredbg), over its stdio or a TCP socket, on the shared DAP peer (#sdk/protocol/dap-peer.ts).
// It numbers its own requests (debuggers reuse seq 0 or count on their own; we correlate only by
// request_seq), forwards events, and answers the debugger's reverse requests through a callback
// (runInTerminal, startDebugging pass through to the client). Requests have no deadline here: a
// debugger's evaluate takes as long as the program does; the session bounds what needs bounding.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Readable, Writable } from 'node:stream';
import { DapPeer, PeerRequestError, type MalformedMessage } from '#sdk/protocol/dap-peer.js';
import { BackendError, DapError } from '../common/errors.js';
import type { BackendLogger } from './contract.js';

export interface DapChildHandlers {
  onEvent(event: string, body: unknown): void;
  onReverseRequest(command: string, args: unknown): Promise<DebugProtocol.Response>;
  onClose(): void;
}

export class DapChild {
  private readonly peer: DapPeer;

  constructor(input: Readable, output: Writable, private readonly name: string, private readonly handlers: DapChildHandlers, private readonly log: BackendLogger) {
    this.peer = new DapPeer(input, output, {
      request: (request) => void this.answerReverse(request),
      event: (event) => handlers.onEvent(event.event, event.body),
      malformed: (problem) => this.onMalformed(problem),
      close: () => handlers.onClose(),
    }, {
      trace: (direction, json) => log.log('debug', direction === 'send' ? 'backend.send' : 'backend.receive', () => `${name} ${json}`),
      describeStreamEnd: (error) => (error ? `${name} connection failed: ${error.message}` : `${name} closed its connection`),
    });
  }

  /** Sends a request; resolves with the response body, rejects with BackendError on success:false. */
  async request(command: string, args?: unknown): Promise<unknown> {
    let response: DebugProtocol.Response;
    try {
      response = await this.peer.request(command, args);
    } catch (e) {
      if (!(e instanceof PeerRequestError)) throw e;
      throw new DapError('BACKEND_EXITED', e.kind === 'unsent'
        ? `${this.name} is gone (${e.reason}); cannot send ${command}`
        : `${this.name} exited before answering ${command} (${e.reason})`);
    }
    if (response.success) return response.body;
    throw new BackendError(response.message ?? `${this.name} failed ${command}`, response.body);
  }

  close(reason = 'closed by kmirror-dap'): void {
    this.peer.close(reason);
  }

  private onMalformed(problem: MalformedMessage): void {
    this.log.log('warn', 'backend.receive', `${this.name}: malformed message: ${problem.reason}`);
    if (problem.replyTo) this.peer.respond(problem.replyTo, { success: false, message: `malformed DAP message: ${problem.reason}` });
  }

  private async answerReverse(request: DebugProtocol.Request): Promise<void> {
    let response: Partial<DebugProtocol.Response>;
    try {
      response = await this.handlers.onReverseRequest(request.command, request.arguments);
    } catch (e) {
      response = { success: false, message: (e as Error).message };
    }
    this.peer.respond(request, response.success
      ? { success: true, body: response.body }
      : { success: false, message: response.message ?? `${request.command} failed`, body: response.body });
  }
}
