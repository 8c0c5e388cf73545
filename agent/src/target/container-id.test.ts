import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupMentionsContainer, findContainerPid } from './container-id.js';

const ID = 'a1b2c3d4'.repeat(8);

describe('cgroupMentionsContainer', () => {
  it.each([
    [`12:memory:/kclus/podabc/${ID}`, true],                                                   // cgroupfs (containerd)
    [`0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-${ID}.scope`, true],               // systemd (containerd)
    [`0::/kubepods.slice/kubepods-besteffort.slice/crio-${ID}.scope`, true],                   // CRI-O
    [`4:cpu:/docker/${ID}`, true],                                                             // Docker
    [`12:memory:/kclus/podabc/${ID.slice(0, 60)}ffff`, false],
    ['0::/init.scope', false],
  ])('%s → %s', (text, expected) => {
    expect(cgroupMentionsContainer(text, ID)).toBe(expected);
  });
});

describe('findContainerPid', () => {
  let dir: string | undefined;
  afterEach(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  function proc(entries: Array<{ pid: number; ppid: number; cgroup: string }>): string {
    dir = mkdtempSync(join(tmpdir(), 'kmirror-proc-'));
    for (const e of entries) {
      mkdirSync(join(dir, String(e.pid)));
      writeFileSync(join(dir, String(e.pid), 'cgroup'), `${e.cgroup}\n`);
      writeFileSync(join(dir, String(e.pid), 'stat'), `${e.pid} (some (odd) name) S ${e.ppid} 1 1 0`);
    }
    mkdirSync(join(dir, 'self'));
    return dir;
  }

  it('returns the container process whose parent is outside the container', () => {
    const root = proc([
      { pid: 10, ppid: 1, cgroup: '12:memory:/kclus/shim' },
      { pid: 20, ppid: 30, cgroup: `12:memory:/kclus/pod1/${ID}` },   // a child of init
      { pid: 30, ppid: 10, cgroup: `12:memory:/kclus/pod1/${ID}` },   // init (parent is the shim)
      { pid: 40, ppid: 1, cgroup: '12:memory:/kclus/pod1/other' },
    ]);
    expect(findContainerPid(ID, root)).toBe(30);
  });

  it('fails with NOT_FOUND naming the container when no process matches', () => {
    const root = proc([{ pid: 10, ppid: 1, cgroup: '0::/init.scope' }]);
    expect(() => findContainerPid(ID, root)).toThrow(/no process of container a1b2c3d4a1b2/);
  });
});
