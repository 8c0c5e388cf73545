// mkdir, rename, unlink, rmdir and statfs of target paths happen in the target (mirrord does them
// there): a directory only the target has (/mnt/data on a tmpfs of 8 MiB in its mount
// namespace) made writable by `read_write`; each program changes it, the test checks the
// target's root from outside and that the workstation's /mnt has none of it. Also mirrord's
// `fs.mapping`: a path renamed before it reaches the target.
// config-keys: feature.fs.mapping
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { buildGoStatic } from './build.js';
import { execToEnd } from './kmirror-exec.js';
import { startTarget } from './target.js';

const DIR = '/mnt/data';
const TMPFS_BLOCKS = 2048;   // 8 MiB in 4 KiB blocks
let ns: TestNetns;
let targetPid: number;
let goStatic: string;

const PY = `import os, sys
d, p = sys.argv[1], sys.argv[2]
os.mkdir(f"{d}/{p}-dir")
os.rename(f"{d}/{p}-old", f"{d}/{p}-new")
os.unlink(f"{d}/{p}-gone")
os.rmdir(f"{d}/{p}-empty")
st = os.statvfs(d)
print(f"blocks={st.f_blocks} bsize={st.f_bsize}")
`;
const SH = 'd=$1; p=$2; mkdir "$d/$p-dir" && mv "$d/$p-old" "$d/$p-new" && rm "$d/$p-gone" && rmdir "$d/$p-empty" && echo "blocks=$(stat -f -c %b "$d") bsize=$(stat -f -c %S "$d")"';

beforeAll(async () => {
  requireRoot();
  goStatic = buildGoStatic('fsops');
  ns = createNetns();
  const files = ['py', 'go', 'c'].map((p) => `touch ${DIR}/${p}-old ${DIR}/${p}-gone && mkdir ${DIR}/${p}-empty`).join(' && ');
  targetPid = await startTarget(ns, `mount -t tmpfs -o size=8m kmirror-fs /mnt && mkdir ${DIR} && ${files} && echo mapped-in-target > ${DIR}/settings.txt`);
});

afterAll(() => ns?.cleanup());

const inTarget = (name: string): boolean => existsSync(`/proc/${targetPid}/root${DIR}/${name}`);

describe('directory and name changes of target paths', () => {
  const programs: Array<[string, string, () => string[]]> = [
    ['Python (mkdir, rename, unlink, rmdir, statvfs)', 'py', () => ['python3', '-c', PY, DIR, 'py']],
    ['static Go (mkdirat, renameat, unlinkat, statfs)', 'go', () => [goStatic, DIR, 'go']],
    ['C: coreutils mkdir, mv, rm, rmdir, stat -f under sh', 'c', () => ['sh', '-c', SH, 'sh', DIR, 'c']],
  ];
  for (const [name, p, argv] of programs) {
    it(`${name}: done in the target`, async () => {
      const r = await execToEnd({ target: `pid/${targetPid}`, argv: argv(), config: { feature: { fs: { mode: 'read', read_write: [`^${DIR}(/|$)`] }, network: { incoming: 'off' } } } });
      expect(r.code, r.stderr).toBe(0);
      expect({ dir: inTarget(`${p}-dir`), old: inTarget(`${p}-old`), renamed: inTarget(`${p}-new`), gone: inTarget(`${p}-gone`), empty: inTarget(`${p}-empty`) })
        .toEqual({ dir: true, old: false, renamed: true, gone: false, empty: false });
      const [blocks, bsize] = /blocks=(\d+) bsize=(\d+)/.exec(r.stdout)?.slice(1).map(Number) ?? [];
      expect((blocks ?? 0) * (bsize ?? 0)).toBe(TMPFS_BLOCKS * 4096);
      expect(existsSync(`${DIR}/${p}-dir`)).toBe(false);   // nothing on the workstation
    });
  }

  it('fs.mapping (mirrord): a path of the program is read in the target under its mapped name (Python)', async () => {
    const r = await execToEnd({
      target: `pid/${targetPid}`, argv: ['python3', '-c', 'print(open("/home/kmirror-mapped/settings.txt").read().strip())'],
      config: { feature: { fs: { mode: 'read', mapping: { '^/home/kmirror-mapped/(.*)$': `${DIR}/$1` } }, network: { incoming: 'off' } } },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('mapped-in-target');
  });
});
