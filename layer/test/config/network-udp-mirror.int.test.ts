// UDP mirror through the layer: a local Python UDP server binds the port of the pod's own UDP
// server under `kmirror exec` with incoming mode mirror; a pod client (host side of the veth)
// sends datagrams of random bytes to the pod. The pod's app still gets every one, and the local
// program gets a copy of each as a UDP datagram, byte-exact (length and sha256 per datagram).
// config-keys: feature.network.incoming.mode
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, spawnSleepTarget, type TestNetns } from '#test/harness/netns.js';
import { startExec } from '../parity/kmirror-exec.js';
import { startUdpServer, type UdpServer } from '../parity/udp-server.js';

const COUNT = 24;
let ns: TestNetns;
let targetPid: number;
let pod: UdpServer;

const PY = `import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', int(sys.argv[1])))
print('listening', flush=True)
while True:
    d, _ = s.recvfrom(65535)
    print('got', len(d), hashlib.sha256(d).hexdigest(), flush=True)
`;

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  targetPid = await spawnSleepTarget(ns, {});
  pod = await startUdpServer(ns, ns.podIp);
});

afterAll(() => ns?.cleanup());

describe('UDP mirror through the layer', () => {
  it('the pod app gets every datagram and the local Python server a byte-exact copy of each', async () => {
    const exec = startExec({ target: `pid/${targetPid}`, argv: ['python3', '-c', PY, String(pod.port)], config: { feature: { network: { incoming: { mode: 'mirror' } } } } });
    const client = createSocket('udp4');
    try {
      await exec.waitLine(/^listening$/);
      // The layer reports the bind without holding it: the mirror starts a moment later. Send a
      // warm-up datagram until its copy arrives (bounded by waitLine's limit), then the measured ones.
      const warmup = `got 6 ${createHash('sha256').update('warmup').digest('hex')}`;
      const resend = setInterval(() => client.send('warmup', pod.port, ns.podIp), 200);
      try { await exec.waitLine(new RegExp(`^${warmup}$`)); } finally { clearInterval(resend); }
      const sent: string[] = [];
      for (let i = 0; i < COUNT; i++) {
        // Printable (the pod's server reports text), random, 1..1400 bytes: one Ethernet frame each.
        const text = randomBytes(700).toString('hex').slice(0, 1 + ((i * 331) % 1400));
        await new Promise<void>((resolve, reject) => client.send(text, pod.port, ns.podIp, (err) => (err ? reject(err) : resolve())));
        await pod.waitFor(text); // the pod's own app still gets it (and the copy is on its way)
        sent.push(`got ${text.length} ${createHash('sha256').update(text).digest('hex')}`);
      }
      await exec.waitLine(new RegExp(`^${sent[COUNT - 1]}$`));
      expect(exec.stdout.filter((l) => l.startsWith('got ') && l !== warmup)).toEqual(sent);
    } finally {
      client.close();
      await exec.stop();
    }
  });
});
