// Bad states of the cluster scripts, each answered with a clear message and without disturbing the cluster that
// is up: `cluster:up` twice, `cluster:down` with nothing up, a stale run left behind. The last two use a scratch
// KMIRROR_CLUSTER_CACHE (another state dir); its run may not touch the host resources the real cluster owns.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl } from './harness/cluster.js';

const scripts = resolve(fileURLToPath(import.meta.url), '../../cluster');
const scratch = mkdtempSync(join(tmpdir(), 'kmt-cluster-states-'));

interface Run {
  code: number;
  out: string;
}

function run(script: string, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile('bash', [join(scripts, script)], { env: { ...process.env, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolvePromise({ code, out: stdout + stderr });
      });
  });
}

async function nodeReady(): Promise<string> {
  return (await kubectl(['get', 'node', 'kmirror-node', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout;
}

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('cluster scripts in bad states', () => {
  it('cluster:up on a cluster that is already up keeps it running and says so', async () => {
    const r = await run('up.sh');
    expect(r.out).toContain('cluster: already up');
    expect(r.out).toContain('KUBECONFIG=');
    expect(r.code).toBe(0);
    expect(await nodeReady()).toBe('True');
  });

  it('cluster:down with nothing up says so and leaves the running cluster alone', async () => {
    const r = await run('down.sh', { KMIRROR_CLUSTER_CACHE: join(scratch, 'empty') });
    expect(r.out).toContain('cluster: nothing to tear down');
    expect(r.code).toBe(0);
    expect(await nodeReady()).toBe('True');
  });

  it('a stale run is cleaned up, and a second cluster is refused while another one holds the host', async () => {
    const cache = join(scratch, 'stale');
    const pids = join(cache, 'run/pids');
    mkdirSync(pids, { recursive: true });
    writeFileSync(join(pids, 'etcd.pid'), '2147483646\n');          // a crashed run: its etcd is gone
    const r = await run('up.sh', { KMIRROR_CLUSTER_CACHE: cache });
    expect(r.out).toMatch(/found a stale or incomplete run in .*stale\/run \(not running: etcd/);
    expect(r.out).toContain('host resources belong to the run in');
    expect(r.out).toMatch(/another test cluster \(state in .*\) holds bridge kmirror-br0/);
    expect(r.code).not.toBe(0);
    expect(existsSync(join(cache, 'run'))).toBe(false);
    expect(await nodeReady()).toBe('True');
  });
});
