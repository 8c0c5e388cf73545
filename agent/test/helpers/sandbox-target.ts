// A target process whose root is a throwaway tmpfs, for tests that let clients write files
// anywhere (boundary values, fuzzing): in its own mount namespace, `sleep` runs chrooted into a
// tmpfs holding /etc (resolv.conf, hosts), a writable /mnt and /tmp, and read-only bind mounts
// of /usr (with the usual /bin, /lib symlinks). The agent sees that tmpfs as the target's root
// (/proc/PID/root), so no write can reach the host's files; it all goes when the process ends.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestNetns } from '#test/harness/netns.js';
import { until, type TargetProcess } from './target-fixture.js';

export async function startSandboxTarget(ns: TestNetns, opts: { env: Record<string, string>; resolvConf: string; hosts: string; mntFiles: Record<string, string> }): Promise<TargetProcess> {
  const workDir = mkdtempSync(join(tmpdir(), 'kmirror-sandbox-'));
  writeFileSync(join(workDir, 'resolv.conf'), opts.resolvConf);
  writeFileSync(join(workDir, 'hosts'), opts.hosts);
  for (const [name, content] of Object.entries(opts.mntFiles)) writeFileSync(join(workDir, `file-${name}`), content);
  const copies = Object.keys(opts.mntFiles).map((n) => `cp "$W/file-${n}" "$R/mnt/${n}"`).join('\n');
  const envArgs = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
  const script = `set -e
W="$1"; shift
R="$W/root"
mkdir -p "$R"
mount -t tmpfs kmirror-sandbox "$R"
mkdir -p "$R/usr" "$R/etc" "$R/mnt" "$R/tmp"
mount --bind /usr "$R/usr"
mount -o remount,bind,ro "$R/usr"
ln -s usr/bin "$R/bin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s usr/sbin "$R/sbin"
cp "$W/resolv.conf" "$R/etc/resolv.conf"
cp "$W/hosts" "$R/etc/hosts"
${copies}
echo $$ > "$W/pid"
exec chroot "$R" /usr/bin/env -i "$@" /usr/bin/sleep 3600`;
  const child = ns.spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', workDir, ...envArgs]);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const pidFile = join(workDir, 'pid');
  const pid = await until(`sandbox target in ${ns.name} ${err}`, () => {
    if (child.exitCode !== null) throw new Error(`sandbox target exited (${child.exitCode}): ${err}`);
    return existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() ? Number(readFileSync(pidFile, 'utf8')) : undefined;
  });
  // The pid file is written just before exec: wait until the process is the chrooted sleep.
  await until('sandbox target chrooted', () => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'; } catch { return false; } });
  return {
    pid, workDir,
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(workDir, { recursive: true, force: true }); // the tmpfs lived in the process's own mount namespace
    },
  };
}
