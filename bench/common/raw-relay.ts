// The floor of any user-space relay, for the tunnel benchmark: a separate Node process that pipes
// one loopback connection into a socket already connected inside the namespace — the same two
// kernel hops and process hand-offs as the agent's relay, without framing, WebSocket or flow
// control. The namespace socket is opened here (the addon's helper thread) and passed to the child
// as its fd 3; the child reports its CPU seconds when the connection is over.
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { netnsAddon } from '#agent/netns/native.js';

const RELAY_SCRIPT = `const net = require('net');
const up = new net.Socket({ fd: 3, readable: true, writable: true, allowHalfOpen: true });
const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (c) => {
  server.close();
  c.pipe(up); up.pipe(c);
  let closed = 0;
  const done = () => { if (++closed === 2) { const u = process.cpuUsage(); console.log(JSON.stringify({ cpu: (u.user + u.system) / 1e6 })); process.exit(0); } };
  c.on('close', done); up.on('close', done);
  c.on('error', () => up.destroy()); up.on('error', () => c.destroy());
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));`;

export interface RawRelay {
  /** A connection to the relay, which carries it to `port` inside the namespace. */
  socket: Socket;
  /** The relay process's CPU seconds, once the connection is over. */
  cpuSeconds: Promise<number>;
}

/** Starts a relay process for one connection to 127.0.0.1:`port` inside `netns` (a netns file path). */
export async function rawRelay(netns: string, port: number): Promise<RawRelay> {
  const { fd } = await netnsAddon().netnsSocket({ netns, family: 4, type: 'tcp', connect: { address: '127.0.0.1', port }, timeoutMs: 5000 });
  const child = spawn(process.execPath, ['-e', RELAY_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit', fd] });
  closeSync(fd); // the child holds the connection now
  const lines = createInterface({ input: child.stdout! });
  const next = (): Promise<Record<string, number>> => new Promise((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, number>));
    child.once('exit', (code) => reject(new Error(`raw relay exited (${code})`)));
  });
  const { port: relayPort } = await next();
  const cpuSeconds = next().then((r) => r.cpu ?? NaN);
  const socket = connect({ port: relayPort ?? 0, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return { socket, cpuSeconds };
}
