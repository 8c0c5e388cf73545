// A BackendSession for debuggers that speak DAP themselves: kmirror-dap is a thin rewriter in
// front of them. The backend module supplies the translated launch/attach request and optional
// event rewriting; this class initializes the debugger with the client's arguments, forwards
// requests, passes events and reverse requests (runInTerminal, startDebugging) through, and
// reports a debugger that dies on its own as a crash.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Readable, Writable } from 'node:stream';
import type { BackendContext, BackendSession } from './backend.js';
import { DapChild } from './dap-child.js';
import type { DebuggerProcess } from './debugger-process.js';

export interface ProxySessionOptions {
  name: string;
  ctx: BackendContext;
  /** The debugger process, or the link to a debugger elsewhere (stopped on dispose; its unexpected end is a crash). */
  debugger: Pick<DebuggerProcess, 'exited' | 'stop' | 'stderrTail'>;
  /** Streams carrying DAP to and from the debugger (its stdio or a socket). */
  input: Readable;
  output: Writable;
  adapterID: string;
  launch: { command: 'launch' | 'attach'; args: Record<string, unknown> };
  /** Drops (undefined) or rewrites events from the debugger. */
  rewriteEvent?: (event: string, body: unknown) => { event: string; body: unknown } | undefined;
  /** Rewrites request arguments before forwarding (e.g. lldb's env array). */
  rewriteRequest?: (command: string, args: Record<string, unknown>) => Record<string, unknown>;
  /** Other processes to stop on dispose (a debuggee kmirror-dap started itself). */
  owned?: DebuggerProcess[];
  /**
   * Called on dispose, before the processes are stopped: continues a program kmirror-dap held at
   * start (SIGSTOP). While a debugger is attached it needs no help: ptrace attach turns the stop
   * into a tracing stop and the debugger's own continue resumes it (a SIGCONT then would show up
   * in lldb as a signal stop).
   */
  onDispose?: () => void;
  /** Called after dispose stopped the processes (temp files, sockets). */
  cleanup?: () => Promise<void> | void;
  /** Says why a debugger elsewhere went away (remote attach: the pod or container ended); the crash report names it. */
  endReason?: () => Promise<string>;
  /** Following restarts: called instead of the crash report when the debugger elsewhere goes away. */
  onGone?: (endReason: () => Promise<string>) => void;
}

export class ProxySession implements BackendSession {
  capabilities: DebugProtocol.Capabilities = {};
  private readonly child: DapChild;
  private disposing = false;

  constructor(private readonly opts: ProxySessionOptions) {
    const { ctx, name } = opts;
    this.child = new DapChild(opts.input, opts.output, name, {
      onEvent: (event, body) => this.onEvent(event, body),
      onReverseRequest: (command, args) => this.onReverseRequest(command, args),
      onClose: () => this.onDebuggerGone(),
    }, ctx.log);
    void opts.debugger.exited.then(({ code, signal }) => {
      if (!this.disposing) this.child.close(`${name} exited (code ${code}, signal ${signal})`);
    });
  }

  /** Sends initialize with the client's own arguments; the result becomes our capabilities. */
  async initialize(): Promise<this> {
    const args = { ...this.opts.ctx.clientCapabilities, adapterID: this.opts.adapterID };
    this.capabilities = ((await this.child.request('initialize', args)) ?? {}) as DebugProtocol.Capabilities;
    return this;
  }

  launch(): Promise<unknown> {
    return this.child.request(this.opts.launch.command, this.opts.launch.args);
  }

  request(command: string, args: Record<string, unknown>): Promise<unknown> {
    const rewritten = this.opts.rewriteRequest ? this.opts.rewriteRequest(command, args) : args;
    return this.child.request(command, rewritten);
  }

  async dispose(): Promise<void> {
    if (this.disposing) return;
    this.disposing = true;
    this.opts.onDispose?.();
    this.child.close();
    await Promise.all([this.opts.debugger.stop(), ...(this.opts.owned ?? []).map((p) => p.stop())]);
    await this.opts.cleanup?.();
  }

  private onEvent(event: string, body: unknown): void {
    const out = this.opts.rewriteEvent ? this.opts.rewriteEvent(event, body) : { event, body };
    if (out) this.opts.ctx.sink.event(out.event, out.body);
  }

  /**
   * runInTerminal and startDebugging pass through to the client unchanged. With a target no
   * rewrite is needed: debugpy's terminal command is its launcher (the layer is already in the
   * debuggee's `python` argv), and dlv/lldb/netcoredbg attach to a program kmirror-dap started.
   */
  private onReverseRequest(command: string, args: unknown): Promise<DebugProtocol.Response> {
    return this.opts.ctx.sink.reverseRequest(command, args);
  }

  private onDebuggerGone(): void {
    if (this.disposing) return;
    const { endReason, onGone } = this.opts;
    if (endReason && onGone) return onGone(endReason);
    if (endReason) {
      void endReason().then((why) => { if (!this.disposing) this.opts.ctx.sink.crashed(`session ended: ${why}`); });
      return;
    }
    const tail = this.opts.debugger.stderrTail();
    this.opts.ctx.sink.crashed(`${this.opts.name} ended unexpectedly${tail ? `: ${tail.split('\n').slice(-3).join(' | ')}` : ''}`);
  }
}
