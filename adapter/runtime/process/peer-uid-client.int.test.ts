// kmirror-peer-uid through its client, against real loopback connections: the helper answers
// exact lookups (IPv4, IPv6, an IPv4 client of a dual-stack listener) with the same uid that
// /proc/net/tcp{,6} shows, names another user's connection by that user's uid, and a missing
// or stopped helper leaves checkLoopbackPeer on the /proc fallback. Needs the built helper
// (scripts/build.sh) and root for the other user's client.
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLoopbackPeer, procNetPeerUid, type SocketEnds } from '#proto/runtime/loopback-peer.js';
import { requireRoot } from '#test/harness/netns.js';
import { findPeerUidBinary, PeerUidClient } from './peer-uid-client.js';

const NOBODY = 65534;

function endsOf(s: Socket): SocketEnds {
  return { localAddress: s.localAddress ?? '', localPort: s.localPort ?? 0, remoteAddress: s.remoteAddress ?? '', remotePort: s.remotePort ?? 0 };
}

describe('kmirror-peer-uid', () => {
  requireRoot();
  const open: Array<Server | Socket> = [];
  const clients: PeerUidClient[] = [];
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) 'destroy' in o ? o.destroy() : o.close();
    for (const c of clients.splice(0)) c.close();
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  function client(binary = findPeerUidBinary()): PeerUidClient {
    const c = new PeerUidClient(binary);
    clients.push(c);
    return c;
  }

  /** A listener on `host`; resolves with the accepted end of a connection made by `connect`. */
  async function accepted(host: string, connect: (port: number) => void): Promise<Socket> {
    const server = createServer();
    open.push(server);
    const got = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    connect((server.address() as { port: number }).port);
    const s = await got;
    open.push(s);
    return s;
  }

  it('is built', () => {
    expect(findPeerUidBinary()).toBeDefined();
  });

  for (const [name, host, connectHost] of [['IPv4', '127.0.0.1', '127.0.0.1'], ['IPv6', '::1', '::1'], ['IPv4 to a dual-stack listener', '::', '127.0.0.1']] as const) {
    it(`${name}: the helper and the /proc fallback both find our own uid`, async () => {
      const s = await accepted(host, (port) => open.push(createConnection({ host: connectHost, port })));
      const helper = client();
      expect(await helper.lookup(endsOf(s))).toBe(process.getuid?.());
      expect(await procNetPeerUid(endsOf(s))).toBe(process.getuid?.());
      expect(await checkLoopbackPeer(s, { fastLookup: (e) => helper.lookup(e) })).toEqual({ allowed: true, uid: process.getuid?.() });
    });
  }

  it("names another user's connection by that user's uid, and it is refused", async () => {
    const s = await accepted('127.0.0.1', (port) => {
      // Holds the connection open until killed.
      const script = `require('net').connect(${port}, '127.0.0.1'); setInterval(() => {}, 1e6);`;
      children.push(spawn(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' }));
    });
    const helper = client();
    expect(await helper.lookup(endsOf(s))).toBe(NOBODY);
    const verdict = await checkLoopbackPeer(s, { fastLookup: (e) => helper.lookup(e) });
    expect(verdict).toMatchObject({ allowed: false, uid: NOBODY });
  });

  it('answers "not found" for a connection that does not exist', async () => {
    expect(await client().lookup({ remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 })).toBeUndefined();
  });

  it('rejects a malformed request without losing the order of later answers', async () => {
    const s = await accepted('127.0.0.1', (port) => open.push(createConnection({ host: '127.0.0.1', port })));
    const helper = client();
    const bad = helper.lookup({ remoteAddress: 'not-an-address', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 });
    const good = helper.lookup(endsOf(s));
    await expect(bad).rejects.toThrow(/bad or mixed-family addresses/);
    expect(await good).toBe(process.getuid?.());
  });

  it('a missing or stopped helper rejects lookups, and checkLoopbackPeer falls back to /proc', async () => {
    const s = await accepted('::1', (port) => open.push(createConnection({ host: '::1', port })));
    const missing = client('/nonexistent/kmirror-peer-uid');
    await expect(missing.lookup(endsOf(s))).rejects.toThrow(/not found/);
    expect(await checkLoopbackPeer(s, { fastLookup: (e) => missing.lookup(e) })).toEqual({ allowed: true, uid: process.getuid?.() });
    const stopped = client();
    stopped.close();
    await expect(stopped.lookup(endsOf(s))).rejects.toThrow(/closed/);
    expect(await checkLoopbackPeer(s, { fastLookup: (e) => stopped.lookup(e) })).toEqual({ allowed: true, uid: process.getuid?.() });
  });
});
