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
import { resolve } from 'node:path';
import { DEFAULT_DEBUGGER_IMAGE } from '#runtime/placement/debugger-placement.js';
import { lineWith } from '#test/e2e/harness/checkout.js';
import { IMAGES } from '#test/e2e/harness/cluster.js';
import { manualDebuggerContainer, runAttachBench } from './lib/cluster-attach.js';
import { firstStop, startDapClient, type FirstStop } from './lib/dap-first-stop.js';

const RUNS = Number(process.env.KMIRROR_BENCH_ATTACH_RUNS ?? 3);
const SOURCE = resolve('test/cluster/images/python-http/server.py');
const LINE = lineWith(SOURCE, "body = (greeting + '\\n').encode()");
const PATH_MAPPINGS = [{ localRoot: resolve(SOURCE, '..'), remoteRoot: '/app' }];

/** debugpy answers attach only after configurationDone; the kubelet's readiness probes go through the same handler. */
const stop = (attach: Record<string, unknown>, podIp: string): FirstStop => ({
  attach, attachAnsweredAfterConfigurationDone: true, path: SOURCE, line: LINE, condition: 'self.path == "/bench"', podIp,
});

async function viaKmirror(ns: string, podIp: string): Promise<number> {
  const start = process.hrtime.bigint();
  const dc = await startDapClient();
  try {
    return await firstStop(dc, stop({ type: 'kmirror', request: 'attach', debugger: 'python', kmirror: { target: { path: 'deploy/py', namespace: ns } },
      localRoot: PATH_MAPPINGS[0]!.localRoot, remoteRoot: '/app', targetTimeoutMs: 120_000 }, podIp), start);
  } finally {
    await dc.stop();
  }
}

async function viaKubectlDebug(ns: string, pod: string, podIp: string, run: number): Promise<number> {
  const start = process.hrtime.bigint();
  const { forward, localPort } = await manualDebuggerContainer(ns, pod, `manual-debugpy-${run}`, DEFAULT_DEBUGGER_IMAGE, ['/usr/local/bin/kmirror-debugpy', '--pid', '1']);
  try {
    const dc = await startDapClient({ port: localPort, adapterID: 'python' });
    return await firstStop(dc, stop({ processId: 1, pathMappings: PATH_MAPPINGS }, podIp), start);
  } finally {
    // The port-forward holds the client's socket open after the adapter exits: end it first, or DebugClient.stop() waits.
    forward.kill();
  }
}

await runAttachBench({
  what: 'python attach by pid', namespace: 'kmb-attach-py', app: 'py', image: IMAGES.pythonHttp,
  manualWay: 'kubectl debug + kmirror-debugpy + port-forward', viaKmirror, viaManual: viaKubectlDebug,
}, RUNS);
