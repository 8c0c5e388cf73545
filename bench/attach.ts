// Remote attach to Go, attach → first stop, on the project's test cluster, against the manual way in the same run:
//  * kmirror: a DAP client asks kmirror-dap to attach to `deploy/api` (agent placed, process checked and held,
//    debugger container with dlv placed, DAP relayed through the tunnel), sets a breakpoint in the handler,
//    configurationDone, one request to the pod → `stopped`.
//  * manual: `kubectl debug --target=app --profile=general` with the same debugger image running `dlv dap`, its
//    port read from `kubectl logs`, `kubectl port-forward` to it, a DAP client attaching (mode local, pid 1), the
//    same breakpoint and request → `stopped`.
// Both then continue and detach. Median of RUNS each, alternating; prints the ratio kmirror / manual.
// Without the cluster it prints NOT MEASURED with the reason.
import { resolve } from 'node:path';
import { DEFAULT_DEBUGGER_IMAGE } from '#runtime/placement/debugger-placement.js';
import { lineWith } from '#test/e2e/harness/checkout.js';
import { IMAGES } from '#test/e2e/harness/cluster.js';
import { manualDebuggerContainer, runAttachBench } from './lib/cluster-attach.js';
import { firstStop, startDapClient } from './lib/dap-first-stop.js';

const RUNS = Number(process.env.KMIRROR_BENCH_ATTACH_RUNS ?? 3);
const SOURCE = resolve('test/cluster/images/go-http/main.go');
const REMOTE_SOURCE = '/build/go-http/main.go';
// The handler's w.Header().Set("content-type", …)
const LINE = lineWith(SOURCE, 'w.Header().Set("content-type"');

async function viaKmirror(ns: string, podIp: string): Promise<number> {
  const start = process.hrtime.bigint();
  const dc = await startDapClient();
  try {
    return await firstStop(dc, { attach: { type: 'kmirror', request: 'attach', debugger: 'go', kmirror: { target: { path: 'deploy/api', namespace: ns } },
      localRoot: resolve(SOURCE, '..'), remoteRoot: resolve(REMOTE_SOURCE, '..'), targetTimeoutMs: 120_000 }, path: SOURCE, line: LINE, podIp }, start);
  } finally {
    await dc.stop();
  }
}

async function viaKubectlDebug(ns: string, pod: string, podIp: string, run: number): Promise<number> {
  const start = process.hrtime.bigint();
  const { forward, localPort } = await manualDebuggerContainer(ns, pod, `manual-dlv-${run}`, DEFAULT_DEBUGGER_IMAGE, ['/usr/local/bin/dlv', 'dap', '--listen', '127.0.0.1:0']);
  try {
    const dc = await startDapClient({ port: localPort, adapterID: 'go' });
    return await firstStop(dc, { attach: { mode: 'local', processId: 1, substitutePath: [{ from: resolve(SOURCE, '..'), to: resolve(REMOTE_SOURCE, '..') }] },
      path: SOURCE, line: LINE, podIp }, start);
  } finally {
    // The port-forward holds the client's socket open after dlv exits: end it first, or DebugClient.stop() waits.
    forward.kill();
  }
}

await runAttachBench({
  what: 'go attach', namespace: 'kmb-attach', app: 'api', image: IMAGES.goHttpDebug,
  manualWay: 'kubectl debug + dlv dap + port-forward', viaKmirror, viaManual: viaKubectlDebug,
}, RUNS);
