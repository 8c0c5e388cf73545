// The one-shot TCP relay of the local proxy, against a real agent in a network namespace: it
// admits the connection from exactly the address the layer reported (RelayPeer) and relays its
// bytes both ways; another user's connection from the same port on another loopback address is
// refused (the owner check behind the address match). Needs root (netns, a second uid).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAll, createNetns, requireRoot } from '#test/harness/netns.js';
import { connectAgent, type AgentSession } from '#runtime/tunnel/agent-session.js';
import { startLocalAgent, type LocalAgent } from '#runtime/tunnel/local-agent.js';
import { closeFixtures, tcpServerInside } from '../../../../agent/test/helpers/target-fixture.js';
import { RelayPeers } from '../relay-peers.js';
import { relayTcp, type TcpCounters } from '../tcp-relay.js';

const NOBODY = 65534;

describe('TCP relay admission', () => {
  requireRoot();
  let agent: LocalAgent | undefined;
  let session: AgentSession;
  let echoPort = 0;
  const children: ChildProcess[] = [];
  const counters = (): TcpCounters => ({ connections: 0, active: 0, workstationToPodBytes: 0, podToWorkstationBytes: 0 });

  beforeAll(async () => {
    const ns = createNetns();
    echoPort = (await tcpServerInside(ns, (s) => { s.on('data', (d) => s.write(d)); s.on('end', () => s.end()); s.on('error', () => undefined); })).port;
    agent = await startLocalAgent({ target: `netns/${ns.name}` });
    session = await connectAgent({ url: agent.url, token: agent.token, clientName: 'relay-admission' });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await session?.close();
    await agent?.stop();
    closeFixtures();
    cleanupAll();
  });

  it('relays every byte of the connection from the reported address', async () => {
    const peers = new RelayPeers();
    const c = counters();
    const relay = await relayTcp(session, '127.0.0.1', echoPort, false, c, peers.expect(1));
    const payload = Buffer.alloc(3 << 20, 0).map((_, i) => (i * 7) & 0xff);
    const sock = createConnection({ host: relay.address, port: relay.port });
    sock.on('connect', () => peers.tell(1, { address: sock.localAddress ?? '', port: sock.localPort ?? 0 }));
    const echoed = createHash('sha256');
    let got = 0;
    sock.on('data', (d: Buffer) => { echoed.update(d); got += d.length; });
    sock.end(payload);
    await new Promise((resolve, reject) => { sock.on('close', resolve); sock.on('error', reject); });
    expect(got).toBe(payload.length);
    expect(echoed.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(c).toMatchObject({ connections: 1, workstationToPodBytes: payload.length, podToWorkstationBytes: payload.length });
  });

  it("refuses another user's connection from the reported port on another loopback address, then admits ours", async () => {
    const peers = new RelayPeers();
    const relay = await relayTcp(session, '127.0.0.1', echoPort, false, counters(), peers.expect(2));
    // A kernel-picked port, free again: ours will connect from 127.0.0.1 with it, nobody's from 127.0.0.2.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    peers.tell(2, { address: '127.0.0.1', port });
    // nobody connects from 127.0.0.2:<port> and reports what it got before the relay closed it.
    const script = `const s=require('net').createConnection({host:'${relay.address}',port:${relay.port},localAddress:'127.0.0.2',localPort:${port}});` +
      `let c=0,got='';s.on('connect',()=>{c=1;s.write('stolen?')});s.on('data',(d)=>got+=d);s.on('error',()=>{});s.on('close',()=>console.log('closed:'+c+':'+got))`;
    const child = spawn(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out.trim()).toBe('closed:1:');   // it did connect (to the listener) and got nothing
    const sock = createConnection({ host: relay.address, port: relay.port, localAddress: '127.0.0.1', localPort: port });
    let echoed = '';
    sock.on('data', (d: Buffer) => (echoed += d.toString()));
    sock.end('ours');
    await new Promise((resolve, reject) => { sock.on('close', resolve); sock.on('error', reject); });
    expect(echoed).toBe('ours');
  });
});
