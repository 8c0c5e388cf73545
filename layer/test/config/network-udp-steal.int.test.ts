// UDP steal through the layer: a local UDP server (Python, Node, static Go) binds the port of the pod's own
// UDP server under `kmirror exec` with incoming mode steal; a pod client (host side of the veth)
// sends datagrams to the pod and gets the local program's answers from the pod's port. The pod's
// server never answers, so any answer at all came from the local program.
// config-keys: feature.network.incoming.mode
import { createSocket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { startExec } from '../parity/kmirror-exec.js';
import { podForFile } from '../parity/pod-fixture.js';
import { startUdpServer } from '../parity/udp-server.js';
import { buildStaticGo } from './net-fixtures.js';

const apps = join(dirname(fileURLToPath(import.meta.url)), 'apps');
const env = podForFile((ns) => startUdpServer(ns, ns.podIp));
let goServer: string;

beforeAll(() => {
  goServer = buildStaticGo('localserver');
});

const NODE = `const s = require('dgram').createSocket('udp4');
s.on('message', (m, r) => { console.log('got ' + m); s.send('local ' + m, r.port, r.address); });
s.bind(Number(process.argv[1]), '0.0.0.0', () => console.log('listening'));`;

/** A pod client: sends `text` to the pod's port until an answer arrives (the steal starts right after the program's bind; bounded: 20 s); returns the answer and the port it came from. */
async function exchange(text: string): Promise<{ answer: string; fromPort: number }> {
  const sock = createSocket('udp4');
  let resend: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      deadline = setTimeout(() => reject(new Error(`no answer to "${text}" (pod got: ${env.pod.received.map((m) => m.text).join(', ')})`)), 20_000);
      resend = setInterval(() => sock.send(text, env.pod.port, env.ns.podIp), 250);
      sock.on('message', (m, r) => resolve({ answer: m.toString(), fromPort: r.port }));
      sock.send(text, env.pod.port, env.ns.podIp);
    });
  } finally {
    clearInterval(resend);
    clearTimeout(deadline);
    sock.close();
  }
}

describe('UDP steal through the layer', () => {
  const programs: Array<[string, () => string[]]> = [
    ['Python', () => ['python3', join(apps, 'udp_answer.py'), String(env.pod.port)]],
    ['Node', () => [process.execPath, '-e', NODE, String(env.pod.port)]],
    ['static Go', () => [goServer, 'udp', String(env.pod.port)]],
  ];
  for (const [name, argv] of programs) {
    it(`${name}: the pod client's datagrams reach the local program and its answers come back from the pod's port`, async () => {
      const exec = startExec({ target: `pid/${env.targetPid}`, argv: argv(), config: { feature: { network: { incoming: { mode: 'steal' } } } } });
      try {
        await exec.waitLine(/^listening$/);
        const tag = name.toLowerCase().replace(' ', '-');
        expect(await exchange(`${tag}-first`)).toEqual({ answer: `local ${tag}-first`, fromPort: env.pod.port });
        expect(await exchange(`${tag}-second`)).toEqual({ answer: `local ${tag}-second`, fromPort: env.pod.port });
        await exec.waitLine(new RegExp(`^got ${tag}-second$`));
        expect(env.pod.received.filter((m) => m.text === `${tag}-second`)).toEqual([]);
      } finally {
        await exec.stop();
      }
    });
  }
});
