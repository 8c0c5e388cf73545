import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLoopbackPeer, findSocketUid, procNetAddress, type SocketEnds } from './loopback-peer.js';

describe('procNetAddress', () => {
  it('prints addresses the way /proc/net/tcp{,6} does', () => {
    expect(procNetAddress('127.0.0.1', 4711)).toEqual({ v6: false, hex: '0100007F:1267' });
    expect(procNetAddress('::1', 80)).toEqual({ v6: true, hex: '00000000000000000000000001000000:0050' });
    expect(procNetAddress('::ffff:127.0.0.1', 1)).toEqual({ v6: true, hex: '0000000000000000FFFF00000100007F:0001' });
  });
  it('finds the uid column of the matching row only', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1267 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0',
      '   1: 0100007F:D431 0100007F:1267 01 00000000:00000000 00:00000000 00000000 65534        0 2 1 0',
    ].join('\n');
    expect(findSocketUid(table, '0100007F:D431', '0100007F:1267')).toBe(65534);
    expect(findSocketUid(table, '0100007F:D432', '0100007F:1267')).toBeUndefined();
  });
});

describe('checkLoopbackPeer on real loopback connections', () => {
  const open: Array<Server | Socket> = [];
  afterEach(() => { for (const o of open.splice(0)) 'destroy' in o ? o.destroy() : o.close(); });

  async function accepted(host: string, connectHost = host): Promise<Socket> {
    const server = createServer();
    open.push(server);
    const got = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as { port: number }).port;
    open.push(createConnection({ host: connectHost, port }));
    const s = await got;
    open.push(s);
    return s;
  }

  for (const [name, host, connectHost] of [['IPv4', '127.0.0.1', '127.0.0.1'], ['IPv6', '::1', '::1'], ['IPv4 to a dual-stack listener', '::', '127.0.0.1']] as const) {
    it(`${name}: our own connection is ours`, async () => {
      const verdict = await checkLoopbackPeer(await accepted(host, connectHost));
      expect(verdict).toEqual({ allowed: true, uid: process.getuid?.() });
    });

    it(`${name}: a fast lookup that cannot answer or finds nothing falls back to /proc`, async () => {
      const s = await accepted(host, connectHost);
      const own = { allowed: true, uid: process.getuid?.() };
      expect(await checkLoopbackPeer(s, { fastLookup: () => Promise.reject(new Error('no helper')) })).toEqual(own);
      expect(await checkLoopbackPeer(s, { fastLookup: () => Promise.resolve(undefined) })).toEqual(own);
    });
  }

  it("a fast lookup's answer is used first", async () => {
    const s = await accepted('127.0.0.1');
    const asked: SocketEnds[] = [];
    const verdict = await checkLoopbackPeer(s, { fastLookup: (ends) => { asked.push(ends); return Promise.resolve(65534); } });
    expect(verdict).toMatchObject({ allowed: false, uid: 65534 });
    expect(asked).toEqual([{ localAddress: '127.0.0.1', localPort: s.localPort, remoteAddress: '127.0.0.1', remotePort: s.remotePort }]);
  });

  it('a dual-stack client socket (as Java opens) on a v4 listener is ours', async () => {
    const server = createServer();
    open.push(server);
    const got = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // Bound to ::ffff:127.0.0.1, the client socket is AF_INET6 and sits in /proc/net/tcp6.
    open.push(createConnection({ host: '::ffff:127.0.0.1', port, localAddress: '::ffff:127.0.0.1' }));
    const s = await got;
    open.push(s);
    expect(await checkLoopbackPeer(s)).toEqual({ allowed: true, uid: process.getuid?.() });
  });
});
