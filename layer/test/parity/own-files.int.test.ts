// A user pattern that happens to match where kmirror is installed (`read_write: ["/tmp.*"]` with
// kmirror under /tmp) must not make kmirror's own files remote: the dynamic loader opens
// kmirror-fastpath.so in every process, and the target has no such file ("cannot be preloaded").
// The target here has its own empty /tmp (a tmpfs in its mount namespace) holding one file.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { repoRoot } from '../build-apps.js';
import { execToEnd } from './kmirror-exec.js';
import { startTarget } from './target.js';

let ns: TestNetns;
let targetPid: number;
let layerDir: string;
let cwdRoot: string;

beforeAll(async () => {
  requireRoot();
  ns = createNetns();
  targetPid = await startTarget(ns, 'mount -t tmpfs kmirror-tmp /tmp && echo only-in-target-tmp > /tmp/target-file');
  layerDir = mkdtempSync(join(tmpdir(), 'kmirror-installed-'));
  // Not under /tmp, and not under the checkout either (which may itself be under /tmp, as in CI).
  cwdRoot = mkdtempSync('/run/kmirror-own-files-');
  for (const f of ['kmirror-layer', 'kmirror-fastpath.so']) copyFileSync(join(repoRoot, 'dist', f), join(layerDir, f));
});

afterAll(() => {
  ns?.cleanup();
  if (layerDir) rmSync(layerDir, { recursive: true, force: true });
  if (cwdRoot) rmSync(cwdRoot, { recursive: true, force: true });
});

describe('kmirror installed under a path a user pattern makes remote', () => {
  const cases: Array<[string, string[]]> = [
    ['C (cat)', ['/bin/cat', '/tmp/target-file']],
    ['Python', ['python3', '-c', 'print(open("/tmp/target-file").read().strip())']],
  ];
  for (const [name, argv] of cases) {
    it(`${name}: its own preload library stays local, the pattern still reads the target's /tmp`, async () => {
      const r = await execToEnd({
        // The working directory must not be under /tmp itself: the pattern would make it the target's.
        target: `pid/${targetPid}`, argv, env: { KMIRROR_LAYER_BIN: join(layerDir, 'kmirror-layer') }, cwdBase: cwdRoot,
        config: { feature: { fs: { mode: 'read', read_write: ['/tmp.*'] }, network: { incoming: 'off' } } },
      });
      expect(r.stderr).not.toMatch(/cannot be preloaded/);
      expect(r.stdout.trim()).toBe('only-in-target-tmp');
      expect(r.code, r.stderr).toBe(0);
    });
  }
});
