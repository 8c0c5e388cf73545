// A Chrome DevTools Protocol client for Node's inspector over a WebSocket (ws). Commands resolve
// with their result or reject with the inspector's error; events go to listeners by method name.
// Every command has a deadline so a wedged inspector cannot hang a DAP request; commands are
// written in an order the inspector cannot wedge on (cdp-send-gate.ts). A command the program
// paused inside (an evaluate that hit a pending pause or a breakpoint) is not timed while the
// program stays paused: it legitimately waits for a resume.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { DapError } from '../../common/errors.js';
import type { BackendLogger } from '../contract.js';
import { CdpSendGate } from './cdp-send-gate.js';

export const COMMAND_TIMEOUT_MS = 15_000;

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Ran JavaScript when the program paused: the program may be paused inside it. */
  inside?: boolean;
  /** Not timed until the program resumes. */
  suspended?: boolean;
}

export class CdpClient extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly gate = new CdpSendGate();

  private constructor(private readonly ws: WebSocket, private readonly log: BackendLogger, private readonly timeoutMs: number) {
    super();
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', () => this.onClose());
    ws.on('error', (e) => this.log.log('warn', 'backend', `inspector socket: ${e.message}`));
  }

  /** `socket`: a byte stream already connected to the inspector (remote attach: a tunnel connection). */
  static async connect(url: string, log: BackendLogger, timeoutMs = 10_000, socket?: Duplex, commandTimeoutMs = COMMAND_TIMEOUT_MS): Promise<CdpClient> {
    const ws = new WebSocket(url, {
      perMessageDeflate: false, maxPayload: 256 * 1024 * 1024,
      // Safe: ws calls createConnection once, for the stream it speaks HTTP/WebSocket on.
      ...(socket ? { createConnection: (() => socket) as unknown as WebSocket.ClientOptions['createConnection'] } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { ws.terminate(); reject(new DapError('TIMEOUT', `inspector ${url} did not accept a connection within ${timeoutMs} ms`)); }, timeoutMs);
      ws.once('open', () => { clearTimeout(timer); resolve(); });
      ws.once('error', (e) => { clearTimeout(timer); reject(new DapError('BACKEND_FAILED', `cannot connect to the Node inspector at ${url}: ${e.message}`)); });
    });
    return new CdpClient(ws, log, commandTimeoutMs);
  }

  /** Sends a CDP command; resolves with its result. */
  send<T = Record<string, unknown>>(method: string, params: object = {}): Promise<T> {
    if (this.closed) return Promise.reject(new DapError('BACKEND_EXITED', `the Node inspector connection is closed (${method})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { method, resolve: resolve as (r: unknown) => void, reject, timer: undefined };
      this.pending.set(id, pending);
      this.startTimer(id, pending);
      this.gate.submit({
        id, method,
        // May run later, from an inspector event: a command that cannot be written fails alone.
        write: () => {
          let text: string;
          try {
            text = JSON.stringify({ id, method, params });
          } catch (e) {
            queueMicrotask(() => this.fail(id, new DapError('BAD_REQUEST', `${method}: parameters cannot be sent (${(e as Error).message})`)));
            return;
          }
          this.log.log('debug', 'backend.send', () => `cdp ${id} ${method} ${JSON.stringify(params)}`); // formatted only when logged
          this.ws.send(text);
        },
      });
    });
  }

  /** The inspector reported a pause and nothing resumed the program since. */
  get isPaused(): boolean {
    return this.gate.paused;
  }

  /** The oldest command still waiting for its answer (for error messages). */
  get waitingFor(): string | undefined {
    return this.pending.values().next().value?.method;
  }

  /** Closes the connection; every command still waiting fails now, naming itself. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gate.drain();
    this.failPending('the Node inspector connection was closed before it answered');
    this.ws.close();
    // A peer that never completes the closing handshake must not keep the socket open.
    setTimeout(() => this.ws.terminate(), 2_000).unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private startTimer(id: number, p: Pending): void {
    p.timer = setTimeout(() => this.fail(id, new DapError('TIMEOUT', `Node inspector did not answer ${p.method} within ${this.timeoutMs} ms`)), this.timeoutMs);
  }

  private fail(id: number, e: DapError): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    this.gate.settled(id);
    p.reject(e);
  }

  private onMessage(text: string): void {
    this.log.log('debug', 'backend.receive', () => `cdp ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
    let m: { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return this.log.log('warn', 'backend', `inspector sent a frame that is not JSON (${text.length} bytes)`);
    }
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      this.gate.settled(m.id);
      if (m.error) p.reject(new DapError('BACKEND_FAILED', `${p.method}: ${m.error.message}`));
      else p.resolve(m.result ?? {});
    } else if (m.method) {
      if (m.method === 'Debugger.paused') this.onPaused();
      if (m.method === 'Debugger.resumed') this.onResumed();
      this.emit(m.method, m.params ?? {});
    }
  }

  private onPaused(): void {
    const inside = this.gate.onPaused();
    const released = inside === undefined ? undefined : this.pending.get(inside);
    if (released) released.inside = true;
    // Also on later pauses (a step inside the evaluated code): still waiting for the program.
    for (const p of this.pending.values()) {
      if (!p.inside || p.suspended) continue;
      clearTimeout(p.timer);
      p.suspended = true;
    }
  }

  private onResumed(): void {
    this.gate.onResumed();
    for (const [id, p] of this.pending) {
      if (!p.suspended) continue;
      p.suspended = false;
      this.startTimer(id, p);
    }
  }

  private failPending(why: string): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new DapError('BACKEND_EXITED', `${why} ${p.method}`));
    }
    this.pending.clear();
  }

  private onClose(): void {
    this.closed = true;
    this.gate.drain();
    this.failPending('the Node inspector closed before answering');
    this.emit('close');
  }
}
