// What the remote attach benches (bench/attach*.ts) share: kubectl of the test cluster, a GET that
// waits for the whole answer, why the cluster cannot be measured, a port-forward's local port, the median.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { resolve } from 'node:path';
import { ClusterGuard, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';

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
