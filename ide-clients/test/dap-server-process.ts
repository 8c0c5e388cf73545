// A kmirror-dap started as a TCP server, the way editors that attach to a running adapter use it:
// wait for the line that names its port, then check it answers DAP `initialize`.
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { DapClient } from '#sdk/api/dap-client.js';

/** Resolves with the first match of `pattern` in the server's stdout; rejects after `ms`. */
export function waitForOutput(server: { stdout: Readable }, pattern: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output matching ${pattern} within ${ms} ms`)), ms);
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

/** Connects to the server, sends `initialize` as `clientID` and returns its capabilities. */
export async function initializeOverTcp(host: string, port: number, clientID: string): Promise<Record<string, unknown>> {
  const socket = connect({ host, port });
  try {
    const client = new DapClient(socket, socket, { requestTimeoutMs: 10_000 });
    return await client.request<Record<string, unknown>>('initialize', { adapterID: 'kmirror', clientID });
  } finally {
    socket.destroy();
  }
}
