// The project's single-node test cluster, as e2e tests see it (brought up by `npm run cluster:up`,
// test/cluster/up.sh). Gives the admin kubeconfig, a loaded KubeConfig, kubectl bound to the cluster, and
// `ClusterGuard`, which creates uniquely named namespaces and deletes them (with everything in them) at the
// end, also when a test fails. Namespaces carry the creating pid, so `sweepStaleNamespaces()` removes those
// left by a crashed test process. A cluster that is not up is an error with the command to fix it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pidAlive } from '#test/harness/pid-alive.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
const clusterCache = process.env.KMIRROR_CLUSTER_CACHE ?? join(homedir(), '.cache/kmirror-cluster');

/** Admin kubeconfig written by up.sh (a stable path; the file exists only while the cluster is up). */
export const KUBECONFIG_PATH = join(clusterCache, 'run/admin.kubeconfig');
/** kubectl of the cluster's version with the admin kubeconfig already applied. */
export const KUBECTL = join(repoRoot, 'test/cluster/kubectl.sh');
/** The only node; pods may pin to it with `nodeName`. */
export const NODE_NAME = 'kmirror-node';
/** Images imported by test/cluster/images/build.sh (imagePullPolicy must be Never or IfNotPresent). */
export const IMAGES = {
  nodeHttp: 'kmirror-test/node-http:1',
  goHttp: 'kmirror-test/go-http:1',
  goHttpDebug: 'kmirror-test/go-http-debug:1',
  udpEcho: 'kmirror-test/udp-echo:1',
  pythonHttp: 'kmirror-test/python-http:1',
  busybox: 'kmirror-test/busybox:1',
} as const;

const LABEL = 'kmirror.dev/test-pid';

export function loadKubeConfig(): KubeConfig {
  if (!existsSync(KUBECONFIG_PATH)) {
    throw new Error(`the test cluster is not up (${KUBECONFIG_PATH} missing): run \`npm run cluster:up\` as root`);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(KUBECONFIG_PATH);
  return kc;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the test cluster; rejects with its stderr on a non-zero exit or after `timeoutMs`. */
export function kubectl(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<KubectlResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(KUBECTL, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || err.message}`));
        else resolvePromise({ stdout, stderr });
      });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Creates namespaces for a test and deletes them at `dispose()`; call `dispose()` from `afterAll`. */
export class ClusterGuard {
  readonly kc = loadKubeConfig();
  readonly core = this.kc.makeApiClient(CoreV1Api);
  private readonly namespaces = new Set<string>();

  /** A new namespace `<prefix>-<pid>-<random>`, labelled with the creating pid. */
  async namespace(prefix = 'kmt'): Promise<string> {
    const name = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
    await this.core.createNamespace({ body: { metadata: { name, labels: { [LABEL]: String(process.pid) } } } });
    this.namespaces.add(name);
    return name;
  }

  /** Tracks a namespace created some other way so that `dispose()` deletes it too. */
  track(namespace: string): void {
    this.namespaces.add(namespace);
  }

  /** Deletes every tracked namespace and waits (bounded) until they are gone. */
  async dispose(timeoutMs = 120_000): Promise<void> {
    const names = [...this.namespaces];
    this.namespaces.clear();
    await Promise.all(names.map((name) => deleteNamespace(this.core, name, timeoutMs)));
  }
}

async function deleteNamespace(core: CoreV1Api, name: string, timeoutMs: number): Promise<void> {
  try {
    await core.deleteNamespace({ name, gracePeriodSeconds: 0, propagationPolicy: 'Background' });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  await waitFor(`namespace ${name} to be deleted`, async () => {
    try {
      await core.readNamespace({ name });
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }, timeoutMs);
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 404;
}

export interface GuardedNamespace {
  guard: ClusterGuard;
  kc: KubeConfig;
  core: CoreV1Api;
  ns: string;
}

/** How a cluster test file starts: namespaces left by crashed runs swept, then a fresh namespace `<prefix>-…` the guard deletes. */
export async function openGuardedNamespace(prefix: string): Promise<GuardedNamespace> {
  const guard = new ClusterGuard();
  await sweepStaleNamespaces(guard.core);
  return { guard, kc: guard.kc, core: guard.core, ns: await guard.namespace(prefix) };
}

/** Deletes test namespaces whose creating process no longer exists (left by a crashed run). */
export async function sweepStaleNamespaces(core: CoreV1Api): Promise<string[]> {
  const list = await core.listNamespace({ labelSelector: LABEL });
  const stale = list.items
    .map((ns) => ({ name: ns.metadata?.name ?? '', pid: Number(ns.metadata?.labels?.[LABEL]) }))
    .filter((ns) => ns.name && !pidAlive(ns.pid) && !ns.name.startsWith('kube-'));
  await Promise.all(stale.map((ns) => core.deleteNamespace({ name: ns.name }).catch(() => undefined)));
  return stale.map((ns) => ns.name);
}
