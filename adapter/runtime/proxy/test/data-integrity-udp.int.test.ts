// No datagram lost at session end (issue 14, item 2), through the proxy's UDP relays and a real
// agent in a network namespace. A real program (python3) sends a known set of sequence-numbered
// datagrams and exits at once; the session ends right behind it, as `kmirror exec` ends it. The
// far side must receive every datagram: the same count, in order, with the same sha256 of their
// concatenation. Outgoing: program → relay → agent → a server in the target. Stolen: a pod client
// → the agent's stolen port → the program's UDP socket, whose answers go back to the pod client.
import { spawn } from 'node:child_process';
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectAgent } from '#runtime/tunnel/agent-session.js';
import type { SessionPolicy } from '#runtime/config/policy.js';
import { sha256 } from '../../../../agent/test/helpers/integrity.js';
import { netnsAgentForFile } from '../../../../agent/test/helpers/netns-agent.js';
import { IncomingService } from '../incoming.js';
import { UdpRelays } from '../udp-relay.js';

const COUNT = 64;
const SIZE = 1024;   // 64 KiB in all: a burst that fits the default socket buffers on every hop
/** Bounded wait for datagrams that never come (UDP has no end of stream to wait for). */
const LOSS_WAIT_MS = 10_000;
const env = netnsAgentForFile();

/** COUNT datagrams: a 4-byte sequence number, then random bytes. */
function datagrams(): Buffer[] {
  return Array.from({ length: COUNT }, (_, i) => { const d = randomBytes(SIZE); d.writeUInt32BE(i, 0); return d; });
}

function summary(list: Buffer[]): { count: number; sequence: number[]; sha: string } {
  return { count: list.length, sequence: list.map((d) => d.readUInt32BE(0)), sha: sha256(Buffer.concat(list)) };
}

/** Resolves with what arrived once `COUNT` datagrams did, or after LOSS_WAIT_MS with what did (the loss). */
function collect(subscribe: (on: (d: Buffer) => void) => void): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const timer = setTimeout(() => resolve(got), LOSS_WAIT_MS);
    subscribe((d) => { got.push(d); if (got.length === COUNT) { clearTimeout(timer); resolve(got); } });
  });
}

/** A UDP server in the target on a kernel-picked port; every datagram it gets is one hex line. */
async function serverInTarget(address: string): Promise<{ port: number; lines: (on: (d: Buffer) => void) => void }> {
  const child = env.ns.spawn(process.execPath, ['-e', `
    const s = require('dgram').createSocket('udp4');
    s.on('message', (m) => console.log(m.toString('hex')));
    s.bind(0, process.argv[1], () => console.log('port ' + s.address().port));`, address]);
  const handlers: Array<(d: Buffer) => void> = [];
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('port ')) resolve(Number(line.slice(5)));
      else for (const h of handlers) h(Buffer.from(line, 'hex'));
    });
    child.once('exit', (code) => reject(new Error(`UDP server in the target exited (${code})`)));
  });
  return { port, lines: (on) => handlers.push(on) };
}

/** Runs python3 `script` with the datagrams on stdin (SIZE bytes each); resolves at its exit. */
function program(script: string, args: string[], list: Buffer[], onLine: (line: string) => void = () => undefined): Promise<number | null> {
  const child = spawn('python3', ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout }).on('line', onLine);
  child.stdin.end(Buffer.concat(list));
  return new Promise((resolve) => child.once('exit', resolve));
}

const SEND_AND_EXIT = `import os, socket, sys
data = sys.stdin.buffer.read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(0, len(data), ${SIZE}):
    s.sendto(data[i:i + ${SIZE}], ('127.0.0.1', int(sys.argv[1])))
os._exit(0)
`;

/** Binds a UDP port, says which, waits for one datagram, answers it with every datagram and exits. */
const ANSWER_AND_EXIT = `import os, socket, sys
data = sys.stdin.buffer.read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
_, peer = s.recvfrom(65536)
for i in range(0, len(data), ${SIZE}):
    s.sendto(data[i:i + ${SIZE}], peer)
os._exit(0)
`;

describe('UDP: every datagram a program sent before it exited arrives while the session ends', () => {
  it('outgoing: program → the proxy relay → a server in the target', async () => {
    const server = await serverInTarget('127.0.0.1');
    const session = await connectAgent({ url: env.agent.url, token: env.agent.token, clientName: 'udp-outgoing' });
    const relays = new UdpRelays(() => session, true, () => undefined, () => undefined);
    const sent = datagrams();
    const arrived = collect(server.lines);
    const relayPort = await relays.relayFor('127.0.0.1', server.port);
    expect(await program(SEND_AND_EXIT, [String(relayPort)], sent)).toBe(0);
    // What `kmirror exec` does when the program exits: the proxy closes, then the session.
    await relays.close();
    await session.close();
    expect(summary(await arrived)).toEqual(summary(sent));
  });

  it('stolen: the program\'s answers reach the pod client', async () => {
    // The original app in the pod: a UDP socket on a kernel-picked port of every address.
    const app = await serverInTarget('0.0.0.0');
    const sent = datagrams();
    let programPort!: (p: number) => void;
    const bound = new Promise<number>((resolve) => { programPort = resolve; });
    const exited = program(ANSWER_AND_EXIT, [], sent, (line) => programPort(Number(line)));
    const localPort = await bound;
    const session = await connectAgent({ url: env.agent.url, token: env.agent.token, clientName: 'udp-steal' });
    const policy: SessionPolicy['incoming'] = { mode: 'steal', ignorePorts: [], portMapping: new Map([[localPort, app.port]]), ignoreLocalhost: false };
    const incoming = new IncomingService(() => session, policy, () => undefined);
    expect(await incoming.onListen('udp', localPort, '127.0.0.1')).toEqual({ subscribed: true });
    const client: DgramSocket = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => client.connect(app.port, env.ns.podIp, resolve));
      const arrived = collect((on) => client.on('message', on));
      client.send('go');
      expect(await exited).toBe(0);
      await incoming.close();
      await session.close();
      expect(summary(await arrived)).toEqual(summary(sent));
    } finally {
      client.close();
    }
  });
});
