// feature.network.outgoing under `kmirror exec`: real programs (C, Python, Node, static Go)
// connect to two peer-echo servers — one in the target's namespace, one on the workstation's side
// of its veth — and each server answers with the address the connection came from. A connection
// made through the target comes from the pod's address; one left local comes from the
// workstation's. So every assertion reads the routing decision off the far side.
// config-keys: feature.network.outgoing, feature.network.outgoing.tcp, feature.network.outgoing.udp
// config-keys: feature.network.outgoing.filter, feature.network.outgoing.filter.remote, feature.network.outgoing.filter.local
// config-keys: feature.network.outgoing.ignore_localhost
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execToEnd } from '../parity/kmirror-exec.js';
import { createLayerTarget, type LayerTarget } from '../target-fixture.js';
import { buildProbes, parseProbe, startPeerEcho, stopHostProcesses, type PeerEcho, type ProbeLanguage, type Probes } from './net-fixtures.js';

let target: LayerTarget;
let probes: Probes;
let pod: PeerEcho;
let host: PeerEcho;
let loopback: PeerEcho;

beforeAll(async () => {
  probes = buildProbes();
  target = await createLayerTarget();
  [pod, host, loopback] = await Promise.all([
    startPeerEcho(target.ns, target.podIp, 'pod'),
    startPeerEcho('host', target.ns.hostIp, 'host'),
    startPeerEcho('host', '127.0.0.1', 'lo'),
  ]);
});

afterAll(() => {
  stopHostProcesses();
  target?.cleanup();
});

/** Runs the probe in `lang` under kmirror exec with `outgoing`; returns what each server said (or the error). */
async function probe(lang: ProbeLanguage, outgoing: unknown, dests: string[]): Promise<Record<string, string>> {
  const r = await execToEnd({ target: `pid/${target.pid}`, argv: [...probes[lang], ...dests], config: { feature: { network: { incoming: 'off', outgoing } } } });
  expect(r.code, r.stderr).toBe(0);
  const results = parseProbe(r.stdout);
  return Object.fromEntries(dests.map((d) => [d, results.get(d)?.said ?? `error=${results.get(d)?.error ?? 'no output'}\n${r.stdout}\n${r.stderr}`]));
}

const tcp = (address: string, port: number): string => `tcp,${address},${port}`;
const udp = (address: string, port: number): string => `udp,${address},${port}`;

describe('feature.network.outgoing', () => {
  it('filter.remote address:port (C): that destination goes through the target, the others stay local', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('c', { filter: { remote: [`${hostIp}:${host.tcp}`] } },
      [tcp(hostIp, host.tcp), tcp(target.podIp, pod.tcp), udp(hostIp, host.udp)]);
    expect(said).toEqual({
      [tcp(hostIp, host.tcp)]: `host peer=${target.podIp}`,
      [tcp(target.podIp, pod.tcp)]: `pod peer=${hostIp}`,
      [udp(hostIp, host.udp)]: `host peer=${hostIp}`,
    });
  });

  it('filter.local CIDR (Python): that network stays local, the rest goes through the target', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('python', { filter: { local: [`${hostIp}/32`] } },
      [tcp(hostIp, host.tcp), tcp(target.podIp, pod.tcp), udp(target.podIp, pod.udp)]);
    expect(said).toEqual({
      [tcp(hostIp, host.tcp)]: `host peer=${hostIp}`,
      [tcp(target.podIp, pod.tcp)]: `pod peer=${target.podIp}`,
      [udp(target.podIp, pod.udp)]: `pod peer=${target.podIp}`,
    });
  });

  it('filter.remote as a ";" string with a hostname and a udp:// rule (static Go)', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('go-static', { filter: { remote: `${target.dnsName}; udp://${hostIp}:${host.udp}` } },
      [tcp(target.dnsName, pod.tcp), udp(hostIp, host.udp), tcp(hostIp, host.tcp)]);
    expect(said).toEqual({
      [tcp(target.dnsName, pod.tcp)]: `pod peer=${target.podIp}`,
      [udp(hostIp, host.udp)]: `host peer=${target.podIp}`,
      [tcp(hostIp, host.tcp)]: `host peer=${hostIp}`,
    });
  });

  it('filter.local with a hostname and a ":port" rule (Node): those stay local, the rest goes through the target', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('node', { filter: { local: [target.dnsName, `:${host.udp}`] } },
      [tcp(target.dnsName, pod.tcp), udp(hostIp, host.udp), tcp(hostIp, host.tcp)]);
    expect(said).toEqual({
      [tcp(target.dnsName, pod.tcp)]: `pod peer=${hostIp}`,
      [udp(hostIp, host.udp)]: `host peer=${hostIp}`,
      [tcp(hostIp, host.tcp)]: `host peer=${target.podIp}`,
    });
  });

  it('tcp: false (Node): TCP stays local, UDP still goes through the target', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('node', { tcp: false }, [tcp(hostIp, host.tcp), udp(hostIp, host.udp)]);
    expect(said).toEqual({ [tcp(hostIp, host.tcp)]: `host peer=${hostIp}`, [udp(hostIp, host.udp)]: `host peer=${target.podIp}` });
  });

  it('udp: false (C): UDP stays local, TCP still goes through the target', async () => {
    const hostIp = target.ns.hostIp;
    const said = await probe('c', { udp: false }, [tcp(hostIp, host.tcp), udp(hostIp, host.udp)]);
    expect(said).toEqual({ [tcp(hostIp, host.tcp)]: `host peer=${target.podIp}`, [udp(hostIp, host.udp)]: `host peer=${hostIp}` });
  });

  it('outgoing: false (Python): TCP and UDP both stay local; true (static Go): both through the target', async () => {
    const hostIp = target.ns.hostIp;
    const dests = [tcp(hostIp, host.tcp), udp(hostIp, host.udp)];
    expect(await probe('python', false, dests)).toEqual({ [dests[0]!]: `host peer=${hostIp}`, [dests[1]!]: `host peer=${hostIp}` });
    expect(await probe('go-static', true, dests)).toEqual({ [dests[0]!]: `host peer=${target.podIp}`, [dests[1]!]: `host peer=${target.podIp}` });
  });

  it('ignore_localhost: true (static Go, Node): a loopback server of the workstation answers, the target has none', async () => {
    for (const lang of ['go-static', 'node'] as const) {
      const said = await probe(lang, { ignore_localhost: true }, [tcp('127.0.0.1', loopback.tcp), udp('127.0.0.1', loopback.udp), tcp(target.ns.hostIp, host.tcp)]);
      expect(said).toEqual({
        [tcp('127.0.0.1', loopback.tcp)]: 'lo peer=127.0.0.1',
        [udp('127.0.0.1', loopback.udp)]: 'lo peer=127.0.0.1',
        [tcp(target.ns.hostIp, host.tcp)]: `host peer=${target.podIp}`,
      });
    }
  });
});
