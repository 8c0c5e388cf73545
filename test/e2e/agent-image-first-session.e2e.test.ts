// A first session on a cluster that does not have the agent image, as a new user meets it: the
// session stops with the registry's reason and the commands that fix it (not at the start-up
// timeout), `kmirror doctor` reports the image missing on the target's node; `kmirror image build
// --load containerd` (the project's cluster) puts it there, after which doctor reports it present
// and the same session runs. The image gets a tag of its own (other tests' images stay untouched)
// and is removed from containerd afterwards; the saved image reference goes to a private config dir.
// config-keys: agent.image
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { deployApp, readyPodName } from './k8s/fixtures.js';
import { KMIRROR_CLI } from './k8s/kmirror-exec.js';

const CONTAINERD_SOCK = join(process.env.KMIRROR_CLUSTER_CACHE ?? join(homedir(), '.cache/kmirror-cluster'), 'run/containerd/containerd.sock');
const TAG = `kmirror-e2e/agent-first-session:${randomBytes(4).toString('hex')}`;
const MESSAGE = 'first session';
// Far beyond how long any failure below may take: a TIMEOUT message would mean the wait did not end on the reason.
const STARTUP_TIMEOUT_S = 600;

let guard: ClusterGuard;
let ns: string;
let configHome: string;
let workDir: string;
let imported = false;

interface Run { code: number; stdout: string; stderr: string }

/** Runs dist/kmirror.js to its end with the test cluster's kubeconfig and the private config dir. */
function kmirror(args: string[], cwd = workDir): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KMIRROR_CLI, ...args], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH, XDG_CONFIG_HOME: configHome },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? 128 + (signal ? 9 : 0), stdout, stderr }));
  });
}

const session = (): Promise<Run> => kmirror(['exec', '--', process.execPath, '-e', 'console.log("env MESSAGE=" + process.env.MESSAGE)']);

beforeAll(async () => {
  ({ guard, ns } = await openGuardedNamespace('kmt-image'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, MESSAGE);
  await readyPodName(guard.core, ns, 'web');
  configHome = mkdtempSync(join(tmpdir(), 'kmirror-e2e-config-'));
  workDir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-image-'));
  writeFileSync(join(workDir, '.kmirror.json'), JSON.stringify({
    target: { path: 'deploy/web', namespace: ns }, agent: { image: TAG, startup_timeout: STARTUP_TIMEOUT_S },
  }));
}, 300_000);

afterAll(async () => {
  if (imported) await promisify(execFile)('ctr', ['-a', CONTAINERD_SOCK, '-n', 'k8s.io', 'images', 'rm', `docker.io/${TAG}`]);
  for (const dir of [configHome, workDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

describe('the agent image on a cluster that lacks it', () => {
  it('a session stops on the pull failure with the reason and the fix', async () => {
    const run = await session();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`cannot start: (ErrImagePull|ImagePullBackOff) .*${TAG.replace(/[/.]/g, '\\$&')}`));
    expect(run.stderr).toContain('kmirror image build --push --tag REGISTRY/kmirror-agent:');
    expect(run.stderr).toContain('"agent": {"image": "REGISTRY/kmirror-agent:');
    expect(run.stderr).toContain('kmirror image build --load kind|minikube|k3d|containerd');
    expect(run.stderr).not.toMatch(/not done after/);
    expect(run.stdout).not.toContain('env MESSAGE=');
  });

  it('kmirror doctor reports the image missing on the target\'s node', async () => {
    const run = await kmirror(['doctor', '--target', 'deploy/web', '-n', ns, '--agent-image', TAG]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`\\[FAIL\\] image ${TAG.replace(/[/.]/g, '\\$&')} on node kmirror-node: .*(ErrImagePull|ImagePullBackOff)`));
  });

  it('kmirror image build --load containerd puts it on the node; doctor and the same session then work', async () => {
    const build = await kmirror(['image', 'build', '--tag', TAG, '--load', 'containerd', '--containerd-socket', CONTAINERD_SOCK]);
    imported = build.code === 0;
    expect(build.code, build.stderr).toBe(0);
    expect(JSON.parse(build.stdout)).toEqual({ agent: { image: TAG } });
    expect(build.stderr).toContain(`loaded ${TAG} into containerd at ${CONTAINERD_SOCK} (namespace k8s.io)`);

    // Saved for the next session: with no agent.image in the configuration, it is the one used.
    const emptyDir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-noconfig-'));
    try {
      const ref = await kmirror(['image', 'ref'], emptyDir);
      expect(ref.stdout).toBe(`${TAG}\n`);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }

    const doctor = await kmirror(['doctor', '--target', 'deploy/web', '-n', ns, '--agent-image', TAG]);
    expect(doctor.stdout).toMatch(new RegExp(`\\[ok  \\] image ${TAG.replace(/[/.]/g, '\\$&')}: present on node kmirror-node`));
    expect(doctor.stdout).toMatch(/\[ok {2}\] node-job agent \S+ ready/);
    expect(doctor.code, doctor.stdout).toBe(0);

    const run = await session();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`env MESSAGE=${MESSAGE}`);
  });

  it('a namespace whose quota has no room for the agent pod: the session stops with the quota\'s refusal and the fix', async () => {
    // The web pod uses the one pod the quota allows.
    await guard.core.createNamespacedResourceQuota({ namespace: ns, body: { metadata: { name: 'one-pod' }, spec: { hard: { pods: '1' } } } });
    await waitForQuotaCount(ns);
    const run = await session();
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/exceeded quota: one-pod.* — ask the namespace's administrator for room in its ResourceQuota .*"agent": \{"ephemeral": true\}/);
    expect(run.stderr).not.toMatch(/not done after/);
  });
});

/** Waits until the quota controller has counted the namespace's pods (before that, admission lets pods through). */
function waitForQuotaCount(namespace: string): Promise<true> {
  return waitFor(`quota one-pod in ${namespace} to count the web pod`, async () => {
    const quota = await guard.core.readNamespacedResourceQuota({ name: 'one-pod', namespace });
    return quota.status?.used?.pods === '1' ? true : undefined;
  });
}
