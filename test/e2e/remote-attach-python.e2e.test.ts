// Python attach by pid (issue 11) on the project's cluster: the service `py` (image python-http: Debian's python3.11
// running /app/server.py, an http.server app) runs from an ordinary Deployment + Service, started WITHOUT debugpy.
// kmirror-dap attaches by `deploy/py` with processId omitted: the agent checks the main process is a Python
// interpreter and holds it, a debugger container (kmirror/debugger: kmirror-debugpy) copies debugpy into the
// target's /tmp and injects it (a read-only /tmp is refused clearly), and a request sent to the Service stops at a breakpoint set in the checkout's copy
// of server.py. After continue + detach the same container keeps answering, debugpy's copy is gone from the
// target, the debugger container has exited and nothing of kmirror is left. A Node process is refused first; the
// headless CLI (`kmirror-dap run --attach --debugger python`) attaches again to the same process, and a request
// stopped when kmirror-dap dies is answered (the process resumed).
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
import { execInPod } from './harness/pods.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const KMIRROR_DAP = resolve(fileURLToPath(import.meta.url), '../../../dist/kmirror-dap.js');
const PY_SOURCE = fileURLToPath(new URL('../cluster/images/python-http/server.py', import.meta.url));
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let pod: string;
let dir: string;
let localFile: string;

beforeAll(async () => {
  ({ guard, core, ns } = await openGuardedNamespace('kmt-attach-py'));
  await Promise.all([deployApp(guard.kc, ns, 'py', IMAGES.pythonHttp, 'py'), deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'node'),
    deployApp(guard.kc, ns, 'pyro', IMAGES.pythonHttp, 'py', { securityContext: { readOnlyRootFilesystem: true } })]);
  client = await createClientPod(core, ns);
  pod = await readyPodName(core, ns, 'py');
  await readyPodName(core, ns, 'web');
  await readyPodName(core, ns, 'pyro');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-attach-py-'));
  localFile = join(dir, 'server.py'); // the checkout: what the image holds in /app
  copyFileSync(PY_SOURCE, localFile);
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

function attachArgs(target = 'deploy/py'): DebugProtocol.AttachRequestArguments {
  return {
    type: 'kmirror', request: 'attach', debugger: 'python', kmirror: { target: { path: target, namespace: ns } },
    localRoot: dir, remoteRoot: '/app', targetTimeoutMs: 60_000,
  } as DebugProtocol.AttachRequestArguments;
}

const breakLine = (): number => readFileSync(localFile, 'utf8').split('\n').findIndex((l) => l.includes("body = (greeting + '\\n').encode()")) + 1;
const pyPod = (): Promise<V1Pod> => core.readNamespacedPod({ namespace: ns, name: pod });
const debugpyContainers = (p: V1Pod): string[] => (p.spec?.ephemeralContainers ?? []).map((c) => c.name).filter((n) => n.startsWith('kmirror-debugpy-'));
/** What kmirror-debugpy placed in the target's /tmp (the image's own python lists it). */
const placedInTarget = async (): Promise<string> => execInPod(ns, pod, ['/usr/bin/python3', '-c', 'import glob; print(glob.glob("/tmp/kmirror-debugpy-*"))']);

async function stillServing(path: string): Promise<void> {
  expect(await requestFromCluster(ns, client, `http://py${path}`, 10)).toBe(`hello from python ${path}\n`);
  expect((await pyPod()).status?.containerStatuses?.find((s) => s.name === 'app')?.restartCount).toBe(0);
}

describe('attach by pid to a Python service already running in deploy/py (debugpy injected)', () => {
  it('refuses a process that is not Python before placing anything', { timeout: 120_000 }, async () => {
    const dc = await startClient();
    const err = await dc.attachRequest(attachArgs('deploy/web')).then(() => 'attached', (e: Error) => e.message).finally(() => dc.stop());
    expect(err).toMatch(/process 1 \(\/usr\/bin\/node \/app\/server\.js\) is not a Python interpreter \(its executable is \/usr\/bin\/node\)/);
    const web = await readyPodName(core, ns, 'web');
    expect(debugpyContainers(await core.readNamespacedPod({ namespace: ns, name: web }))).toEqual([]);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('says so when the target\'s /tmp cannot receive debugpy (read-only root filesystem), leaving the process unchanged', { timeout: 120_000 }, async () => {
    const dc = await startClient();
    const err = await dc.attachRequest(attachArgs('deploy/pyro')).then(() => 'attached', (e: Error) => e.message).finally(() => dc.stop());
    expect(err).toMatch(/debugger container kmirror-debugpy-[0-9a-f]+ in pod pyro-.* exited \(exit code 2.*cannot copy debugpy into the target's \/tmp\/kmirror-debugpy-[0-9a-f]{8} \(Read-only file system\); is its \/tmp writable\?/);
    const pyro = await readyPodName(core, ns, 'pyro');
    expect(await requestFromCluster(ns, client, 'http://pyro/after-refusal', 10)).toBe('hello from python /after-refusal\n');
    expect((await core.readNamespacedPod({ namespace: ns, name: pyro })).status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('stops at a breakpoint hit by a request to the Service, reads a local, continues, detaches; the pod keeps serving', { timeout: 180_000 }, async () => {
    const line = breakLine();
    expect(line).toBeGreaterThan(0);
    const dc = await startClient();
    try {
      // debugpy answers attach only after configurationDone.
      const initialized = dc.waitForEvent('initialized');
      const attached = dc.attachRequest(attachArgs());
      await initialized;
      // Conditional: the kubelet's readiness probes go through the same handler.
      const bp = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: 'self.path == "/e2e-stop"' }] });
      expect(bp.body.breakpoints[0]?.verified).toBe(true);
      await dc.configurationDoneRequest();
      await attached;
      expect(await placedInTarget()).toMatch(/\/tmp\/kmirror-debugpy-[0-9a-f]{8}/);

      const answer = requestFromCluster(ns, client, 'http://py/e2e-stop', 60);
      const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
      expect(stopped.body.reason).toBe('breakpoint');
      const threadId = stopped.body.threadId!;
      const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0]!;
      expect(frame).toMatchObject({ line, name: 'do_GET', source: { path: localFile } });
      const locals = (await dc.scopesRequest({ frameId: frame.id })).body.scopes[0]!;
      const vars = (await dc.variablesRequest({ variablesReference: locals.variablesReference })).body.variables;
      expect(vars.find((v) => v.name === 'greeting')?.value).toBe("'hello from python /e2e-stop'");
      await dc.continueRequest({ threadId });
      expect(await answer).toBe('hello from python /e2e-stop\n');
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
    // Detached: no breakpoint left (the same URL is answered), the container has exited, the copy is gone.
    await stillServing('/e2e-stop');
    const exited = await waitFor('the debugger container to exit', async () => {
      const mine = ((await pyPod()).status?.ephemeralContainerStatuses ?? []).filter((s) => s.name.startsWith('kmirror-debugpy-'));
      return mine.length > 0 && mine.every((s) => s.state?.terminated) ? mine : undefined;
    }, 60_000);
    expect(exited.at(-1)?.state?.terminated?.exitCode).toBe(0);
    expect(await placedInTarget()).toBe('[]\n');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('kmirror-dap run --attach --debugger python prints a local at a breakpoint hit by a request, then detaches', { timeout: 120_000 }, async () => {
    const config = join(dir, 'kmirror.json');
    writeFileSync(config, JSON.stringify({ target: { path: 'deploy/py', namespace: ns } }));
    const podIp = (await pyPod()).status?.podIP ?? '';
    const run = spawn(process.execPath, [KMIRROR_DAP, 'run', '--attach', '--debugger', 'python', '--config', config, '--break', `server.py:${breakLine()}`,
      '--when', 'self.path == "/cli"', '--print', 'greeting', '--local-root', '.', '--remote-root', '/app', '--count', '1', '--json'],
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
      expect(hit).toMatchObject({ file: localFile, values: { greeting: "'hello from python /cli'" } });
    } finally {
      run.kill('SIGKILL');
    }
    await stillServing('/cli');
    expect(await waitFor('the copy to leave the target', async () => ((await placedInTarget()) === '[]\n' ? true : undefined), 30_000)).toBe(true);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('resumes the process when kmirror-dap dies while it is stopped (the container stops the adapter when its client is gone)', { timeout: 120_000 }, async () => {
    const dc = await startClient();
    const initialized = dc.waitForEvent('initialized');
    const attached = dc.attachRequest(attachArgs());
    await initialized;
    await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line: breakLine(), condition: 'self.path == "/killed"' }] });
    await dc.configurationDoneRequest();
    await attached;
    const answer = requestFromCluster(ns, client, 'http://py/killed', 60);
    await dc.waitForEvent('stopped');
    // A crash, not a detach: no disconnect reaches debugpy, the tunnel connection just ends.
    (dc as unknown as { _adapterProcess: import('node:child_process').ChildProcess })._adapterProcess.kill('SIGKILL');
    expect(await answer).toBe('hello from python /killed\n');
    // No dc.stop(): it would wait for the dead adapter's answer to a disconnect.
    await stillServing('/killed');
    await waitFor('every debugger container to exit', async () => {
      const statuses = ((await pyPod()).status?.ephemeralContainerStatuses ?? []).filter((s) => s.name.startsWith('kmirror-debugpy-'));
      return statuses.every((s) => s.state?.terminated) ? true : undefined;
    }, 60_000);
    expect(await placedInTarget()).toBe('[]\n');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });
});
