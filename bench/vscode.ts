// Real VS Code (code-server + headless chromium, as in ide-clients/test/vscode-real.int.test.ts):
// time from "Start Debugging" (F5) to the editor showing the breakpoint line as the top stack frame, for
// the same program with a target (kmirror starts its agent, the program runs under the layer) and without
// one (the bare debugger through kmirror-dap). Rows: Python and Go against a local pid/N target, and
// Python against `deploy/web` in the project's test cluster when it is up (else the row says it was not
// measured, and why). Median of KMIRROR_BENCH_VSCODE_RUNS (default 3) F5s per mode in one workbench.
// Needs root, a build and scripts/install-editors.sh. Run: npm run bench, or bundle with esbuild.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createNetns, requireRoot, spawnSleepTarget } from '../test/harness/netns.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH } from '../test/e2e/harness/cluster.js';
import { deployApp, readyPodName } from '../test/e2e/k8s/fixtures.js';
import { startCodeServer, type CodeServer } from '../ide-clients/test/vscode-real/code-server.js';
import { openWorkbench, stopDebugging, toggleBreakpointAt } from '../ide-clients/test/vscode-real/workbench.js';
import { writeLaunchJson } from '../ide-clients/test/vscode-real/workspace.js';

const ROOT = process.cwd();
const RUNS = Number(process.env.KMIRROR_BENCH_VSCODE_RUNS ?? 3);
const version = (JSON.parse(readFileSync(join(ROOT, 'ide-clients/vscode/package.json'), 'utf8')) as { version: string }).version;
const vsix = join(ROOT, 'dist', `kmirror-vscode-${version}.vsix`);
const breakLine = (path: string): number => readFileSync(path, 'utf8').split('\n').findIndex((l) => l.includes('BREAK')) + 1;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

interface Program { name: string; dir: string; program: string; source: string }
const PYTHON: Program = { name: 'python', dir: 'py', program: 'app.py', source: 'app.py' };
const GO: Program = { name: 'go', dir: 'go', program: 'app', source: 'main.go' };

/** Median ms from F5 to the top-frame line highlight, over RUNS sessions of `target` (none: bare). */
async function f5ToStopped(codeServer: CodeServer, work: string, p: Program, target: string | undefined, extra: Record<string, unknown> = {}): Promise<number> {
  const folder = join(work, `${p.name}-${target ? target.replace(/\W+/g, '-') : 'bare'}`);
  cpSync(join(ROOT, 'adapter/dap/test/fixtures', p.dir), folder, { recursive: true });
  if (p === GO) execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'app', '.'], { cwd: folder, env: { ...process.env, GOFLAGS: '-mod=mod' } });
  writeLaunchJson(folder, `${p.name} ${target ?? 'no target'}`, p.program, target, target ? extra : {});
  const source = join(folder, p.source);
  const wb = await openWorkbench(codeServer.url, folder);
  try {
    await toggleBreakpointAt(wb.page, basename(source), breakLine(source));
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await wb.page.keyboard.press('F5');
      // The stopped editor: the top frame's line highlight (the Call Stack may list dlv's threads collapsed).
      await wb.page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { timeout: 180_000 });
      times.push(performance.now() - t0);
      await stopDebugging(wb.page);
      await wb.page.waitForSelector('.monaco-editor .debug-top-stack-frame-line', { state: 'detached', timeout: 30_000 });
    }
    return median(times);
  } finally {
    await wb.close();
  }
}

function row(name: string, bare: number, target: number, label: string): void {
  console.log(`${name}: F5 → paused at the breakpoint (median of ${RUNS}): no target ${bare.toFixed(0)} ms, ${label} ${target.toFixed(0)} ms, ratio ${(target / bare).toFixed(2)}×`);
}

/** Why the cluster row cannot be measured, or undefined when the test cluster answers. */
async function clusterMissing(): Promise<string | undefined> {
  if (!existsSync(KUBECONFIG_PATH)) return `the test cluster is not up (${KUBECONFIG_PATH} missing; npm run cluster:up)`;
  try {
    const guard = new ClusterGuard();
    await Promise.race([guard.core.listNamespace({ limit: 1 }), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer in 10 s')), 10_000).unref())]);
    return undefined;
  } catch (e) {
    return `the test cluster's API server does not answer: ${e instanceof Error ? e.message : String(e)}`;
  }
}

requireRoot();
const work = mkdtempSync(join(tmpdir(), 'kmirror-vscode-bench-'));
const ns = createNetns();
const env = existsSync(KUBECONFIG_PATH) ? { KUBECONFIG: KUBECONFIG_PATH } : {};
const codeServer = await startCodeServer(vsix, { env }).catch((e: unknown) => { ns.cleanup(); rmSync(work, { recursive: true, force: true }); throw e; });
try {
  const targetPid = await spawnSleepTarget(ns, { KM_GREETING: `bench-${randomBytes(4).toString('hex')}` });
  for (const p of [PYTHON, GO]) {
    const bare = await f5ToStopped(codeServer, work, p, undefined);
    row(`${p.name} (local)`, bare, await f5ToStopped(codeServer, work, p, `pid/${targetPid}`), 'pid/N target');
  }
  const missing = await clusterMissing();
  if (missing) {
    console.log(`python (cluster): NOT MEASURED — ${missing}`);
  } else {
    const guard = new ClusterGuard();
    try {
      const clusterNs = await guard.namespace('kmb-vscode');
      await deployApp(guard.kc, clusterNs, 'web', IMAGES.nodeHttp, 'unused', { env: { KM_GREETING: 'bench' } });
      await readyPodName(guard.core, clusterNs, 'web');
      const bare = await f5ToStopped(codeServer, work, PYTHON, undefined);
      const target = await f5ToStopped(codeServer, work, PYTHON, 'deploy/web', { kmirror: { target: { namespace: clusterNs } }, targetTimeoutMs: 120_000 });
      row('python (cluster)', bare, target, 'deploy/web target');
    } finally {
      await guard.dispose();
    }
  }
} finally {
  await codeServer.stop();
  ns.cleanup();
  rmSync(work, { recursive: true, force: true });
}
