// The set-up shared by bench/soak.ts and bench/chaos.ts: a small HTTP program run under
// `kmirror exec` (dist/kmirror.js, as users run it) steals port 8080 of a target — a local
// `pid/N` in a network namespace, or `deploy/web` on the project's test cluster — and a
// keep-alive load generator (keepalive-load.mjs, its own process) sends requests to the
// target's address. The program runs in a shell loop so that "restart the debuggee" is a kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLayerTarget, type LayerTarget } from '../../layer/test/target-fixture.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { createClientPod, deployApp, hostPidOfContainer, readyPodName } from '#test/e2e/k8s/fixtures.js';
import { freePort } from '#test/harness/free-port.js';

const ROOT = process.cwd(); // benches run from the repository root (scripts/bench.sh)
const LOAD_SCRIPT = join(ROOT, 'bench/lib/keepalive-load.mjs');
const TARGET_PORT = 8080;
const APP = `require('http').createServer((q, s) => s.end('local ' + q.url))
  .listen(Number(process.argv[2]), () => console.log('local listening'));\n`;

export const rssMb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN; // gone
  }
};

/** Pids of `root`'s descendants (from /proc, parent links). */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift() as number;
    for (const [pid, pp] of parent) if (pp === p) { out.push(pid); queue.push(pid); }
  }
  return out;
}
const cmdline = (pid: number): string => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '); } catch { return ''; } };

/** Where the load goes and how to reach the parts a fault hits. */
export interface Place {
  readonly kind: 'local' | 'cluster';
  readonly url: string;
  readonly config: Record<string, unknown>;
  readonly env: Record<string, string>;
  /** Command and arguments that run the load script (then its four arguments are appended). */
  readonly loadCommand: string[];
  /** The host pid of the agent serving `execPid`'s session. */
  agentPid(execPid: number): Promise<number>;
  close(): Promise<void>;
}

export async function localPlace(): Promise<Place> {
  const target: LayerTarget = await createLayerTarget();
  return {
    kind: 'local',
    url: `http://${target.podIp}:${TARGET_PORT}/`,
    config: { target: `pid/${target.pid}` },
    env: {},
    loadCommand: [process.execPath, LOAD_SCRIPT],
    agentPid: async (execPid) => {
      const pid = descendants(execPid).find((p) => cmdline(p).includes('kmirror-agent'));
      if (!pid) throw new Error(`no kmirror-agent process under kmirror exec (pid ${execPid})`);
      return pid;
    },
    close: async () => target.cleanup(),
  };
}

/**
 * deploy/web (node-http) in a fresh namespace; the load runs in a client pod and goes to the
 * Service (the agent leaves the node's own traffic — kubelet probes — to the pod, so load from
 * the host would never be stolen).
 */
export async function clusterPlace(): Promise<Place & { guard: ClusterGuard; namespace: string; podName(): Promise<string> }> {
  const guard = new ClusterGuard();
  const namespace = await guard.namespace('kmb-soak');
  await deployApp(guard.kc, namespace, 'web', IMAGES.nodeHttp, 'bench');
  await readyPodName(guard.core, namespace, 'web');
  const client = await createClientPod(guard.core, namespace);
  return {
    kind: 'cluster', guard, namespace,
    url: 'http://web/',
    loadCommand: [join(ROOT, 'test/cluster/kubectl.sh'), 'exec', '-i', '-n', namespace, client, '--', '/usr/bin/node', '--input-type=module', '-e', readFileSync(LOAD_SCRIPT, 'utf8')],
    config: { target: { path: 'deploy/web', namespace } },
    env: { KUBECONFIG: KUBECONFIG_PATH },
    podName: () => readyPodName(guard.core, namespace, 'web'),
    agentPid: async () => {
      const pods = await guard.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/managed-by=kmirror' });
      const running = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      if (!running?.metadata?.name) throw new Error(`no running agent pod in ${namespace}`);
      return hostPidOfContainer(guard.core, namespace, running.metadata.name, 'kmirror-agent');
    },
    close: () => guard.dispose(),
  };
}

/** `kmirror exec` of the local program, stealing the target's 8080 onto a kernel-picked local port. */
export interface StealSession {
  readonly execPid: number;
  output(): string;
  /** Kills the program; its shell loop starts it again (a debuggee restart). */
  restartProgram(): void;
  stop(): Promise<void>;
}

/** `nodeArgs`: extra flags for the `kmirror exec` process only (e.g. --trace-gc); `onLine`: its output lines. */
export interface StealSessionOptions { timeoutMs?: number; nodeArgs?: string[]; onLine?: (line: string) => void }

export async function startStealSession(place: Place, opts: StealSessionOptions = {}): Promise<StealSession> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-bench-steal-'));
  const localPort = await freePort();
  writeFileSync(join(dir, 'app.js'), APP);
  writeFileSync(join(dir, '.kmirror.json'), JSON.stringify({ ...place.config, feature: { network: { incoming: { mode: 'steal', port_mapping: [[localPort, TARGET_PORT]] } } } }));
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(ROOT, 'dist/kmirror.js'), 'exec', '-v', '--', 'sh', '-c', `while :; do node app.js ${localPort}; done`], {
    cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...place.env },
  });
  let out = '';
  for (const s of [child.stdout, child.stderr]) createInterface({ input: s! }).on('line', (l) => { out = (out + l + '\n').slice(-20_000); opts.onLine?.(l); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + timeoutMs;
  while (!(/steal of target port 8080/.test(out) && out.includes('local listening'))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`kmirror exec ended before the steal was active:\n${out}`);
    if (Date.now() > deadline) { process.kill(-child.pid!, 'SIGKILL'); throw new Error(`no active steal within ${timeoutMs} ms:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    execPid: child.pid!,
    output: () => out,
    restartProgram: () => {
      const app = descendants(child.pid!).find((p) => /^(\S*\/)?node app\.js \d+ $/.test(cmdline(p))); // not the shell or launcher naming it
      if (!app) throw new Error('the local program is not running');
      process.kill(app, 'SIGKILL');
    },
    stop: async () => {
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Bucket { at: number; local: number; other: number; failed: number; opened: number; errors?: Record<string, number> }
export interface LoadTotals { sent: number; local: number; other: number; failed: number; opened: number; p50Ms: number; p99Ms: number; errors: Record<string, number> }

/** The load generator process: live 100 ms buckets, totals at the end. */
export function startLoad(place: Place, connections: number, seconds: number, intervalMs = 1_000): { buckets: Bucket[]; done: Promise<LoadTotals>; stop(): void } {
  const [command, ...args] = place.loadCommand as [string, ...string[]];
  const child = spawn(command, [...args, place.url, String(connections), String(seconds), String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...place.env } });
  const buckets: Bucket[] = [];
  let totals: LoadTotals | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = JSON.parse(l) as Bucket & { done?: boolean };
    if (m.done) totals = m as unknown as LoadTotals; else buckets.push(m);
  });
  const done = new Promise<LoadTotals>((resolve, reject) => child.once('exit', (code) => (totals ? resolve(totals) : reject(new Error(`load generator exited ${code} without totals`)))));
  return { buckets, done, stop: () => { child.stdin!.end(); child.kill('SIGINT'); } };
}
