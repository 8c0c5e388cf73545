import { createServer, connect, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { compileRequestMatcher } from './http-request-match.js';
import { MirrorDelivery } from './mirror-delivery.js';

const servers: Server[] = [];
afterEach(async () => { for (const s of servers.splice(0)) await new Promise((r) => s.close(r)); });

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function waitUntil(check: () => boolean): Promise<void> {
  return new Promise((resolve) => { const t = setInterval(() => { if (check()) { clearInterval(t); resolve(); } }, 5); });
}

const req = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: pod\r\n${extra}\r\n`;

describe('MirrorDelivery', () => {
  it('delivers every request of a keep-alive stream to a server that closes after each response', async () => {
    const seen: string[] = [];
    const server = createHttpServer((q, s) => { seen.push(q.url ?? ''); s.setHeader('connection', 'close'); s.end('ok'); });
    const port = await listen(server);
    const counters = { delivered: 0, filtered: 0, dropped: 0 };
    const d = new MirrorDelivery(() => connect({ port, host: '127.0.0.1' }), undefined, counters);
    d.push(Buffer.from(req('/1') + req('/2') + 'POST /3 HTTP/1.1\r\nHost: pod\r\nContent-Length: 5\r\n\r\nhel'));
    d.push(Buffer.from('lo' + req('/4')));
    d.end();
    await waitUntil(() => counters.delivered === 4);
    expect(seen).toEqual(['/1', '/2', '/3', '/4']);
  });

  it('applies the http_filter: only matching requests reach the program', async () => {
    const seen: string[] = [];
    const port = await listen(createHttpServer((q, s) => { seen.push(q.url ?? ''); s.end('ok'); }));
    const counters = { delivered: 0, filtered: 0, dropped: 0 };
    const matcher = compileRequestMatcher({ anyOf: [{ pathFilter: '^/api' }, { headerFilter: '^x-debug: 1$' }] });
    const d = new MirrorDelivery(() => connect({ port, host: '127.0.0.1' }), matcher, counters);
    d.push(Buffer.from(req('/api/a') + req('/other') + req('/other2', 'x-debug: 1\r\n') + req('/api/b')));
    d.end();
    await waitUntil(() => counters.delivered + counters.filtered === 4);
    expect(seen).toEqual(['/api/a', '/other2', '/api/b']);
    expect(counters.filtered).toBe(1);
  });

  it('a stream that is not HTTP goes to the program as raw bytes', async () => {
    let got = '';
    const port = await listen(createServer((s) => s.on('data', (d: Buffer) => { got += d.toString(); })));
    const d = new MirrorDelivery(() => connect({ port, host: '127.0.0.1' }), undefined, { delivered: 0, filtered: 0, dropped: 0 });
    d.push(Buffer.from('*1\r\n$4\r\nPING\r\n'));
    d.push(Buffer.from('more'));
    await waitUntil(() => got === '*1\r\n$4\r\nPING\r\nmore');
    d.destroy();
  });
});
