// Remote attach to Go (issue 11) on the project's cluster: the Go service `api` (image go-http-debug: static,
// built with -N -l, sources recorded under /build/go-http) runs from an ordinary Deployment + Service. kmirror-dap
// attaches by `deploy/api`: the agent checks the process is Go and holds it, a debugger container (image
// kmirror/debugger, dlv) is placed beside it, and a request sent to the Service stops at a breakpoint set in the
// checkout's copy of main.go. After continue + detach the same container keeps answering, with no breakpoint left.
// Faults: a pid not in the container, a process that is not Go, Pod Security baseline, a debugger image the node
// cannot get — each refused with its reason, the service unchanged, and nothing of kmirror left.
// config-keys: debugger.image, debugger.image_pull_policy
import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWhilePoking } from '#test/harness/headless-run.js';
import { attach, attachError as attachErrorOf, KMIRROR_DAP, killAdapter, kmirrorAttachArgs, startAttachClient, startAttached } from './harness/attach-client.js';
import { checkoutOf, lineWith } from './harness/checkout.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { debuggerContainers as debuggerContainersOf, waitForDebuggersExited } from './harness/debugger-containers.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';

const GO_SOURCE = fileURLToPath(new URL('../cluster/images/go-http/main.go', import.meta.url));
const REMOTE_ROOT = '/build/go-http';
const MESSAGE = 'answered by the attached Go pod';
const BREAK_AT = 'w.Header().Set("content-type"';
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
  ({ dir, file: localFile } = checkoutOf(GO_SOURCE, 'kmirror-e2e-attach-go-')); // the checkout: what the image built in /build/go-http
  process.env.KUBECONFIG = KUBECONFIG_PATH; // for the kmirror-dap child DebugClient spawns
}, 120_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  await guard?.dispose();
});

function attachArgs(extra: Record<string, unknown> = {}, kmirror: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments {
  return kmirrorAttachArgs({ debugger: 'go', target: 'deploy/api', namespace: ns, kmirror }, { localRoot: dir, remoteRoot: REMOTE_ROOT, targetTimeoutMs: 60_000, ...extra });
}

/** The attach error's message, or "attached" (then detached). */
const attachError = (extra: Record<string, unknown> = {}, kmirror: Record<string, unknown> = {}): Promise<string> => attachErrorOf(attachArgs(extra, kmirror));

async function apiPod(name = pod, namespace = ns): Promise<V1Pod> {
  return core.readNamespacedPod({ namespace, name });
}

const debuggerContainers = (p: V1Pod): string[] => debuggerContainersOf(p, 'kmirror-dlv-');

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
    const line = lineWith(localFile, BREAK_AT);
    const dc = await startAttachClient();
    try {
      await attach(dc, attachArgs());
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
    const dlvExited = await waitForDebuggersExited(core, ns, pod, 'kmirror-dlv-');
    expect(dlvExited.at(-1)?.state?.terminated?.exitCode).toBe(0);
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('kmirror-dap run --attach --debugger go prints the value at a breakpoint hit by a request, then detaches', { timeout: 180_000 }, async () => {
    const line = lineWith(localFile, BREAK_AT);
    const config = join(dir, 'kmirror.json');
    writeFileSync(config, JSON.stringify({ target: { path: 'deploy/api', namespace: ns } }));
    const podIp = (await apiPod()).status?.podIP ?? '';
    const { code, events } = await runWhilePoking(KMIRROR_DAP, ['run', '--attach', '--debugger', 'go', '--config', config, '--break', `main.go:${line}`,
      '--when', 'r.URL.Path == "/cli"', '--print', 'r.URL.Path', '--local-root', '.', '--remote-root', REMOTE_ROOT, '--count', '1', '--json'], dir,
    () => new Promise<void>((res, rej) => get({ host: podIp, port: 8080, path: '/cli', agent: false }, (r) => { r.resume(); r.on('end', () => res()); }).on('error', rej)), 100);
    expect(code).toBe(0);
    expect(events.find((e) => e.event === 'hit')).toMatchObject({ file: localFile, values: { 'r.URL.Path': '"/cli"' } });
    await stillServing('/cli');
    await waitForNoKmirrorObjects(guard.kc, ns, 60_000);
  });

  it('resumes the process when kmirror-dap dies while it is stopped (dlv detaches when its client is gone)', { timeout: 240_000 }, async () => {
    const line = lineWith(localFile, BREAK_AT);
    const dc = await startAttached(attachArgs());
    await dc.setBreakpointsRequest({ source: { path: localFile }, breakpoints: [{ line, condition: 'r.URL.Path == "/killed"' }] });
    await dc.configurationDoneRequest();
    const answer = requestFromCluster(ns, client, 'http://api/killed', 60);
    await dc.waitForEvent('stopped');
    // A crash, not a detach: no disconnect reaches dlv, the tunnel connection just ends.
    killAdapter(dc);
    expect(JSON.parse(await answer)).toMatchObject({ url: '/killed', pod });
    // No dc.stop(): it would wait for the dead adapter's answer to a disconnect.
    await stillServing('/killed');
    await waitForDebuggersExited(core, ns, pod, 'kmirror-dlv-', false);
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
