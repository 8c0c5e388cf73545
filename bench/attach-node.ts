// Remote attach to Node, attach → first stop, on the project's test cluster, against the manual way in the same run:
//  * kmirror: a DAP client asks kmirror-dap to attach to `deploy/web` (agent placed, SIGUSR1 to the process, its
//    inspector reached on the pod's loopback through the tunnel, the CDP bridge), sets a breakpoint in the handler,
//    configurationDone, one request to the pod → `stopped`.
//  * manual: `kubectl debug --target=app` with busybox sending SIGUSR1 to process 1, `kubectl port-forward` to the
//    inspector's 9229, a bare CDP client (ws) setting the same breakpoint → `Debugger.paused` for the same request
//    (a bare client, not a DAP server: no standalone Node DAP server exists to compare with).
// Both then resume and detach. Median of RUNS each, alternating; prints the ratio kmirror / manual.
// Without the cluster it prints NOT MEASURED with the reason.
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { lineWith } from '#test/e2e/harness/checkout.js';
import { IMAGES } from '#test/e2e/harness/cluster.js';
import { httpGet, kubectl, portForward, runAttachBench } from './lib/cluster-attach.js';
import { firstStop, startDapClient } from './lib/dap-first-stop.js';

const RUNS = Number(process.env.KMIRROR_BENCH_ATTACH_RUNS ?? 3);
const STEP_MS = 60_000;
const SOURCE = resolve('test/cluster/images/node-http/server.js');
const LINE = lineWith(SOURCE, "res.setHeader('content-type'");

function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<never>((_, rej) => { setTimeout(() => rej(new Error(`${what}: nothing within ${STEP_MS / 1000} s`)), STEP_MS).unref(); })]);
}

async function viaKmirror(ns: string, podIp: string): Promise<number> {
  const start = process.hrtime.bigint();
  const dc = await startDapClient();
  try {
    return await firstStop(dc, { attach: { type: 'kmirror', request: 'attach', debugger: 'node', kmirror: { target: { path: 'deploy/web', namespace: ns } },
      localRoot: resolve(SOURCE, '..'), remoteRoot: '/app', targetTimeoutMs: 120_000 }, path: SOURCE, line: LINE, podIp }, start);
  } finally {
    await dc.stop();
  }
}

/** A bare CDP client: one request at a time, `Debugger.paused` awaited by `paused()`. */
function cdp(url: string): Promise<{ send: (method: string, params?: object) => Promise<unknown>; paused: () => Promise<void>; close: () => void }> {
  const ws = new WebSocket(url);
  let id = 0;
  const waiting = new Map<number, (r: unknown) => void>();
  let onPaused: (() => void) | undefined;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; method?: string; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
    if (m.method === 'Debugger.paused') onPaused?.();
  });
  return bounded('connecting to the inspector', new Promise((res, rej) => {
    ws.once('error', rej);
    ws.once('open', () => res({
      send: (method, params = {}) => bounded(method, new Promise((r) => { waiting.set(++id, r); ws.send(JSON.stringify({ id, method, params })); })),
      paused: () => bounded('Debugger.paused', new Promise<void>((r) => { onPaused = r; })),
      close: () => ws.close(),
    }));
  }));
}

async function viaKubectlAndCdp(ns: string, pod: string, podIp: string, run: number): Promise<number> {
  const start = process.hrtime.bigint();
  await kubectl(['debug', '-n', ns, pod, `--image=${IMAGES.busybox}`, '--image-pull-policy=IfNotPresent', '--target=app', '--profile=general',
    '-c', `manual-usr1-${run}`, '--', 'kill', '-USR1', '1']);
  const { forward, localPort } = await portForward(ns, pod, 9229);
  try {
    // The inspector opens shortly after the signal: poll its list through the port-forward.
    let url: string | undefined;
    while (!url) {
      url = await fetch(`http://127.0.0.1:${localPort}/json/list`).then((r) => r.json() as Promise<Array<{ webSocketDebuggerUrl: string }>>)
        .then((l) => l[0]?.webSocketDebuggerUrl.replace(/\/\/[^/]+\//, `//127.0.0.1:${localPort}/`)).catch(() => undefined);
      if (!url) {
        if (Number(process.hrtime.bigint() - start) / 1e6 > STEP_MS) throw new Error('the inspector did not open within 60 s of SIGUSR1');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const client = await cdp(url);
    try {
      await client.send('Debugger.enable');
      const bp = await client.send('Debugger.setBreakpointByUrl', { url: 'file:///app/server.js', lineNumber: LINE - 1 }) as { breakpointId: string };
      const paused = client.paused();
      const answered = httpGet(`http://${podIp}:8080/bench`);
      await paused;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      await client.send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId });
      await client.send('Debugger.resume');
      await answered;
      await client.send('Debugger.disable');
      return ms;
    } finally {
      client.close();
    }
  } finally {
    forward.kill();
  }
}

await runAttachBench({
  what: 'node attach', namespace: 'kmb-attach-node', app: 'web', image: IMAGES.nodeHttp,
  manualWay: 'kubectl debug (SIGUSR1) + port-forward + a bare CDP client', viaKmirror, viaManual: viaKubectlAndCdp,
}, RUNS);
