// One HTTP(S) GET through the agent: the name is resolved inside the target, the connection is
// opened from inside its network namespace, and Node's own HTTP client speaks over it.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { AgentSession } from '#runtime/tunnel/agent-session.js';

export interface FetchResult {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function fetchThroughTunnel(session: AgentSession, url: string, opts: { timeoutMs?: number } = {}): Promise<FetchResult> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`fetch ${url}: only http and https URLs are supported`);
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const address = net.isIP(host) ? host : (await session.resolve(host))[0];
  if (!address) throw new Error(`fetch ${url}: ${host} did not resolve in ${session.target}`);
  const tunnelSocket = await session.connectTcp(address, port, { timeoutMs });
  const socket = u.protocol === 'https:' ? tls.connect({ socket: tunnelSocket, servername: net.isIP(host) ? undefined : host }) : tunnelSocket;
  return new Promise<FetchResult>((resolve, reject) => {
    const req = http.request({
      method: 'GET', host, port, path: `${u.pathname}${u.search}`,
      headers: { host: u.host, 'user-agent': 'kmirror-probe', connection: 'close' },
      // Safe: http only needs a Duplex to speak HTTP/1.1 on.
      createConnection: () => socket as unknown as net.Socket,
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.length;
        if (size > MAX_BODY_BYTES) return req.destroy(new Error(`fetch ${url}: body larger than ${MAX_BODY_BYTES} bytes`));
        chunks.push(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`fetch ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => {
      socket.destroy();
      reject(err);
    });
    req.end();
  });
}
