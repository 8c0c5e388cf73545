// gethostname()/uname() under `kmirror exec` return the target's hostname (its /etc/hostname, a
// pod's name), as mirrord does; `feature.hostname: false` and skipped executables keep the
// workstation's. The target here has its own /etc/hostname (bind-mounted in its mount namespace).
// config-keys: feature.hostname
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startTarget } from './target.js';

let ns: TestNetns;
let targetPid: number;
let goStatic: string;
let podName: string;

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('hostname');
  ns = createNetns();
  podName = `web-7d9f-${ns.name.replace(/[^a-z0-9]/g, '')}`.slice(0, 60);
  targetPid = await startTarget(ns, `mount -t tmpfs kmirror-hn /mnt && echo ${podName} > /mnt/hostname && mount --bind /mnt/hostname /etc/hostname`);
});

afterAll(() => ns?.cleanup());

const programs: Array<[string, () => string[]]> = [
  ['C (coreutils uname -n)', () => ['uname', '-n']],
  ['Python socket.gethostname()', () => ['python3', '-c', 'import socket; print(socket.gethostname())']],
  ['Node os.hostname()', () => [process.execPath, '-e', 'console.log(require("os").hostname())']],
  ['static Go os.Hostname()', () => [goStatic]],
];

describe('the target hostname', () => {
  for (const [name, argv] of programs) {
    it(`${name} returns the target's hostname`, async () => {
      const r = await execToEnd({ target: `pid/${targetPid}`, argv: argv(), config: { feature: { network: { incoming: 'off' } } } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(podName);
    });
  }

  it('feature.hostname: false keeps the workstation name; a skip_processes executable sees the workstation', async () => {
    const off = await execToEnd({ target: `pid/${targetPid}`, argv: ['uname', '-n'], config: { feature: { hostname: false, network: { incoming: 'off' } } } });
    expect(off.stdout.trim()).toBe(hostname());
    const skipped = await execToEnd({ target: `pid/${targetPid}`, argv: ['uname', '-n'], config: { skip_processes: ['uname'], feature: { network: { incoming: 'off' } } } });
    expect(skipped.stdout.trim()).toBe(hostname());
    expect(hostname()).not.toBe(podName);
  });
});
