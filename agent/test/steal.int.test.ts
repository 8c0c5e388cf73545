// Steal with real namespaces and the real km_steal program: unfiltered and HTTP-filtered steal,
// clients inside the namespace (loopback) and outside (through the veth), IPv6, UDP, probe
// exemption, half-close/reset semantics, bad input, and no leftovers.
import net from 'node:net';
import http from 'node:http';
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { ipv6Of } from '#test/harness/netns.js';
import { isTunnelError } from '#proto/runtime/errors.js';
import { answerHttp, TestSink } from './helpers/test-sink.js';
import { curlInside, heldBpf, startPodServer, stillLoaded, waitFor } from './helpers/pod.js';
import { useIncomingPod } from './helpers/incoming-pod.js';

const PORT = 8080;
const pod = useIncomingPod(PORT);

function get(url: string, opts: http.RequestOptions = {}): Promise<{ body: string; socketPort: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { timeout: 5_000, agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      const socketPort = res.socket.localPort ?? 0;
      res.on('end', () => resolve({ body, socketPort }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function expectTunnelError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(isTunnelError(err), `expected TunnelError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}


describe('unfiltered steal', () => {
  it('steals connections from outside (veth) and inside (loopback), with source and original destination', async () => {
    expect((await get(`http://${pod.ns.podIp}:${PORT}/before`)).body).toMatch(/^ORIGINAL GET \/before/);
    const sink = new TestSink(answerHttp('STOLEN'));
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, sink);
    try {
      expect((await get(`http://${pod.ns.podIp}:${PORT}/outside`)).body).toBe(`STOLEN GET /outside from=${pod.ns.hostIp} to=${pod.ns.podIp}:${PORT}`);
      expect(await curlInside(pod.ns, `http://127.0.0.1:${PORT}/inside`)).toBe(`STOLEN GET /inside from=127.0.0.1 to=127.0.0.1:${PORT}`);
      expect(await curlInside(pod.ns, `http://[::1]:${PORT}/v6lo`)).toBe(`STOLEN GET /v6lo from=::1 to=::1:${PORT}`);
      expect(sink.connections.map((c) => c.info.mode)).toEqual(['steal', 'steal', 'steal']);
      expect(pod.service.steal.stats()).toMatchObject({ assigned: 3, assignErrors: 0 });
    } finally {
      sub.close();
    }
    // Unsubscribe detaches at once.
    expect((await get(`http://${pod.ns.podIp}:${PORT}/after`)).body).toMatch(/^ORIGINAL GET \/after/);
  });

  it('steals IPv6 connections through the veth', async () => {
    const [, podV6] = ipv6Of(pod.ns);
    const sink = new TestSink(answerHttp('STOLEN6'));
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, sink);
    try {
      expect((await get(`http://[${podV6}]:${PORT}/six`)).body).toMatch(new RegExp(`^STOLEN6 GET /six from=.*::1 to=${podV6}:${PORT}$`));
    } finally {
      sub.close();
    }
  });

  it('relays half-close both ways and byte-exact payloads', async () => {
    const sink = new TestSink((c) => {
      const parts: Buffer[] = [];
      c.stream.on('data', (d: Buffer) => parts.push(d));
      c.stream.on('end', () => {
        const got = Buffer.concat(parts);
        c.stream.end(Buffer.concat([Buffer.from(`got ${got.length} `), got.subarray(0, 8)]));
      });
    });
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, sink);
    try {
      const payload = Buffer.alloc(300_000, 'x');
      const answer = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: pod.ns.podIp, port: PORT, allowHalfOpen: true });
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString()));
        s.on('end', () => { s.end(); resolve(out); });
        s.on('error', reject);
        s.end(payload); // FIN after the payload; the answer still arrives (half-close)
      });
      expect(answer).toBe('got 300000 xxxxxxxx');
    } finally {
      sub.close();
    }
  });

  it('turns a workstation reset into a TCP reset and the client vanishing mid-relay into a reset', async () => {
    const sink = new TestSink((c) => c.stream.once('data', () => c.stream.destroy(new Error('workstation app crashed'))));
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, sink);
    try {
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const s = net.connect({ host: pod.ns.podIp, port: PORT });
        s.on('error', resolve);
        s.on('close', () => resolve(Object.assign(new Error('closed without reset'), { code: 'NONE' })));
        s.write('hello');
      });
      expect(err.code).toBe('ECONNRESET');
    } finally {
      sub.close();
    }
  });

  it('refuses a second unfiltered steal of a port (ALREADY_EXISTS) and bad input (INVALID_ARGUMENT)', async () => {
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, new TestSink(answerHttp('A')));
    try {
      await expectTunnelError(pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, new TestSink()), 'ALREADY_EXISTS', /tcp\/8080.*already stolen/);
      await expectTunnelError(pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '^/x' } }, new TestSink()), 'ALREADY_EXISTS', /without a filter/);
    } finally {
      sub.close();
    }
    for (const port of [0, -1, 65536, 1.5, Number.NaN]) {
      await expectTunnelError(pod.service.subscribe({ port, mode: 'steal', transport: 'tcp' }, new TestSink()), 'INVALID_ARGUMENT', /not a port number/);
    }
    await expectTunnelError(pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '(' } }, new TestSink()), 'INVALID_ARGUMENT', /path_filter: invalid pattern "\(" at position 1: /);
    await expectTunnelError(pod.service.subscribe({ port: PORT, mode: 'mirror', transport: 'tcp', httpFilter: { pathFilter: 'x' } }, new TestSink()), 'INVALID_ARGUMENT', /TCP steal only/);
    // After the refusals the port is free again.
    expect((await get(`http://${pod.ns.podIp}:${PORT}/free`)).body).toMatch(/^ORIGINAL/);
  });

  it('mirrors a port that is stolen at the same time (capture runs before the socket lookup)', async () => {
    const thief = new TestSink(answerHttp('STOLEN'));
    const observer = new TestSink();
    const steal = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, thief);
    const mirror = await pod.service.subscribe({ port: PORT, mode: 'mirror', transport: 'tcp' }, observer);
    try {
      const copy = observer.next();
      expect((await get(`http://${pod.ns.podIp}:${PORT}/both`)).body).toMatch(/^STOLEN GET \/both/);
      const c = await copy;
      const text = await new Promise<string>((resolve) => {
        let t = '';
        c.stream.on('data', (d: Buffer) => { t += d.toString(); if (t.includes('\r\n\r\n')) resolve(t); });
      });
      expect(text).toMatch(/^GET \/both HTTP\/1.1\r\n/);
      expect(c.info.mode).toBe('mirror');
    } finally {
      mirror.close();
      steal.close();
    }
  });

  it('serves several clients on different ports of one target', async () => {
    const other = 9090;
    await startPodServer(pod.ns, other);
    const a = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, new TestSink(answerHttp('CLIENT-A')));
    const b = await pod.service.subscribe({ port: other, mode: 'steal', transport: 'tcp' }, new TestSink(answerHttp('CLIENT-B')));
    try {
      expect((await get(`http://${pod.ns.podIp}:${PORT}/`)).body).toMatch(/^CLIENT-A /);
      expect((await get(`http://${pod.ns.podIp}:${other}/`)).body).toMatch(/^CLIENT-B /);
      b.close();
      expect((await get(`http://${pod.ns.podIp}:${other}/`)).body).toMatch(/^ORIGINAL /);
      expect((await get(`http://${pod.ns.podIp}:${PORT}/`)).body).toMatch(/^CLIENT-A /);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('HTTP-filtered steal', () => {
  it('routes matching requests to the client and the rest to the original app on one keep-alive connection', async () => {
    const sink = new TestSink(answerHttp('STOLEN'));
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { anyOf: [{ headerFilter: '^x-kmirror: yes$' }, { pathFilter: '^/mine/' }] } }, sink);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `http://${pod.ns.podIp}:${PORT}`;
      const r1 = await get(`${url}/a`, { agent });
      const r2 = await get(`${url}/b`, { agent, headers: { 'x-kmirror': 'yes' } });
      const r3 = await get(`${url}/mine/c`, { agent });
      const r4 = await get(`${url}/d`, { agent, method: 'POST' });
      expect([r1.body, r2.body, r3.body, r4.body]).toEqual([
        'ORIGINAL GET /a len=0 sha=e3b0c44298fc1c14',
        `STOLEN GET /b from=${pod.ns.hostIp} to=${pod.ns.podIp}:${PORT}`,
        `STOLEN GET /mine/c from=${pod.ns.hostIp} to=${pod.ns.podIp}:${PORT}`,
        'ORIGINAL POST /d len=0 sha=e3b0c44298fc1c14',
      ]);
      expect(new Set([r1.socketPort, r2.socketPort, r3.socketPort, r4.socketPort]).size).toBe(1); // one keep-alive connection
      expect(sink.connections).toHaveLength(1); // both stolen requests on one workstation stream
    } finally {
      agent.destroy();
      sub.close();
    }
  });

  it('routes 1 MB request bodies whole to either side on one connection', async () => {
    let stolenBody = Buffer.alloc(0);
    const sink = new TestSink((c) => {
      const parts: Buffer[] = [];
      c.stream.on('data', (d: Buffer) => {
        parts.push(d);
        const all = Buffer.concat(parts);
        const head = all.indexOf('\r\n\r\n');
        if (head >= 0 && all.length >= head + 4 + (1 << 20)) {
          stolenBody = all.subarray(head + 4);
          c.stream.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nSTOLEN');
        }
      });
    });
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '^/mine' } }, sink);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = Buffer.alloc(1 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff;
    const post = (path: string): Promise<string> => new Promise((resolve, reject) => {
      const req = http.request(`http://${pod.ns.podIp}:${PORT}${path}`, { method: 'POST', agent, headers: { 'content-length': body.length } }, (res) => {
        let t = '';
        res.on('data', (d: Buffer) => (t += d.toString()));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end(body);
    });
    try {
      const sha = (await import('node:crypto')).createHash('sha256').update(body).digest('hex').slice(0, 16);
      expect(await post('/app')).toBe(`ORIGINAL POST /app len=${1 << 20} sha=${sha}`);
      expect(await post('/mine')).toBe('STOLEN');
      expect(stolenBody.equals(body)).toBe(true);
      expect(await post('/app2')).toBe(`ORIGINAL POST /app2 len=${1 << 20} sha=${sha}`);
    } finally {
      agent.destroy();
      sub.close();
    }
  });

  it('keeps response order for pipelined requests split between the client and the original app', async () => {
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { methodFilter: '^PUT$' } }, new TestSink(answerHttp('STOLEN')));
    try {
      const reqs = ['GET /1', 'PUT /2', 'GET /3', 'PUT /4', 'GET /5'].map((l) => `${l} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`).join('');
      const raw = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: pod.ns.podIp, port: PORT });
        let out = '';
        s.on('data', (d: Buffer) => {
          out += d.toString();
          if ((out.match(/HTTP\/1\.1 200/g) ?? []).length === 5 && /GET \/5[^\n]*$/.test(out)) { s.destroy(); resolve(out); }
        });
        s.on('error', reject);
        s.write(reqs);
      });
      const order = [...raw.matchAll(/(ORIGINAL|STOLEN) (GET|PUT) \/(\d)/g)].map((m) => `${m[1]} ${m[3]}`);
      expect(order).toEqual(['ORIGINAL 1', 'STOLEN 2', 'ORIGINAL 3', 'STOLEN 4', 'ORIGINAL 5']);
    } finally {
      sub.close();
    }
  });

  it('hands an upgraded connection (WebSocket-style) to the side that accepted the upgrade', async () => {
    const sink = new TestSink((c) => {
      let upgraded = false;
      c.stream.on('data', (d: Buffer) => {
        if (!upgraded) {
          upgraded = true;
          c.stream.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: kmtest\r\nConnection: Upgrade\r\n\r\n');
          return;
        }
        c.stream.write(Buffer.concat([Buffer.from('echo:'), d]));
      });
    });
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '^/ws' } }, sink);
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: pod.ns.podIp, port: PORT });
        let out = '';
        s.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\r\n\r\n') && !out.includes('echo:') && !s.writableEnded) s.write('raw-frame');
          if (out.includes('echo:raw-frame')) { s.destroy(); resolve(out); }
        });
        s.on('error', reject);
        s.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: kmtest\r\n\r\n');
      });
      expect(got).toMatch(/^HTTP\/1.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\necho:raw-frame$/);
    } finally {
      sub.close();
    }
  });

  it('passes a connection that is not HTTP through to the original app unchanged', async () => {
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '.' } }, new TestSink(answerHttp('STOLEN')));
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: pod.ns.podIp, port: PORT });
        let out = '';
        s.on('data', (d: Buffer) => (out += d.toString()));
        s.on('close', () => resolve(out));
        s.on('error', reject);
        s.end('\x16\x03\x01 not http at all\r\n\r\n');
      });
      expect(got).toMatch(/^HTTP\/1.1 400 Bad Request/); // answered by the original app's HTTP parser
    } finally {
      sub.close();
    }
  });

  it('lets two filtered steals share a port (first match wins)', async () => {
    const a = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '^/a' } }, new TestSink(answerHttp('A')));
    const b = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp', httpFilter: { pathFilter: '^/b' } }, new TestSink(answerHttp('B')));
    try {
      expect((await get(`http://${pod.ns.podIp}:${PORT}/a`)).body).toMatch(/^A GET \/a/);
      expect((await get(`http://${pod.ns.podIp}:${PORT}/b`)).body).toMatch(/^B GET \/b/);
      expect((await get(`http://${pod.ns.podIp}:${PORT}/c`)).body).toMatch(/^ORIGINAL GET \/c/);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('probe exemption, UDP, leftovers', () => {
  it('lets exempt sources (kubelet probes) reach the original app during a steal', async () => {
    const probeService = pod.newService({ probeSources: [`${pod.ns.hostIp}/32`] });
    const sub = await probeService.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, new TestSink(answerHttp('STOLEN')));
    try {
      expect((await get(`http://${pod.ns.podIp}:${PORT}/healthz`)).body).toMatch(/^ORIGINAL GET \/healthz/);
      expect(await curlInside(pod.ns, `http://127.0.0.1:${PORT}/app`)).toMatch(/^STOLEN GET \/app/);
      expect(probeService.steal.stats()).toMatchObject({ exempted: 1, assigned: 1 });
    } finally {
      sub.close();
      await probeService.close();
    }
  });

  it('steals UDP datagrams and relays the answers', async () => {
    const sink = new TestSink((c) => c.stream.on('data', (d: Buffer) => c.stream.write(Buffer.concat([Buffer.from('STOLEN-UDP '), d]))));
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'udp' }, sink);
    const sock = dgram.createSocket('udp4');
    // A connected socket only accepts answers from the address and port it sent to.
    await new Promise<void>((resolve) => sock.connect(PORT, pod.ns.podIp, resolve));
    try {
      const reply = new Promise<[string, number]>((resolve) => sock.once('message', (m, rinfo) => resolve([m.toString(), rinfo.port])));
      sock.send('ping');
      expect(await Promise.race([reply, new Promise((_, rej) => setTimeout(() => rej(new Error('no UDP reply within 30 s')), 30_000))])).toEqual(['STOLEN-UDP ping', PORT]);
      expect(sink.connections[0]?.info).toMatchObject({ transport: 'udp', mode: 'steal', source: { address: pod.ns.hostIp } });
      await expectTunnelError(pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'udp' }, new TestSink()), 'ALREADY_EXISTS', /udp\/8080/);
    } finally {
      sub.close();
    }
    const reply = new Promise<string>((resolve) => sock.once('message', (m) => resolve(m.toString())));
    sock.send('ping');
    expect(await reply).toBe('ORIGINAL-UDP ping');
    sock.close();
  });

  it('leaves no program, map or link behind once every subscription is closed', async () => {
    const sub = await pod.service.subscribe({ port: PORT, mode: 'steal', transport: 'tcp' }, new TestSink(answerHttp('X')));
    const held = heldBpf();
    const loaded = await stillLoaded(held);
    expect(loaded).toEqual(expect.arrayContaining([expect.stringMatching(/^prog \d+ km_steal$/), expect.stringMatching(/^map \d+ km_steal_socks$/), expect.stringMatching(/^link /)]));
    sub.close();
    await waitFor('our km_ objects to go', async () => ((await stillLoaded(held)).length === 0 ? true : undefined));
  });
});
