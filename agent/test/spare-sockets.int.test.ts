// Outgoing connects from spare sockets (agent/src/netns/spare-sockets.ts), in a real network
// namespace: each connection lands in the target's namespace, carries its bytes both ways, a
// refused port is refused with the helper's errno and message shape, and close() releases the
// spares (later connects still work, through the helper). Needs root.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, netnsPath, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { createNetnsSockets, type NetnsSockets } from '#agent/netns/sockets.js';
import { netnsAddon } from '#agent/netns/native.js';
import { closeFixtures, tcpServerInside } from './helpers/target-fixture.js';

describe('spare netns sockets', () => {
  requireRoot();
  let ns: TestNetns;
  let sockets: NetnsSockets;
  let echoPort = 0;
  let closedPort = 0;

  beforeAll(async () => {
    ns = createNetns();
    echoPort = (await tcpServerInside(ns, (s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); s.on('error', () => undefined); })).port;
    const closed = await tcpServerInside(ns, () => undefined);
    closedPort = closed.port;
    await new Promise((resolve) => closed.server.close(resolve));
    sockets = createNetnsSockets(netnsPath(ns), { spareSockets: 2 });
  });
  afterAll(() => {
    sockets?.close();
    closeFixtures();
    cleanupAll();
  });

  async function echoRoundTrip(size: number): Promise<{ fdNetns: number; local: { port: number } }> {
    const { socket, local, remote } = await sockets.connectTcp({ address: '127.0.0.1', port: echoPort });
    expect(remote).toEqual({ address: '127.0.0.1', port: echoPort });
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    const fdNetns = netnsAddon().socketNetnsIno(fd);
    const payload = Buffer.alloc(size).map((_, i) => (i * 13) & 0xff);
    const hash = createHash('sha256');
    let got = 0;
    socket.on('data', (d: Buffer) => { hash.update(d); got += d.length; });
    socket.end(payload);
    await new Promise((resolve, reject) => { socket.on('close', resolve); socket.on('error', reject); });
    expect(got).toBe(size);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    return { fdNetns, local };
  }

  it('connects in the target namespace and carries every byte, connect after connect', async () => {
    const { statSync } = await import('node:fs');
    const targetIno = statSync(netnsPath(ns)).ino;
    const ports = new Set<number>();
    for (let i = 0; i < 8; i++) {   // more than the pool holds: taken, refilled, taken again
      const r = await echoRoundTrip(i === 0 ? 2 << 20 : 4096);
      expect(r.fdNetns).toBe(targetIno);
      ports.add(r.local.port);
    }
    expect(ports.size).toBe(8);
  });

  it('refuses a closed port like the helper does (errno code, "connect ADDR:PORT: ...")', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(sockets.connectTcp({ address: '127.0.0.1', port: closedPort })).rejects.toMatchObject({
        code: 'ECONNREFUSED', message: expect.stringMatching(new RegExp(`^connect 127\\.0\\.0\\.1:${closedPort}: `)) as unknown,
      });
    }
  });

  it('after close() connects still work (through the helper)', async () => {
    sockets.close();
    await echoRoundTrip(1024);
  });
});
