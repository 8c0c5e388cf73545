// IPv6 through the layer: the target's namespace has only an IPv6 nameserver, which answers a name
// with an AAAA record (no A record) of the pod's v6 address. Programs (C, Python, Node, static Go)
// under `kmirror exec` resolve the name and connect over TCP and UDP to the v6 address, and connect
// to a literal v6 address of a server on the workstation's side. Every server answers with the
// address the client came from: the pod's v6 address means the connection went through the target.
// A program listening on [::] steals the pod's v6 port.
// config-keys: feature.network.outgoing, feature.network.dns, feature.network.incoming.mode
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, ipv6Of, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { execToEnd, startExec } from '../parity/kmirror-exec.js';
import { httpFetch, startPodHttp } from '../parity/pod-http.js';
import { startTarget } from '../parity/target.js';
import { buildProbes, parseProbe, startDns, startPeerEcho, stopHostProcesses, type DnsServer, type PeerEcho, type Probes } from './net-fixtures.js';

const NAME = 'only-v6.kmirror.test';
let ns: TestNetns;
let etc: string;
let targetPid: number;
let probes: Probes;
let hostV6: string;
let podV6: string;
let pod: PeerEcho;
let host: PeerEcho;
let dns: DnsServer;

beforeAll(async () => {
  requireRoot();
  probes = buildProbes();
  ns = createNetns({ ipv6: true });
  [hostV6, podV6] = ipv6Of(ns);
  etc = `/etc/netns/${ns.name}`;
  mkdirSync(etc, { recursive: true });
  writeFileSync(`${etc}/resolv.conf`, `nameserver ${podV6}\noptions timeout:2 attempts:2\n`);
  dns = await startDns(ns, podV6, { [NAME]: [podV6] });
  [pod, host] = await Promise.all([startPeerEcho(ns, podV6, 'pod6'), startPeerEcho('host', hostV6, 'host6')]);
  targetPid = await startTarget(ns, 'true');
});

afterAll(() => {
  stopHostProcesses();
  ns?.cleanup();
  if (etc) rmSync(etc, { recursive: true, force: true });
});

describe('IPv6 through the layer', () => {
  for (const lang of ['c', 'python', 'node', 'go-static'] as const) {
    it(`${lang}: an AAAA answer from the target's v6 nameserver, TCP and UDP to the v6 pod address, and a literal v6 destination, all through the target`, async () => {
      const dests = [`tcp,${NAME},${pod.tcp}`, `udp,${NAME},${pod.udp}`, `tcp,${hostV6},${host.tcp}`];
      const before = dns.queries.length;
      const r = await execToEnd({ target: `pid/${targetPid}`, argv: [...probes[lang], ...dests], config: { feature: { network: { incoming: 'off' } } } });
      expect(r.code, r.stderr).toBe(0);
      const got = parseProbe(r.stdout);
      expect(Object.fromEntries(dests.map((d) => [d, got.get(d)])), r.stdout + r.stderr).toEqual({
        [dests[0]!]: { addr: podV6, said: `pod6 peer=${podV6}` },
        [dests[1]!]: { addr: podV6, said: `pod6 peer=${podV6}` },
        [dests[2]!]: { addr: hostV6, said: `host6 peer=${podV6}` },
      });
      // The question reached the target's nameserver from inside the target, over IPv6.
      const asked = dns.queries.slice(before).filter((q) => q.name === NAME && q.type === 'AAAA');
      expect(asked.length).toBeGreaterThan(0);
      expect(new Set(asked.map((q) => q.from))).toEqual(new Set([podV6]));
    });
  }
});

describe('IPv6 steal through the layer', () => {
  it('Node listening on [::]: a pod client of the pod\'s v6 address gets the local answer', async () => {
    const podHttp = await startPodHttp(ns, podV6);
    const server = `require('http').createServer((q, r) => r.end('local ' + q.url)).listen(Number(process.argv[1]), '::', () => console.log('listening'));`;
    const exec = startExec({ target: `pid/${targetPid}`, argv: [process.execPath, '-e', server, String(podHttp.port)], config: { feature: { network: { incoming: { mode: 'steal' } } } } });
    try {
      await exec.waitLine(/^listening$/);
      expect((await httpFetch(`http://[${podV6}]:${podHttp.port}/v6`)).body).toBe('local /v6');
      expect(podHttp.served).toEqual([]);
    } finally {
      await exec.stop();
    }
  });
});
