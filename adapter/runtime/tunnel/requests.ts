// Request/response exchanges on a fresh stream: one request frame, one answer (or Error).
import type { StreamHandler, TunnelConnection } from '#proto/runtime/connection.js';
import { TunnelError } from '#proto/runtime/errors.js';
import type { Msg, MsgKind, MsgOf } from '#proto/runtime/messages.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Opens a stream, sends `request` and resolves with the first answer of kind `expect`. The
 * stream stays attached to `keep` (if given) after the answer, for long-lived streams.
 */
export function request<K extends MsgKind>(conn: TunnelConnection, req: Msg, expect: K, what: string,
  opts: { timeoutMs?: number; keep?: (streamId: number, answer: MsgOf<K>) => void } = {}): Promise<MsgOf<K>> {
  return new Promise((resolve, reject) => {
    if (conn.closed) return reject(new TunnelError('UNAVAILABLE', `${what}: the tunnel is closed`));
    let done = false;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const settle = (): void => {
      done = true;
      clearTimeout(timer);
    };
    const handler: StreamHandler = {
      onMessage(msg) {
        if (done) return;
        settle();
        if (msg.kind === 'error') {
          conn.detach(id);
          return reject(new TunnelError(msg.code, msg.message));
        }
        if (msg.kind !== expect) {
          conn.sendStreamError(id, 'PROTOCOL_VIOLATION', `${what}: expected ${expect}, got ${msg.kind}`);
          return reject(new TunnelError('PROTOCOL_VIOLATION', `${what}: the agent answered ${msg.kind} instead of ${expect}`));
        }
        if (opts.keep) opts.keep(id, msg as MsgOf<K>);
        else conn.detach(id);
        resolve(msg as MsgOf<K>);
      },
      onConnectionClosed(err) {
        if (done) return;
        settle();
        reject(new TunnelError(err.code, `${what}: ${err.message}`));
      },
    };
    const id = conn.openStream(handler);
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      conn.send(id, { kind: 'close', reset: true, reason: 'timed out' });
      conn.detach(id);
      reject(new TunnelError('TIMED_OUT', `${what}: no answer from the agent within ${timeoutMs} ms`));
    }, timeoutMs);
    conn.send(id, req);
  });
}
