// feature.network.dns under `kmirror exec`: one name resolves differently on each side — the
// target's DNS server answers the pod's address, the workstation's DNS server (named in a
// resolv.conf bind-mounted over /etc/resolv.conf in a private mount namespace around kmirror)
// answers the workstation's. The answer the program got, and the address the workstation's DNS
// server saw the question come from, tell where the name was resolved. `feature.network: false`
// keeps resolution and connections local.
// config-keys: feature.network.dns, feature.network.dns.enabled, feature.network
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configDir, KMIRROR_CLI } from '../parity/kmirror-exec.js';
import { createLayerTarget, runToEnd, type LayerTarget } from '../target-fixture.js';
import { buildProbes, parseProbe, startDns, startPeerEcho, stopHostProcesses, type DnsServer, type PeerEcho, type ProbeLanguage, type Probes } from './net-fixtures.js';

const NAME = 'both-sides.kmirror.test';
let target: LayerTarget;
let probes: Probes;
let host: PeerEcho;
let workstationDns: DnsServer;
let resolvDir: string;

beforeAll(async () => {
  probes = buildProbes();
  target = await createLayerTarget({ names: [NAME] });
  host = await startPeerEcho('host', target.ns.hostIp, 'host');
  await startPeerEcho(target.ns, target.podIp, 'pod', host.tcp);   // the same port on the pod: the name's either answer connects
  workstationDns = await startDns('host', target.ns.hostIp, { [NAME]: [target.ns.hostIp] });
  resolvDir = mkdtempSync(join(tmpdir(), 'kmirror-resolv-'));
  writeFileSync(join(resolvDir, 'resolv.conf'), `nameserver ${target.ns.hostIp}\noptions timeout:2 attempts:2\n`);
});

afterAll(() => {
  stopHostProcesses();
  target?.cleanup();
  if (resolvDir) rmSync(resolvDir, { recursive: true, force: true });
});

/** kmirror exec of the probe in `lang`, in a private mount namespace whose /etc/resolv.conf names the workstation's DNS server. */
async function probe(lang: ProbeLanguage, network: unknown): Promise<{ addr?: string; said?: string; error?: string; askedFrom: string[] }> {
  const dir = configDir({ feature: { network } });
  const dest = `tcp,${NAME},${host.tcp}`;
  const before = workstationDns.queries.length;
  try {
    const script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"';
    const r = await runToEnd({ command: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', script, join(resolvDir, 'resolv.conf'),
      process.execPath, KMIRROR_CLI, 'exec', '--target', `pid/${target.pid}`, '--', ...probes[lang], dest], env: process.env as Record<string, string> }, { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const result = parseProbe(r.stdout).get(dest);
    expect(result, r.stdout + r.stderr).toBeDefined();
    const askedFrom = [...new Set(workstationDns.queries.slice(before).filter((q) => q.name === NAME).map((q) => q.from))];
    return { ...result, askedFrom };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('feature.network.dns', () => {
  for (const lang of ['c', 'python', 'node', 'go-static'] as const) {
    it(`dns: false (${lang}): resolved by the workstation's DNS server, asked from the workstation`, async () => {
      const r = await probe(lang, { incoming: 'off', dns: false });
      expect(r.error).toBeUndefined();
      expect(r.addr).toBe(target.ns.hostIp);
      expect(r.askedFrom).toEqual([target.ns.hostIp]);
      // The connection itself still goes through the target (outgoing is on): the server sees the pod.
      expect(r.said).toBe(`host peer=${target.podIp}`);
    });
  }

  it('dns: { enabled: false } (Python) is the same as false', async () => {
    const r = await probe('python', { incoming: 'off', dns: { enabled: false } });
    expect([r.addr, r.askedFrom]).toEqual([target.ns.hostIp, [target.ns.hostIp]]);
  });

  it('dns: true (C) and { enabled: true } (static Go): the target\'s answer, the workstation\'s server never asked', async () => {
    for (const [lang, dns] of [['c', true], ['go-static', { enabled: true }]] as const) {
      const r = await probe(lang, { incoming: 'off', dns });
      expect(r.error, lang).toBeUndefined();
      expect(r.addr, lang).toBe(target.podIp);
      expect(r.said, lang).toBe(`pod peer=${target.podIp}`);
      expect(r.askedFrom, lang).toEqual([]);
    }
  });

  it('feature.network: false (Node): resolution and the connection stay on the workstation', async () => {
    const r = await probe('node', false);
    expect(r).toEqual({ addr: target.ns.hostIp, said: `host peer=${target.ns.hostIp}`, askedFrom: [target.ns.hostIp] });
  });
});
