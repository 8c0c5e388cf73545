// A DAP client for a debugger that speaks DAP itself (dlv, debugpy, lldb-vscode, netcoredbg), over
// its stdio or a TCP socket. It numbers its own requests (debuggers reuse seq 0 or count on their
// own; we correlate only by request_seq), forwards events, and answers the debugger's reverse
// requests through a callback (runInTerminal, startDebugging pass through to the client).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Readable, Writable } from 'node:stream';
import { BackendError, DapError } from '../server/errors.js';
import type { DapLogger } from '../server/log.js';
import { DapTransport } from '../server/transport.js';

interface Pending {
  command: string;
  resolve(body: unknown): void;
  reject(e: Error): void;
}

export interface DapChildHandlers {
  onEvent(event: string, body: unknown): void;
  onReverseRequest(command: string, args: unknown): Promise<DebugProtocol.Response>;
  onClose(): void;
}

export class DapChild {
  private seq = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly transport: DapTransport;
  private closedReason: string | undefined;

  constructor(input: Readable, output: Writable, private readonly name: string, private readonly handlers: DapChildHandlers, private readonly log: DapLogger) {
    this.transport = new DapTransport(input, output, {
      onMessage: (m) => this.onMessage(m as DebugProtocol.ProtocolMessage),
      onMalformed: (reason) => this.log.log('warn', 'backend.receive', `${name}: malformed message: ${reason}`),
      onClose: () => this.onClose(),
    });
  }

  /** Sends a request; resolves with the response body, rejects with BackendError on success:false. */
  request(command: string, args?: unknown): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new DapError('BACKEND_EXITED', `${this.name} is gone (${this.closedReason}); cannot send ${command}`));
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { command, resolve, reject });
      const message = { seq, type: 'request', command, ...(args === undefined ? {} : { arguments: args }) };
      this.log.log('debug', 'backend.send', `${this.name} ${JSON.stringify(message)}`);
      this.transport.send(message);
    });
  }

  close(reason = 'closed by kmirror-dap'): void {
    this.closedReason ??= reason;
    this.transport.close();
  }

  private onMessage(m: DebugProtocol.ProtocolMessage): void {
    this.log.log('debug', 'backend.receive', `${this.name} ${JSON.stringify(m)}`);
    if (m.type === 'response') {
      const r = m as DebugProtocol.Response;
      const p = this.pending.get(r.request_seq);
      if (!p) return;
      this.pending.delete(r.request_seq);
      if (r.success) p.resolve(r.body);
      else p.reject(new BackendError(r.message ?? `${this.name} failed ${p.command}`, r.body));
    } else if (m.type === 'event') {
      const e = m as DebugProtocol.Event;
      this.handlers.onEvent(e.event, e.body);
    } else if (m.type === 'request') {
      void this.answerReverse(m as DebugProtocol.Request);
    }
  }

  private async answerReverse(req: DebugProtocol.Request): Promise<void> {
    let response: Partial<DebugProtocol.Response>;
    try {
      response = await this.handlers.onReverseRequest(req.command, req.arguments);
    } catch (e) {
      response = { success: false, message: (e as Error).message };
    }
    this.transport.send({ seq: this.seq++, type: 'response', request_seq: req.seq, command: req.command, success: response.success ?? false,
      ...(response.message ? { message: response.message } : {}), ...(response.body === undefined ? {} : { body: response.body }) });
  }

  private onClose(): void {
    this.closedReason ??= `${this.name} closed its connection`;
    for (const p of this.pending.values()) p.reject(new DapError('BACKEND_EXITED', `${this.name} exited before answering ${p.command} (${this.closedReason})`));
    this.pending.clear();
    this.handlers.onClose();
  }
}
