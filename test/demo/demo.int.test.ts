// The README's main-job command, first half (scripts/demo.sh): through the agent, a request, a DNS
// answer, a file and the environment come from inside the throw-away target, none of which the host
// can see, and the script removes what it created.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireRoot } from '../harness/netns.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function netnsNames(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '');
}

describe('scripts/demo.sh', () => {
  it('shows env, DNS, a file and an HTTP answer from inside the target, then cleans up', { timeout: 120_000 }, () => {
    requireRoot();
    const out = execFileSync('bash', ['scripts/demo.sh'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, KMIRROR_DEMO_SKIP_SETUP: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toMatch(/getent hosts catalog\.demo\.internal -> not found/);
    expect(out).toMatch(/== env\nDEMO_GREETING=hello from the target process environment\n/);
    expect(out).toMatch(/== resolve catalog\n10\.213\.254\.10\n/);
    expect(out).toMatch(/== resolve catalog-by-hosts\n10\.213\.254\.10\n/);
    expect(out).toMatch(/== file \/mnt\/only-in-target\.txt\nthis file exists only inside the demo target/);
    expect(out).toMatch(/nameserver 10\.213\.254\.53/);
    expect(out).toMatch(/200 OK\nhello from catalog at 10\.213\.254\.10:8080 .*GET \/hello/);
    const demoNs = /creating network namespace (\S+)/.exec(out)?.[1];
    expect(demoNs).toBeTruthy();
    expect(netnsNames()).not.toContain(demoNs);
  });
});
