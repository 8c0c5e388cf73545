// Remote attach to Python by pid (debugpy injected), attach → first stop, on the project's test cluster, against the
// manual way in the same run:
//  * kmirror: a DAP client asks kmirror-dap to attach to `deploy/py` (agent placed, process checked and held,
//    debugger container placed, debugpy copied into the target and injected, DAP relayed through the tunnel), sets a
//    breakpoint in the handler, configurationDone, one request to the pod → `stopped`.
//  * manual: `kubectl debug --target=app --profile=general` with the same debugger image running
//    `kmirror-debugpy --pid 1`, its port read from `kubectl logs`, `kubectl port-forward` to it, a DAP client
//    attaching (processId 1), the same breakpoint and request → `stopped`.
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
const SOURCE = resolve('test/cluster/images/python-http/server.py');
const LINE = readFileSync(SOURCE, 'utf8').split('\n').findIndex((l) => l.includes("body = (greeting + '\\n').encode()")) + 1;
const PATH_MAPPINGS = [{ localRoot: resolve(SOURCE, '..'), remoteRoot: '/app' }];




/** attach (answered by debugpy only after configurationDone), breakpoint, one request, `stopped`; then continue and detach. */
async function stopOnce(dc: DebugClient, attach: Record<string, unknown>, podIp: string, start: bigint): Promise<number> {
  const initialized = dc.waitForEvent('initialized');
  const attached = dc.attachRequest(attach as DebugProtocol.AttachRequestArguments);
  await initialized;
  // Conditional: the kubelet's readiness probes go through the same handler.
  await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [{ line: LINE, condition: 'self.path == "/bench"' }] });
  await dc.configurationDoneRequest();
  await attached;
  const answered = httpGet(`http://${podIp}:8080/bench`);
  const stopped = await dc.waitForEvent('stopped') as DebugProtocol.StoppedEvent;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await dc.setBreakpointsRequest({ source: { path: SOURCE }, breakpoints: [] });
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
    return await stopOnce(dc, { type: 'kmirror', request: 'attach', debugger: 'python', kmirror: { target: { path: 'deploy/py', namespace: ns } },
      localRoot: PATH_MAPPINGS[0]!.localRoot, remoteRoot: '/app', targetTimeoutMs: 120_000 }, podIp, start);
  } finally {
    await dc.stop();
  }
}

async function viaKubectlDebug(ns: string, pod: string, podIp: string, run: number): Promise<number> {
  const start = process.hrtime.bigint();
  const { forward, localPort } = await manualDebuggerContainer(ns, pod, `manual-debugpy-${run}`, DEFAULT_DEBUGGER_IMAGE, ['/usr/local/bin/kmirror-debugpy', '--pid', '1']);
  try {
    const dc = new DebugClient('debugpy', '', 'python');
    dc.defaultTimeout = 120_000;
    await dc.start(localPort);
    await dc.initializeRequest({ adapterID: 'python', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    return await stopOnce(dc, { processId: 1, pathMappings: PATH_MAPPINGS }, podIp, start);
  } finally {
    // The port-forward holds the client's socket open after the adapter exits: end it first, or DebugClient.stop() waits.
    forward.kill();
  }
}

await runAttachBench({
  what: 'python attach by pid', namespace: 'kmb-attach-py', app: 'py', image: IMAGES.pythonHttp,
  manualWay: 'kubectl debug + kmirror-debugpy + port-forward', viaKmirror, viaManual: viaKubectlDebug,
}, RUNS);
