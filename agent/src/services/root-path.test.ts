import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveInRoot } from './root-path.js';

const root = mkdtempSync(join(tmpdir(), 'kmirror-root-'));
mkdirSync(join(root, 'etc'));
mkdirSync(join(root, 'app/conf'), { recursive: true });
writeFileSync(join(root, 'etc/hosts'), 'inside');
symlinkSync('/etc/hosts', join(root, 'app/abs-link'));
symlinkSync('../../../../../../etc/hosts', join(root, 'app/dotdot-link'));
symlinkSync('conf', join(root, 'app/rel-link'));
symlinkSync('loop-b', join(root, 'loop-a'));
symlinkSync('loop-a', join(root, 'loop-b'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInRoot', () => {
  it('keeps absolute symlinks inside the root', async () => {
    expect(await resolveInRoot(root, '/app/abs-link')).toBe(join(root, 'etc/hosts'));
  });

  it('clamps `..` at the root, in paths and in link targets', async () => {
    expect(await resolveInRoot(root, '/../../etc/hosts')).toBe(join(root, 'etc/hosts'));
    expect(await resolveInRoot(root, '/app/dotdot-link')).toBe(join(root, 'etc/hosts'));
  });

  it('follows relative links and leaves the last component alone for lstat', async () => {
    expect(await resolveInRoot(root, '/app/rel-link/x')).toBe(join(root, 'app/conf/x'));
    expect(await resolveInRoot(root, '/app/abs-link', { followLast: false })).toBe(join(root, 'app/abs-link'));
  });

  it('rejects relative paths and symlink loops', async () => {
    await expect(resolveInRoot(root, 'etc/hosts')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(resolveInRoot(root, '/loop-a')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/too many levels/) });
  });
});
