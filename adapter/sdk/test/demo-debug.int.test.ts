// The headless debugging demo (scripts/demo-debug.sh) runs as documented: requests sent to the
// target namespace's address hit the breakpoint, the printed values include the target's env, and
// the script exits 0 (kmirror-dap run returned the service's exit code 3).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireRoot } from '#test/harness/netns.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('scripts/demo-debug.sh', () => {
  it('prints the request values at each hit, with the greeting from the target env', { timeout: 150_000 }, () => {
    requireRoot();
    const out = execFileSync('bash', ['scripts/demo-debug.sh'], { cwd: root, encoding: 'utf8', timeout: 140_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toMatch(/hit 1 at scripts\/demo-debug\/service\.py:12 in do_GET\n  self\.path = '\/hello\/world'\n  self\.headers\['User-Agent'\] = 'kmirror-demo\/1\.0'\n  GREETING = 'from-the-target'\n/);
    expect(out).toContain('from-the-target, world');
    expect(out).toMatch(/hit 2 at .*\n  self\.path = '\/quit'/);
    expect(out).not.toContain("self.path = '/hello/warmup'"); // the readiness request is filtered by --when
    expect(out).toContain('kmirror-dap run exited with 3');
  });
});
