// Remote attach to Go (issue 11) on the project's cluster: the Go service `api` (image go-http-debug: static,
// built with -N -l, sources recorded under /build/go-http) runs from an ordinary Deployment + Service. kmirror-dap
// attaches by `deploy/api`: the agent checks the process is Go and holds it, a debugger container (image
// kmirror/debugger, dlv) is placed beside it, and a request sent to the Service stops at a breakpoint set in the
// checkout's copy of main.go. After continue + detach the same container keeps answering, with no breakpoint left.
// Faults: a pid not in the container, a process that is not Go, Pod Security baseline, a debugger image the node
// cannot get — each refused with its reason, the service unchanged, and nothing of kmirror left.
// config-keys: debugger.image, debugger.image_pull_policy
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../dist/kmirror-dap.js');
const GO_SOURCE = fileURLToPath(new URL('../cluster/images/go-http/main.go', import.meta.url));
const REMOTE_ROOT = '/build/go-http';
const MESSAGE = 'answered by the attached Go pod';
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let pod: string;
let dir: string;
let localFile: string;

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-attach-go'));
  await Promise.all([
    deployApp(guard.kc, ns, 'api', IMAGES.goHttpDebug, MESSAGE),
    deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'node'),
  ]);
  client = await createClientPod(core, ns);
  pod = await readyPodName(core, ns, 'api');
  await readyPodName(core, ns, 'web');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-attach-go-'));
  localFile = join(dir, 'main.go'); // the checkout: what the image built in /build/go-http
  copyFileSync(GO_SOURCE, localFile);
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

async function startClient(): Promise<DebugClient> {
  const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
  dc.defaultTimeout = 90_000;
  await dc.start();
  await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  return dc;
}

function attachArgs(extra: Record<string, unknown> = {}, kmirror: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments {
  return {
    type: 'kmirror', request: 'attach', debugger: 'go', kmirror: { target: { path: 'deploy/api', namespace: ns }, ...kmirror },
    localRoot: dir, remoteRoot: REMOTE_ROOT, targetTimeoutMs: 60_000, ...extra,
  } as DebugProtocol.AttachRequestArguments;
}

/** The attach error's message, or "attached" (then detached). */
async function attachError(extra: Record<string, unknown> = {}, kmirror: Record<string, unknown> = {}): Promise<string> {
  const dc = await startClient();
  try {
    return await dc.attachRequest(attachArgs(extra, kmirror)).then(async () => { await dc.disconnectRequest({}); return 'attached'; }, (e: Error) => e.message);
  } finally {
    await dc.stop();
  }
}

async function apiPod(name = pod, namespace = ns): Promise<V1Pod> {
  return core.readNamespacedPod({ namespace, name });
}

const debuggerContainers = (p: V1Pod): string[] => (p.spec?.ephemeralContainers ?? []).map((c) => c.name).filter((n) => n.startsWith('kmirror-dlv-'));

/** The service answers from the same container (no restart), not stopped. */
async function stillServing(path: string): Promise<void> {
  expect(JSON.parse(await requestFromCluster(ns, client, `http://api${path}`, 10))).toMatchObject({ url: path, message: MESSAGE, pod });
  expect((await apiPod()).status?.containerStatuses?.find((s) => s.name === 'app')?.restartCount).toBe(0);
}

describe('attach to a Go service already running in deploy/api', () => {
  it('refuses a pid not in the container and a process that is not Go, before placing anything', { timeout: 180_000 }, async () => {
    expect(await attachError({ processId: 4242 })).toMatch(/no process 4242 in the PID namespace of .* \(processes there: 1 go-http\)/);
    const notGo = await attachError({ kmirror: { target: { path: 'deploy/web', namespace: ns } } });
    expect(notGo).toMatch(/process 1 \(\/usr\/bin\/node \/app\/server\.js\) is not a Go program: its executable \/usr\/bin\/node has no Go build information/);
    expect(debuggerContainers(await apiPod())).toEqual([]);
    const web = await readyPodName(core, ns, 'web');
    expect(debuggerContainers(await apiPod(web))).toEqual([]);
    await stillServing('/after-refusals');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('stops at a breakpoint hit by a request to the Service, reads values, continues, detaches; the pod keeps serving', { timeout: 240_000 }, async () => {
    const line = readFileSync(localFile, 'utf8').split('\n').findIndex((l) => l.includes('w.Header().Set("content-type"')) + 1;
    expect(line).toBeGreaterThan(0);
    const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
    dc.defaultTimeout = 90_000;
    await dc.start();
    try {
      await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
      await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest(attachArgs())]);
      const bp = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: 'r.URL.Path == "/e2e-stop"' }] }); // not the kubelet's probes
      expect(bp.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();

      const answer = requestFromCluster(ns, client, 'http://api/e2e-stop', 60);
      const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
      expect(stopped.body.reason).toBe('breakpoint');
      const threadId = stopped.body.threadId!;
      const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0]!;
      expect(frame).toMatchObject({ line, source: { path: localFile } });
      expect((await dc.evaluateRequest({ expression: 'r.URL.Path', frameId: frame.id })).body.result).toBe('"/e2e-stop"');
      expect((await dc.evaluateRequest({ expression: 'r.Method', frameId: frame.id })).body.result).toBe('"GET"');
      await dc.continueRequest({ threadId });
      expect(JSON.parse(await answer)).toMatchObject({ url: '/e2e-stop', message: MESSAGE, pod });
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Detached: no breakpoint left (the same URL is answered), dlv's container has exited, nothing of kmirror left.
    await stillServing('/e2e-stop');
    const dlvExited = await waitFor('the debugger container to exit', async () => {
      const statuses = (await apiPod()).status?.ephemeralContainerStatuses ?? [];
      const mine = statuses.filter((s) => s.name.startsWith('kmirror-dlv-'));
      return mine.length > 0 && mine.every((s) => s.state?.terminated) ? mine : undefined;
    }, 60_000);
    expect(dlvExited.at(-1)?.state?.terminated?.exitCode).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('kmirror-dap run --attach --debugger go prints the value at a breakpoint hit by a request, then detaches', { timeout: 180_000 }, async () => {
    const line = readFileSync(localFile, 'utf8').split('\n').findIndex((l) => l.includes('w.Header().Set("content-type"')) + 1;
    const config = join(dir, 'kmirror.json');
    writeFileSync(config, JSON.stringify({ target: { path: 'deploy/api', namespace: ns } }));
    const podIp = (await apiPod()).status?.podIP ?? '';
    const run = spawn(process.execPath, [KMIRROR_DAP, 'run', '--attach', '--debugger', 'go', '--config', config, '--break', `main.go:${line}`,
      '--when', 'r.URL.Path == "/cli"', '--print', 'r.URL.Path', '--local-root', '.', '--remote-root', REMOTE_ROOT, '--count', '1', '--json'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    run.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = once(run, 'exit') as Promise<[number | null]>;
    try {
      // Until the breakpoint is placed requests pass; the one it catches is answered after the detach.
      let done = false;
      void exited.then(() => { done = true; });
      while (!done) {
        await new Promise<void>((res, rej) => get({ host: podIp, port: 8080, path: '/cli', agent: false }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej));
        await new Promise((r) => setTimeout(r, 100));
      }
      const [code] = await exited;
      expect(code).toBe(0);
      const hit = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; file?: string; values?: Record<string, string> }).find((e) => e.event === 'hit');
      expect(hit).toMatchObject({ file: localFile, values: { 'r.URL.Path': '"/cli"' } });
    } finally {
      run.kill('SIGKILL');
    }
    await stillServing('/cli');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('resumes the process when kmirror-dap dies while it is stopped (dlv detaches when its client is gone)', { timeout: 240_000 }, async () => {
    const line = readFileSync(localFile, 'utf8').split('\n').findIndex((l) => l.includes('w.Header().Set("content-type"')) + 1;
    const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
    dc.defaultTimeout = 90_000;
    await dc.start();
    await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await Promise.all([dc.waitForEvent('initialized'), dc.attachRequest(attachArgs())]);
    await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: 'r.URL.Path == "/killed"' }] });
    await dc.configurationDoneRequest();
    const answer = requestFromCluster(ns, client, 'http://api/killed', 60);
    await dc.waitForEvent('stopped');
    // A crash, not a detach: no disconnect reaches dlv, the tunnel connection just ends.
    (dc as unknown as { _adapterProcess: import('node:child_process').ChildProcess })._adapterProcess.kill('SIGKILL');
    expect(JSON.parse(await answer)).toMatchObject({ url: '/killed', pod });
    // No dc.stop(): it would wait for the dead adapter's answer to a disconnect.
    await stillServing('/killed');
    await waitFor('every debugger container to exit', async () => {
      const statuses = ((await apiPod()).status?.ephemeralContainerStatuses ?? []).filter((s) => s.name.startsWith('kmirror-dlv-'));
      return statuses.every((s) => s.state?.terminated) ? true : undefined;
    }, 60_000);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('says what the user can do when the debugger image cannot be had, leaving nothing running', { timeout: 180_000 }, async () => {
    const before = debuggerContainers(await apiPod()).length;
    const err = await attachError({}, { debugger: { image: 'kmirror/debugger:no-such-tag', image_pull_policy: 'Never' } });
    expect(err).toMatch(/debugger container kmirror-dlv-[0-9a-f]+ in pod .* cannot start: ErrImageNeverPull .*the node cannot get the debugger image kmirror\/debugger:no-such-tag\. Fix: build it from debugger\/Dockerfile/);
    const p = await apiPod();
    expect(debuggerContainers(p).length).toBe(before + 1); // Kubernetes keeps an ephemeral container's record
    expect((p.status?.ephemeralContainerStatuses ?? []).filter((s) => s.state?.running)).toEqual([]);
    await stillServing('/after-bad-image');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
    // The hold on the process went with the failed session: the next attach is not refused as busy.
    expect(await attachError({ processId: 4242 })).toMatch(/no process 4242/);
  });
});

describe('Pod Security', () => {
  it('refuses before anything is placed in a namespace that enforces baseline, saying what to do', { timeout: 180_000 }, async () => {
    const strict = await guard.namespace('kmt-attach-go-psa');
    await deployApp(guard.kc, strict, 'api', IMAGES.goHttpDebug, MESSAGE);
    const strictPod = await readyPodName(core, strict, 'api');
    await core.patchNamespace({ name: strict, body: [{ op: 'add', path: '/metadata/labels/pod-security.kubernetes.io~1enforce', value: 'baseline' }] });
    // The agent runs in the privileged test namespace (agent.namespace); the pod is in the baseline one.
    const err = await attachError({}, { target: { path: 'deploy/api', namespace: strict }, agent: { namespace: ns } });
    expect(err).toMatch(new RegExp(`namespace ${strict} enforces Pod Security level "baseline".*SYS_PTRACE.*Nothing was created in the pod.*kubectl label namespace ${strict} pod-security\\.kubernetes\\.io/enforce=privileged --overwrite`));
    expect(debuggerContainers(await apiPod(strictPod, strict))).toEqual([]);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
    await waitForNoKmirrorObjects(guard.kc, strict, 60_000);
  });
});
