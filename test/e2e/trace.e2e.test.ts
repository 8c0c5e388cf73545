// `kmirror trace` and `kmirror snapshot` against deploy/web on the project's test cluster (node
// agent): while a client pod sends requests to the web Service and the web pod itself fetches
// the other Service by name, `kmirror trace --target deploy/web dns tcp --json` shows the pod's
// lookup of the Service name with its answer, the connection it opens and the connections it
// accepts; `kmirror snapshot processes` lists the pod's node-http process. Nothing of kmirror is
// left in the namespace afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { execInPod } from './harness/pods.js';
import { APP_PORT, createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { KMIRROR_CLI } from './k8s/kmirror-exec.js';

let guard: ClusterGuard;
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let client: string;
let webPod: string;
const children: ChildProcess[] = [];

// Run in the web pod: looks up the other Service by its short name (the pod's search path) and fetches it.
const FETCH_OTHER = "require('http').get('http://other/', (r) => { r.resume(); r.on('end', () => console.log('fetched', r.statusCode)); })";

function kmirror(args: string[]): { child: ChildProcess; lines: Array<Record<string, any>>; stderr: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [KMIRROR_CLI, ...args, '-n', ns], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH } });
  children.push(child);
  const lines: Array<Record<string, any>> = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => { try { lines.push(JSON.parse(l) as Record<string, any>); } catch { lines.push({ text: l }); } });
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  return { child, lines, stderr, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function until<T>(what: string, find: () => T | undefined, context: () => string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs / 1000} s: ${context()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  ({ guard, kc, core, ns } = await openGuardedNamespace('kmt-trace'));
  await deployApp(kc, ns, 'web', IMAGES.nodeHttp, 'traced');
  await deployApp(kc, ns, 'other', IMAGES.goHttp, 'the other service');
  client = await createClientPod(core, ns);
  webPod = await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'other');
}, 300_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await guard?.dispose();
});

describe('kmirror trace --target deploy/web dns tcp --json', () => {
  it("shows the pod's lookup of a Service name and its connections while a client pod sends requests", async () => {
    const run = kmirror(['trace', '--target', 'deploy/web', 'dns', 'tcp', '--json']);
    const context = (): string => `stderr: ${run.stderr.join('\n')}\nevents: ${JSON.stringify(run.lines).slice(0, 3000)}`;
    await until('tracing line', () => run.stderr.find((l) => l.startsWith('kmirror trace: tracing')) ?? (run.child.exitCode !== null ? (() => { throw new Error(context()); })() : undefined), context);

    // Requests keep coming while we wait: each one is an accepted connection in the web pod.
    const stop = new AbortController();
    const traffic = (async () => {
      while (!stop.signal.aborted) {
        await requestFromCluster(ns, client, 'http://web/traced').catch(() => undefined);
        await execInPod(ns, webPod, ['/usr/bin/node', '-e', FETCH_OTHER]).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      const query = await until('DNS query for the other Service', () =>
        run.lines.find((e) => e.gadget === 'dns' && e.kind === 'query' && /^other\./.test(e.name) && e.type === 'A'), context);
      expect(query.name).toBe(`other.${ns}.svc.cluster.local`);
      const answer = await until('DNS answer for the other Service', () =>
        run.lines.find((e) => e.gadget === 'dns' && e.kind === 'answer' && e.name === query.name && e.answers?.length), context);
      expect(answer.rcode).toBe('NOERROR');
      const serviceIp = (answer.answers as Array<{ type: string; data: string }>).find((a) => a.type === 'A')!.data;
      await until('connect to the other Service', () =>
        run.lines.find((e) => e.gadget === 'tcp' && e.kind === 'connect' && e.remote?.address === serviceIp && e.remote?.port === 80), context);
      const accept = await until('accepted request connection', () =>
        run.lines.find((e) => e.gadget === 'tcp' && e.kind === 'accept' && e.local?.port === APP_PORT), context);
      expect(accept.process.comm).toBe('node');
    } finally {
      stop.abort();
      await traffic;
    }
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.stderr.join('\n')).toMatch(/dns: \d+ events, \d+ dropped/);
  });

  it("kmirror snapshot --target deploy/web processes lists the pod's processes", async () => {
    const run = kmirror(['snapshot', '--target', 'deploy/web', 'processes']);
    expect(await run.exited, run.stderr.join('\n')).toBe(0);
    const text = run.lines.map((l) => l.text).join('\n');
    expect(text).toMatch(/^ *PID +PPID +UID +S +RSS +STARTED +COMM +ARGV$/m);
    expect(text).toMatch(/ node +\/usr\/bin\/node \/app\/server\.js$/m);
  });

  it('leaves no kmirror object in the namespace', async () => {
    await waitForNoKmirrorObjects(kc, ns, 60_000);
  });
});
