// A pid/N target whose root is a private directory: a static busybox `sleep` chrooted
// (`unshare --root`) inside a fresh network namespace. The agent resolves every path under
// /proc/<pid>/root, so fuzzed writes, mkdirs and renames land in this directory, never in the
// machine's own files. Holds /data/a.txt, /data/probe.txt, /data/dir/{x,y}, /data/link -> / and an empty /tmp.
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';

/** `probePath` (in the root) holds `probeContent`; fuzz inputs never name it. */
export interface SandboxTarget { ns: TestNetns; pid: number; root: string; probePath: string; probeContent: string; cleanup(): void }

export async function createSandboxTarget(): Promise<SandboxTarget> {
  requireRoot();
  const root = mkdtempSync(join(tmpdir(), 'kmirror-fuzz-root-'));
  const probeContent = 'only in the target\n';
  for (const d of ['bin', 'data/dir', 'tmp', 'etc']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  writeFileSync(join(root, 'data/a.txt'), 'a\n');
  writeFileSync(join(root, 'data/probe.txt'), probeContent);
  writeFileSync(join(root, 'data/dir/x'), 'x');
  writeFileSync(join(root, 'data/dir/y'), 'y');
  writeFileSync(join(root, 'etc/hostname'), 'fuzz-pod\n');
  symlinkSync('/', join(root, 'data/link'));
  const ns = createNetns();
  const child = ns.spawn('unshare', ['--root', root, '/bin/busybox', 'sleep', '3600'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return {
    ns, pid: child.pid!, root, probePath: '/data/probe.txt', probeContent, // ip netns exec and unshare exec in place: the pid is sleep's
    cleanup: () => { child.kill('SIGKILL'); ns.cleanup(); rmSync(root, { recursive: true, force: true }); },
  };
}
