// kmirror-dap overhead, measured against the bare backend in the same run (no target):
//  * DAP request round trip (`threads` while stopped, median of 200) through kmirror-dap vs the
//    debugger directly — goal: ≤ 1 ms added;
//  * time from `initialize` to the first `stopped` at a breakpoint — goal: ≤ 1.2× the bare backend.
//  * what a user waits for: `launch` → first `stopped` with a target, kmirror-dap's own start-up
//    included (spawn kmirror-dap on stdio, initialize, launch, stopped; the agent, the layer and the
//    debugger start inside that), per backend, against the bare debugger — goal: ≤ bare + 1 s with
//    a local `pid/N` target, ≤ bare + 3 s with `deploy/web` on the project's cluster (that row says
//    NOT MEASURED, with the reason, when the cluster is down).
// Clients are Microsoft's DebugClient. For the first two kmirror-dap runs as a TCP server started
// once (`--port 0`), so its process start-up is reported separately; debugpy/lldb run on stdio, bare
// dlv on TCP. Node's baseline is the raw inspector protocol (there is no bare Node DAP server).
// Run: npm run bench (or bundle this file with esbuild and run it with node).
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { createNetns, spawnSleepTarget } from '#test/harness/netns.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH } from '#test/e2e/harness/cluster.js';
import { deployApp, readyPodName } from '#test/e2e/k8s/fixtures.js';

const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RTT_SAMPLES = Number(process.env.BENCH_RTT ?? 200);
const CLUSTER_RUNS = Number(process.env.BENCH_DAP_CLUSTER_RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), 'kmirror-dap-bench-'));
cpSync(join(ROOT, 'adapter/dap/test/fixtures'), work, { recursive: true });
execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'app', '.'], { cwd: join(work, 'go') });
execFileSync('gcc', ['-g', '-O0', '-o', 'app', 'app.c'], { cwd: join(work, 'c') });
const lldbWrapper = join(work, 'lldb.sh');
writeFileSync(lldbWrapper, '#!/bin/sh\nexec /usr/bin/lldb-vscode-15 "$@"\n', { mode: 0o755 });
const bundle = join(ROOT, 'dist/kmirror-dap.js');
if (!existsSync(bundle)) throw new Error(`${bundle} missing: run bash scripts/build.sh (or node scripts/bundle.mjs)`);

const breakLine = (path: string): number => readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('BREAK')) + 1;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const env = { KM_GREETING: 'bench', KM_FOREVER: '1' };

interface Case {
  name: string;
  source: string;
  kmirror: Record<string, unknown>;
  bare: { start(): Promise<{ dc: DebugClient; stop(): void }>; launch: Record<string, unknown> };
}

async function dlvClient(): Promise<{ dc: DebugClient; stop(): void }> {
  const dlv = spawn('dlv', ['dap', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((resolve) => dlv.stdout.on('data', (d: Buffer) => {
    const m = /listening at: [\d.]+:(\d+)/.exec(d.toString());
    if (m) resolve(Number(m[1]));
  }));
  const dc = new DebugClient('dlv', '', 'go');
  await dc.start(port);
  return { dc, stop: () => dlv.kill('SIGKILL') };
}
/** kmirror-dap as a TCP server (`--port 0`), started once: per-session overhead without process start-up. */
const server = spawn(process.execPath, [bundle, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const serverPort = await new Promise<number>((resolve) => server.stdout.on('data', (d: Buffer) => {
  const m = /listening on [\d.]+:(\d+)/.exec(d.toString());
  if (m) resolve(Number(m[1]));
}));
async function kmirrorClient(): Promise<{ dc: DebugClient; stop(): void }> {
  const dc = new DebugClient('node', '', 'kmirror');
  await dc.start(serverPort);
  return { dc, stop: () => undefined };
}

async function stdioClient(runtime: string, executable: string): Promise<{ dc: DebugClient; stop(): void }> {
  const dc = new DebugClient(runtime, executable, 'bench');
  await dc.start();
  return { dc, stop: () => undefined };
}

const cases: Case[] = [
  { name: 'go (dlv)', source: join(work, 'go/main.go'), kmirror: { program: join(work, 'go/app') },
    bare: { start: dlvClient, launch: { mode: 'exec', program: join(work, 'go/app') } } },
  { name: 'python (debugpy)', source: join(work, 'py/app.py'), kmirror: { program: join(work, 'py/app.py') },
    bare: { start: () => stdioClient('/usr/bin/python3', '/usr/lib/python3/dist-packages/debugpy/adapter'), launch: { program: join(work, 'py/app.py'), console: 'internalConsole' } } },
  { name: 'c (lldb-vscode)', source: join(work, 'c/app.c'), kmirror: { program: join(work, 'c/app') },
    bare: { start: () => stdioClient('/bin/sh', lldbWrapper), launch: { program: join(work, 'c/app'), envArray: true } } },
];

/** initialize → launch → breakpoint → configurationDone → stopped; returns ms and leaves it stopped. */
async function toStopped(dc: DebugClient, launch: Record<string, unknown>, source: string, verified = true, timeoutMs = 30_000): Promise<number> {
  dc.defaultTimeout = timeoutMs;
  const t0 = performance.now();
  await dc.hitBreakpoint(launch as never, { path: source, line: breakLine(source), verified });
  return performance.now() - t0;
}

async function roundTrips(dc: DebugClient): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RTT_SAMPLES; i++) {
    const t0 = performance.now();
    await dc.threadsRequest();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Launch time counts from before the client connects (bare dlv's process start is part of it). */
async function measure(start: () => Promise<{ dc: DebugClient; stop(): void }>, launch: Record<string, unknown>, source: string): Promise<{ stopMs: number; rttMs: number }> {
  const t0 = performance.now();
  const { dc, stop } = await start();
  try {
    await toStopped(dc, launch, source);
    const total = performance.now() - t0;
    return { stopMs: total, rttMs: await roundTrips(dc) };
  } finally {
    await dc.stop().catch(() => undefined);
    stop();
  }
}

function bareLaunch(c: Case): Record<string, unknown> {
  const { envArray, ...rest } = c.bare.launch;
  return { ...rest, env: envArray ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : env };
}

console.log(`kmirror-dap overhead (${RUNS} runs each, RTT = median of ${RTT_SAMPLES} threads requests while stopped)`);
console.log('backend            | bare stop ms | kmirror stop ms | ratio | bare RTT ms | kmirror RTT ms | added ms');
const bareStop = new Map<string, number>(); // backend → median bare launch-to-stopped, the baseline of the target rows
for (const c of cases) {
  const bare = { stop: [] as number[], rtt: [] as number[] };
  const km = { stop: [] as number[], rtt: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const b = await measure(c.bare.start, bareLaunch(c), c.source);
    bare.stop.push(b.stopMs); bare.rtt.push(b.rttMs);
    const k = await measure(kmirrorClient, { type: 'kmirror', request: 'launch', ...c.kmirror, env }, c.source);
    km.stop.push(k.stopMs); km.rtt.push(k.rttMs);
  }
  const [bs, ks, br, kr] = [median(bare.stop), median(km.stop), median(bare.rtt), median(km.rtt)];
  bareStop.set(c.name, bs);
  console.log(`${c.name.padEnd(18)} | ${bs.toFixed(0).padStart(12)} | ${ks.toFixed(0).padStart(15)} | ${(ks / bs).toFixed(2).padStart(5)} | ${br.toFixed(3).padStart(11)} | ${kr.toFixed(3).padStart(14)} | ${(kr - br).toFixed(3).padStart(8)}`);
}

// Node: kmirror-dap's bridge vs the raw inspector protocol (node --inspect-brk + CDP), launch to first breakpoint.
/** Each raw-CDP step is bounded: a node that never prints its URL or never pauses once hung a bench run. */
const RAW_CDP_STEP_MS = 30_000;
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`raw CDP baseline: ${what} did not happen within ${RAW_CDP_STEP_MS} ms`)), RAW_CDP_STEP_MS); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function rawCdpToStopped(program: string, line: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', program], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`raw CDP baseline: node exited (${code ?? signal}) before the breakpoint`))));
  exited.catch(() => undefined); // only raced below; the kill in finally must not be an unhandled rejection
  let ws: WebSocket | undefined;
  try {
    const url = await within(Promise.race([exited, new Promise<string>((resolve) => child.stderr.on('data', (d: Buffer) => { const m = /ws:\/\/\S+/.exec(d.toString()); if (m) resolve(m[0]); }))]), 'the inspector URL on stderr');
    const socket = new WebSocket(url);
    ws = socket;
    await within(Promise.race([exited, new Promise((r) => socket.once('open', r))]), `the inspector connection to ${url}`);
    let id = 0;
    const paused: string[] = [];
    let onPause: (() => void) | undefined;
    socket.on('message', (d) => { const m = JSON.parse(d.toString()) as { method?: string; params?: { reason: string } }; if (m.method === 'Debugger.paused') { paused.push(m.params!.reason); onPause?.(); } });
    const send = (method: string, params = {}): void => { socket.send(JSON.stringify({ id: ++id, method, params })); };
    send('Runtime.enable'); send('Debugger.enable');
    send('Debugger.setBreakpointByUrl', { url: `file://${program}`, lineNumber: line - 1 });
    const hit = new Promise<void>((resolve) => { onPause = () => { if (paused.length === 1) send('Debugger.resume'); else resolve(); }; });
    send('Runtime.runIfWaitingForDebugger');
    await within(Promise.race([exited, hit]), `a pause at ${program}:${line}`);
    return performance.now() - t0;
  } finally {
    ws?.close();
    child.kill('SIGKILL');
  }
}
const js = join(work, 'js/app.js');
const raw: number[] = [];
const kmNode: number[] = [];
for (let i = 0; i < RUNS; i++) {
  raw.push(await rawCdpToStopped(js, breakLine(js)));
  const t0 = performance.now();
  const { dc } = await kmirrorClient();
  try {
    await toStopped(dc, { type: 'kmirror', request: 'launch', program: js, env }, js, false);
    kmNode.push(performance.now() - t0);
  } finally {
    await dc.stop().catch(() => undefined);
  }
}
bareStop.set('node (inspector)', median(raw));
console.log(`node (bridge vs raw CDP) | raw CDP stop ms ${median(raw).toFixed(0)} | kmirror stop ms ${median(kmNode).toFixed(0)} | ratio ${(median(kmNode) / median(raw)).toFixed(2)}`);
// Process start-up of the stdio adapter (what an editor pays once per session on stdio).
const startup: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const { dc } = await stdioClient(process.execPath, bundle);
  await dc.initializeRequest();
  startup.push(performance.now() - t0);
  await dc.stop().catch(() => undefined);
}
console.log(`kmirror-dap stdio start-up (spawn → initialize answered): ${median(startup).toFixed(0)} ms (not included above)`);
await userWaitRows();
server.kill();
rmSync(work, { recursive: true, force: true });
process.exit(0);

/** Spawn kmirror-dap on stdio → initialize → launch → first stopped; then disconnect. */
async function stdioLaunchToStopped(launch: Record<string, unknown>, source: string, verified: boolean, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const dc = new DebugClient(process.execPath, bundle, 'kmirror');
  await dc.start();
  try {
    await toStopped(dc, launch, source, verified, timeoutMs);
    return performance.now() - t0;
  } finally {
    await dc.disconnectRequest({ terminateDebuggee: true }).catch(() => undefined);
    await dc.stop().catch(() => undefined);
  }
}

/** The user's wait with a target, per backend, against the bare debugger measured above. */
async function userWaitRows(): Promise<void> {
  const backends = [
    ...cases.map((c) => ({ name: c.name, source: c.source, program: c.kmirror, verified: true })),
    { name: 'node (inspector)', source: js, program: { program: js }, verified: false },
  ];
  const row = async (where: string, runs: number, goalMs: number, launchExtra: Record<string, unknown>, timeoutMs: number): Promise<void> => {
    for (const b of backends) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await stdioLaunchToStopped({ type: 'kmirror', request: 'launch', ...b.program, env, ...launchExtra }, b.source, b.verified, timeoutMs));
      const [bare, km] = [bareStop.get(b.name) ?? NaN, median(times)];
      const added = km - bare;
      console.log(`${b.name.padEnd(18)} | ${where.padEnd(22)} | ${bare.toFixed(0).padStart(7)} | ${km.toFixed(0).padStart(10)} | ${(km / bare).toFixed(2).padStart(5)} | ${added.toFixed(0).padStart(8)} | ${added <= goalMs ? 'met' : 'MISSED'} (≤ bare + ${goalMs / 1000} s)`);
    }
  };
  console.log(`launch → first stopped with a target, kmirror-dap start-up included (median of ${RUNS} local / ${CLUSTER_RUNS} cluster runs; bare = the bare debugger above)`);
  console.log('backend            | target                 | bare ms | kmirror ms | ratio | added ms | goal');
  const ns = createNetns();
  try {
    const targetPid = await spawnSleepTarget(ns, {});
    await row(`pid/${targetPid} (local)`, RUNS, 1_000, { target: `pid/${targetPid}`, targetTimeoutMs: 30_000 }, 60_000);
  } finally {
    ns.cleanup();
  }
  if (!existsSync(KUBECONFIG_PATH)) {
    console.log(`cluster row: NOT MEASURED — the project's cluster is down (no ${KUBECONFIG_PATH}; npm run cluster:up)`);
    return;
  }
  const guard = new ClusterGuard();
  try {
    const namespace = await guard.namespace('kmb-dap');
    await deployApp(guard.kc, namespace, 'web', IMAGES.nodeHttp, 'bench');
    await readyPodName(guard.core, namespace, 'web');
    process.env.KUBECONFIG = KUBECONFIG_PATH; // kmirror-dap inherits it
    await row('deploy/web (cluster)', CLUSTER_RUNS, 3_000, { kmirror: { target: { path: 'deploy/web', namespace } }, targetTimeoutMs: 120_000 }, 180_000);
  } catch (err) {
    console.log(`cluster row: NOT MEASURED — ${(err as Error).message.split('\n')[0]}`);
  } finally {
    await guard.dispose().catch(() => undefined);
  }
}
