// Python attach by pid (issue 11) on the project's cluster: the service `py` (image python-http: Debian's python3.11
// running /app/server.py, an http.server app) runs from an ordinary Deployment + Service, started WITHOUT debugpy.
// kmirror-dap attaches by `deploy/py` with processId omitted: the agent checks the main process is a Python
// interpreter and holds it, a debugger container (kmirror/debugger: kmirror-debugpy) copies debugpy into the
// target's /tmp and injects it (a read-only /tmp is refused clearly), and a request sent to the Service stops at a breakpoint set in the checkout's copy
// of server.py. After continue + detach the same container keeps answering, debugpy's copy is gone from the
// target, the debugger container has exited and nothing of kmirror is left. A Node process is refused first; the
// headless CLI (`kmirror-dap run --attach --debugger python`) attaches again to the same process, and a request
// stopped when kmirror-dap dies is answered (the process resumed).
import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWhilePoking } from '#test/harness/headless-run.js';
import { attach, attachError, KMIRROR_DAP, killAdapter, kmirrorAttachArgs, startAttachClient, startAttached } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace, waitFor } from './harness/cluster.js';
import { debuggerContainers, waitForDebuggersExited } from './harness/debugger-containers.js';
import { execInPod } from './harness/pods.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

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
  ({ dir, file: localFile } = checkoutOf(PY_SOURCE, 'kmirror-e2e-attach-py-')); // the checkout: what the image holds in /app
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

function attachArgs(target = 'deploy/py'): DebugProtocol.AttachRequestArguments {
  return kmirrorAttachArgs({ debugger: 'python', target, namespace: ns }, { localRoot: dir, remoteRoot: '/app', targetTimeoutMs: 60_000 });
}

const breakLine = (): number => lineWith(localFile, "body = (greeting + '\\n').encode()");
const pyPod = (): Promise<V1Pod> => core.readNamespacedPod({ namespace: ns, name: pod });
/** What kmirror-debugpy placed in the target's /tmp (the image's own python lists it). */
const placedInTarget = async (): Promise<string> => execInPod(ns, pod, ['/usr/bin/python3', '-c', 'import glob; print(glob.glob("/tmp/kmirror-debugpy-*"))']);

async function stillServing(path: string): Promise<void> {
  expect(await requestFromCluster(ns, client, `http://py${path}`, 10)).toBe(`hello from python ${path}\n`);
  expect((await pyPod()).status?.containerStatuses?.find((s) => s.name === 'app')?.restartCount).toBe(0);
}

describe('attach by pid to a Python service already running in deploy/py (debugpy injected)', () => {
  it('refuses a process that is not Python before placing anything', { timeout: 120_000 }, async () => {
    const err = await attachError(attachArgs('deploy/web'));
    expect(err).toMatch(/process 1 \(\/usr\/bin\/node \/app\/server\.js\) is not a Python interpreter \(its executable is \/usr\/bin\/node\)/);
    const web = await readyPodName(core, ns, 'web');
    expect(debuggerContainers(await core.readNamespacedPod({ namespace: ns, name: web }), 'kmirror-debugpy-')).toEqual([]);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('says so when the target\'s /tmp cannot receive debugpy (read-only root filesystem), leaving the process unchanged', { timeout: 120_000 }, async () => {
    const err = await attachError(attachArgs('deploy/pyro'));
    expect(err).toMatch(/debugger container kmirror-debugpy-[0-9a-f]+ in pod pyro-.* exited \(exit code 2.*cannot copy debugpy into the target's \/tmp\/kmirror-debugpy-[0-9a-f]{8} \(Read-only file system\); is its \/tmp writable\?/);
    const pyro = await readyPodName(core, ns, 'pyro');
    expect(await requestFromCluster(ns, client, 'http://pyro/after-refusal', 10)).toBe('hello from python /after-refusal\n');
    expect((await core.readNamespacedPod({ namespace: ns, name: pyro })).status?.containerStatuses?.[0]?.restartCount).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('stops at a breakpoint hit by a request to the Service, reads a local, continues, detaches; the pod keeps serving', { timeout: 180_000 }, async () => {
    const line = breakLine();
    const dc = await startAttachClient();
    try {
      // debugpy answers attach only after configurationDone.
      await attach(dc, attachArgs(), { configurationDoneBeforeAnswer: true, configure: async () => {
        // Conditional: the kubelet's readiness probes go through the same handler.
        const bp = await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: 'self.path == "/e2e-stop"' }] });
        expect(bp.body.breakpoints[0]?.verified).toBe(true);
      } });
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
    const exited = await waitForDebuggersExited(core, ns, pod, 'kmirror-debugpy-');
    expect(exited.at(-1)?.state?.terminated?.exitCode).toBe(0);
    expect(await placedInTarget()).toBe('[]\n');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('kmirror-dap run --attach --debugger python prints a local at a breakpoint hit by a request, then detaches', { timeout: 120_000 }, async () => {
    const config = join(dir, 'kmirror.json');
    writeFileSync(config, JSON.stringify({ target: { path: 'deploy/py', namespace: ns } }));
    const podIp = (await pyPod()).status?.podIP ?? '';
    const { code, events } = await runWhilePoking(KMIRROR_DAP, ['run', '--attach', '--debugger', 'python', '--config', config, '--break', `server.py:${breakLine()}`,
      '--when', 'self.path == "/cli"', '--print', 'greeting', '--local-root', '.', '--remote-root', '/app', '--count', '1', '--json'], dir,
    () => new Promise<void>((res, rej) => get({ host: podIp, port: 8080, path: '/cli', agent: false }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej)), 100);
    expect(code).toBe(0);
    expect(events.find((e) => e.event === 'hit')).toMatchObject({ file: localFile, values: { greeting: "'hello from python /cli'" } });
    await stillServing('/cli');
    expect(await waitFor('the copy to leave the target', async () => ((await placedInTarget()) === '[]\n' ? true : undefined), 30_000)).toBe(true);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('resumes the process when kmirror-dap dies while it is stopped (the container stops the adapter when its client is gone)', { timeout: 120_000 }, async () => {
    const dc = await startAttached(attachArgs(), { configurationDoneBeforeAnswer: true, configure: async (c) => {
      await c.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line: breakLine(), condition: 'self.path == "/killed"' }] });
    } });
    const answer = requestFromCluster(ns, client, 'http://py/killed', 60);
    await dc.waitForEvent('stopped');
    // A crash, not a detach: no disconnect reaches debugpy, the tunnel connection just ends.
    killAdapter(dc);
    expect(await answer).toBe('hello from python /killed\n');
    // No dc.stop(): it would wait for the dead adapter's answer to a disconnect.
    await stillServing('/killed');
    await waitForDebuggersExited(core, ns, pod, 'kmirror-debugpy-', false);
    expect(await placedInTarget()).toBe('[]\n');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });
});
