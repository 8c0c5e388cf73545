// A Chrome DevTools Protocol client for Node's inspector over a WebSocket (ws). Commands resolve
// with their result or reject with the inspector's error; events go to listeners by method name.
// Every command has a deadline so a wedged inspector cannot hang a DAP request.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { DapError } from '../../common/errors.js';
import type { BackendLogger } from '../contract.js';

const COMMAND_TIMEOUT_MS = 15_000;

interface Pending {
  method: string;
  resolve(result: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class CdpClient extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  private constructor(private readonly ws: WebSocket, private readonly log: BackendLogger) {
    super();
    ws.on('message', (data) => this.onMessage(data.toString()));
    ws.on('close', () => this.onClose());
    ws.on('error', (e) => this.log.log('warn', 'backend', `inspector socket: ${e.message}`));
  }

  /** `socket`: a byte stream already connected to the inspector (remote attach: a tunnel connection). */
  static async connect(url: string, log: BackendLogger, timeoutMs = 10_000, socket?: Duplex): Promise<CdpClient> {
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
    return new CdpClient(ws, log);
  }

  /** Sends a CDP command; resolves with its result. */
  send<T = Record<string, unknown>>(method: string, params: object = {}): Promise<T> {
    if (this.closed) return Promise.reject(new DapError('BACKEND_EXITED', `the Node inspector connection is closed (${method})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DapError('TIMEOUT', `Node inspector did not answer ${method} within ${COMMAND_TIMEOUT_MS} ms`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer });
      this.log.log('debug', 'backend.send', () => `cdp ${id} ${method} ${JSON.stringify(params)}`); // formatted only when logged
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    if (!this.closed) this.ws.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onMessage(text: string): void {
    this.log.log('debug', 'backend.receive', () => `cdp ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
    const m = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown };
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new DapError('BACKEND_FAILED', `${p.method}: ${m.error.message}`));
      else p.resolve(m.result ?? {});
    } else if (m.method) {
      this.emit(m.method, m.params ?? {});
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new DapError('BACKEND_EXITED', `the Node inspector closed before answering ${p.method}`));
    }
    this.pending.clear();
    this.emit('close');
  }
}
