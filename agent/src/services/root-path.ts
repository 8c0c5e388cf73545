// Resolves a path as the target sees it (inside its root) to a host path under that root,
// following symlinks ourselves so that an absolute or `..`-laden link can never leave the root
// (the kernel would resolve them against the agent's root when going through /proc/N/root).
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { TunnelError } from '#proto/runtime/errors.js';

const MAX_SYMLINKS = 40; // the kernel's own limit (ELOOP)

/**
 * Returns the host path of `path` inside `root`, every symlink resolved within the root.
 * With followLast=false the last component is left as is (lstat semantics).
 */
export async function resolveInRoot(root: string, path: string, opts: { followLast?: boolean } = {}): Promise<string> {
  if (!path.startsWith('/')) throw new TunnelError('INVALID_ARGUMENT', `path "${path}" must be absolute (as seen inside the target)`);
  if (path.includes('\0')) throw new TunnelError('INVALID_ARGUMENT', 'path contains a NUL byte');
  const followLast = opts.followLast ?? true;
  const pending = path.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    // Safe: the loop condition guarantees an element.
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop(); // `..` at the root stays at the root, as in the kernel
      continue;
    }
    resolved.push(part);
    if (pending.length === 0 && !followLast) break;
    const hostPath = posix.join(root, ...resolved);
    let isLink = false;
    try {
      isLink = (await lstat(hostPath)).isSymbolicLink();
    } catch {
      // A missing component: the caller's open/stat reports ENOENT with the full path.
      continue;
    }
    if (!isLink) continue;
    if (++links > MAX_SYMLINKS) throw new TunnelError('INVALID_ARGUMENT', `path "${path}": too many levels of symbolic links`);
    const target = await readlink(hostPath);
    resolved.pop();
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return posix.join(root, ...resolved);
}
