// Remote attach to Go, attach → first stop, on the project's test cluster, against the manual way in the same run:
//  * kmirror: a DAP client asks kmirror-dap to attach to `deploy/api` (agent placed, process checked and held,
//    debugger container with dlv placed, DAP relayed through the tunnel), sets a breakpoint in the handler,
//    configurationDone, one request to the pod → `stopped`.
//  * manual: `kubectl debug --target=app --profile=general` with the same debugger image running `dlv dap`, its
//    port read from `kubectl logs`, `kubectl port-forward` to it, a DAP client attaching (mode local, pid 1), the
//    same breakpoint and request → `stopped`.
// Both then continue and detach. Median of RUNS each, alternating; prints the ratio kmirror / manual.
// Without the cluster it prints NOT MEASURED with the reason.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DEFAULT_DEBUGGER_IMAGE } from '#runtime/placement/debugger-placement.js';
import { IMAGES } from '#test/e2e/harness/cluster.js';
import { httpGet, manualDebuggerContainer, runAttachBench } from './lib/cluster-attach.js';

const RUNS = Number(process.env.KMIRROR_BENCH_ATTACH_RUNS ?? 3);
const KMIRROR_DAP = resolve('dist/kmirror-dap.js');
const SOURCE = resolve('test/cluster/images/go-http/main.go');
const REMOTE_SOURCE = '/build/go-http/main.go';
// The handler's w.Header().Set("content-type", …)
const LINE = readFileSync(SOURCE, 'utf8').split('\n').findIndex((l) => l.includes('w.Header().Set("content-type"')) + 1;




/** Breakpoint, configurationDone, one request, `stopped`; then continue and detach. Returns ms from `start`. */
async function stopOnce(dc: DebugClient, path: string, podIp: string, start: bigint): Promise<number> {
  await dc.setBreakpointsRequest({ source: { path }, breakpoints: [{ line: LINE }] });
  await dc.configurationDoneRequest();
  const answered = httpGet(`http://${podIp}:8080/bench`);
  const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await dc.setBreakpointsRequest({ source: { path }, breakpoints: [] });
  await dc.continueRequest({ threadId: stopped.body.threadId! });
  await answered;
  await dc.disconnectRequest({ terminateDebuggee: false });
  return ms;
}

async function viaKmirror(ns: string, podIp: string): Promise<number> {
  const start = process.hrtime.bigint();
  const dc = new DebugClient('node', KMIRROR_DAP, 'kmirror');
  dc.defaultTimeout = 120_000;
  await dc.start();
  try {
    await dc.initializeRequest({ adapterID: 'kmirror', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.attachRequest({ type: 'kmirror', request: 'attach', debugger: 'go', kmirror: { target: { path: 'deploy/api', namespace: ns } },
      localRoot: resolve(SOURCE, '..'), remoteRoot: resolve(REMOTE_SOURCE, '..'), targetTimeoutMs: 120_000 } as DebugProtocol.AttachRequestArguments);
    return await stopOnce(dc, SOURCE, podIp, start);
  } finally {
    await dc.stop();
  }
}

async function viaKubectlDebug(ns: string, pod: string, podIp: string, run: number): Promise<number> {
  const start = process.hrtime.bigint();
  const { forward, localPort } = await manualDebuggerContainer(ns, pod, `manual-dlv-${run}`, DEFAULT_DEBUGGER_IMAGE, ['/usr/local/bin/dlv', 'dap', '--listen', '127.0.0.1:0']);
  try {
    const dc = new DebugClient('dlv', '', 'go');
    dc.defaultTimeout = 120_000;
    await dc.start(localPort);
    await dc.initializeRequest({ adapterID: 'go', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    await dc.attachRequest({ mode: 'local', processId: 1, substitutePath: [{ from: resolve(SOURCE, '..'), to: resolve(REMOTE_SOURCE, '..') }] } as DebugProtocol.AttachRequestArguments);
    return await stopOnce(dc, SOURCE, podIp, start);
  } finally {
    // The port-forward holds the client's socket open after dlv exits: end it first, or DebugClient.stop() waits.
    forward.kill();
  }
}

await runAttachBench({
  what: 'go attach', namespace: 'kmb-attach', app: 'api', image: IMAGES.goHttpDebug,
  manualWay: 'kubectl debug + dlv dap + port-forward', viaKmirror, viaManual: viaKubectlDebug,
}, RUNS);
