// What the remote attach benches (bench/attach*.ts) share: kubectl of the test cluster, a GET that
// waits for the whole answer, why the cluster cannot be measured, a port-forward's local port, the median,
// and the run itself (deploy, alternate kmirror and the manual way, print the ratio).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { resolve } from 'node:path';
import { ClusterGuard, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { deployApp, readyPodName } from '#test/e2e/k8s/fixtures.js';

export const KUBECTL = resolve('test/cluster/kubectl.sh');

export function kubectl(args: string[]): Promise<string> {
  return new Promise((res, rej) => execFile(KUBECTL, args, { timeout: 120_000 }, (err, stdout, stderr) => (err ? rej(new Error(`kubectl ${args[0]}: ${stderr || err.message}`)) : res(stdout))));
}

export function httpGet(url: string): Promise<void> {
  return new Promise((res, rej) => get(url, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej));
}

/** Why the cluster rows cannot be measured, or undefined when the test cluster answers. */
export async function clusterMissing(): Promise<string | undefined> {
  if (!existsSync(KUBECONFIG_PATH)) return `the test cluster is not up (${KUBECONFIG_PATH} missing; npm run cluster:up)`;
  try {
    await Promise.race([new ClusterGuard().core.listNamespace({ limit: 1 }), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10_000).unref())]);
    return undefined;
  } catch (e) {
    return `the test cluster's API server does not answer: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** `kubectl port-forward pod/POD :PORT`; resolves with the process and its local port (bounded: 60 s). */
export function portForward(ns: string, pod: string, port: number): Promise<{ forward: ChildProcess; localPort: number }> {
  const forward = spawn(KUBECTL, ['port-forward', '-n', ns, `pod/${pod}`, `:${port}`, '--address', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => { forward.kill(); rej(new Error(`kubectl port-forward to ${pod}:${port} printed no local port in 60 s`)); }, 60_000);
    forward.stdout!.on('data', (d: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(d.toString());
      if (m) { clearTimeout(timer); res({ forward, localPort: Number(m[1]) }); }
    });
  });
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export interface AttachBench {
  what: string;           // e.g. "go attach"
  namespace: string;      // the bench's own namespace (removed after)
  app: string;            // the Deployment's name
  image: string;
  manualWay: string;      // how the manual column was done, for the printed line
  viaKmirror: (ns: string, podIp: string) => Promise<number>;
  viaManual: (ns: string, pod: string, podIp: string, run: number) => Promise<number>;
}

/** Deploys `app`, runs kmirror and the manual way `runs` times each, alternating, and prints the medians and their ratio. */
export async function runAttachBench(b: AttachBench, runs: number): Promise<void> {
  const missing = await clusterMissing();
  if (missing) {
    console.log(`${b.what} → first stop: NOT MEASURED — ${missing}`);
    return;
  }
  process.env.KUBECONFIG = KUBECONFIG_PATH;
  const guard = new ClusterGuard();
  try {
    const ns = await guard.namespace(b.namespace);
    await deployApp(guard.kc, ns, b.app, b.image, 'bench');
    const pod = await readyPodName(guard.core, ns, b.app);
    const podIp = (await guard.core.readNamespacedPod({ namespace: ns, name: pod })).status?.podIP ?? '';
    const kmirror: number[] = [];
    const manual: number[] = [];
    for (let i = 0; i < runs; i++) {
      kmirror.push(await b.viaKmirror(ns, podIp));
      manual.push(await b.viaManual(ns, pod, podIp, i));
    }
    const k = median(kmirror);
    const m = median(manual);
    const list = (xs: number[]): string => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    console.log(`${b.what} → first stop (median of ${runs}): kmirror ${(k / 1000).toFixed(2)} s [${list(kmirror)}] vs ${b.manualWay} ${(m / 1000).toFixed(2)} s [${list(manual)}]: ${(k / m).toFixed(2)}×`);
  } finally {
    await guard.dispose();
  }
}

/**
 * The manual way's first steps: `kubectl debug --target=app` with the debugger image running `command`, then the
 * port it prints (`listening at: HOST:PORT`, polled from `kubectl logs`, bounded: 60 s), port-forwarded.
 */
export async function manualDebuggerContainer(ns: string, pod: string, name: string, image: string, command: string[]): Promise<{ forward: ChildProcess; localPort: number }> {
  await kubectl(['debug', '-n', ns, pod, `--image=${image}`, '--image-pull-policy=IfNotPresent', '--target=app', '--profile=general', '-c', name, '--', ...command]);
  const deadline = Date.now() + 60_000;
  let port = 0;
  while (!port) {
    const log = await kubectl(['logs', '-n', ns, pod, '-c', name]).catch(() => '');
    port = Number(/listening at: [\d.]+:(\d+)/.exec(log)?.[1] ?? 0);
    if (port) break;
    if (Date.now() > deadline) throw new Error(`debugger container ${name} printed no "listening at" line within 60 s: ${log.trim().split('\n').slice(-3).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return portForward(ns, pod, port);
}
