// Record at a Deployment, replay into a local program under a breakpoint: `kmirror record` mirrors
// deploy/web while a client pod sends it requests (the pod keeps answering), stops at
// --max-requests; the recording is read and indexed as `kmirror recording ls` does; `kmirror-dap run --replay
// FILE#ID` then runs a local program with deploy/web as target (the pod's port stolen to the
// program's kernel-picked port through port_mapping) and the
// breakpoint in its handler prints the recorded request's path — for a Python and a Go (dlv) program.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { indexRecording } from '#runtime/recording/recording-index.js';
import { readRecordingFile } from '#runtime/recording/reader.js';
import { ClusterGuard, IMAGES, KUBECONFIG_PATH, openGuardedNamespace } from './harness/cluster.js';
import { createClientPod, deployApp, readyPodName, requestFromCluster, waitForNoKmirrorObjects } from './k8s/fixtures.js';
import { startRecord } from '../recording/helpers/record-cli.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const KMIRROR_DAP = join(ROOT, 'dist/kmirror-dap.js');
const APP_DIR = join(ROOT, 'adapter/sdk/test/fixtures/http');
let guard: ClusterGuard;
let core: CoreV1Api;
let ns: string;
let client: string;
let dir: string;
let appDir: string;

beforeAll(async () => {
  process.env.KUBECONFIG = KUBECONFIG_PATH;
  ({ guard, core, ns } = await openGuardedNamespace('kmt-rec'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'from the pod');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-rec-'));
  appDir = join(dir, 'app');
  cpSync(APP_DIR, appDir, { recursive: true });
  execFileSync('go', ['build', '-gcflags=all=-N -l', '-o', 'httpapp', '.'], { cwd: appDir, stdio: 'pipe', timeout: 180_000 });
  await recordAtDeployment();
}, 420_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (guard) await waitForNoKmirrorObjects(guard.kc, ns, 30_000).catch(() => undefined);
  await guard?.dispose();
});

let file: string;
let recordedId: string;
let recordedPath: string;

/** Records at deploy/web while the client pod sends requests, until --max-requests ends it. */
async function recordAtDeployment(): Promise<void> {
  const token = randomBytes(4).toString('hex');
  file = join(dir, 'web.kmrec');
  const rec = await startRecord(['--target', 'deploy/web', '-n', ns, '--port', '8080', '--max-requests', '3', '-o', file]);
  try {
    for (let i = 0; rec.child.exitCode === null && i < 60; i++) {
      expect(await requestFromCluster(ns, client, `http://web/orders/${token}/${i}`)).toContain('from the pod');
    }
    expect(await Promise.race([rec.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]), rec.stderr()).toBe(0);
  } finally {
    await rec.stop();
  }
  const index = indexRecording(readRecordingFile(file));
  const item = index.items.find((i) => i.kind === 'exchange' && i.exchange.path.startsWith(`/orders/${token}/`));
  if (item?.kind !== 'exchange') throw new Error(`no /orders/${token}/ exchange in the recording: ${index.items.map((i) => i.id).join(', ')}`);
  expect(item.exchange.status).toBe(200);
  recordedId = item.id;
  recordedPath = item.exchange.path;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const languages = [
  { name: 'python', command: ['python3', 'app.py'], debugger: [], file: 'app.py', line: 11, expr: 'self.path', fn: 'do_GET', quoted: (s: string) => `'${s}'` },
  { name: 'go', command: ['./httpapp'], debugger: ['--debugger', 'go'], file: 'main.go', line: 15, expr: 'r.URL.Path', fn: 'main.handle', quoted: (s: string) => `"${s}"` },
];

it.each(languages)('replays the recorded request into a local $name program that stops on it with the recorded path', { timeout: 200_000 }, async (lang) => {
  // The program listens on a kernel-picked local port mapped to the pod's 8080: the replay finds it through that subscription.
  const local = await freePort();
  writeFileSync(join(dir, '.kmirror.json'), JSON.stringify({
    target: { path: 'deploy/web', namespace: ns }, feature: { network: { incoming: { mode: 'steal', port_mapping: [[local, 8080]] } } },
  }));
  const run = spawn(process.execPath, [KMIRROR_DAP, 'run', '--json', '--config', join(dir, '.kmirror.json'), '--cwd', appDir, '--count', '1', '--timeout', '120',
    ...lang.debugger, '--break', `${lang.file}:${lang.line}`, '--print', lang.expr, '--replay', `${file}#${recordedId}`, '--', ...lang.command],
  { cwd: appDir, env: { ...process.env, PORT: String(local) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  run.stdout.on('data', (d: Buffer) => (out += d.toString()));
  run.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const [code] = (await once(run, 'exit')) as [number | null];
    const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events, err).toEqual([
      { event: 'hit', hit: 1, file: join(appDir, lang.file), line: lang.line, function: expect.stringContaining(lang.fn), values: { [lang.expr]: lang.quoted(recordedPath) } },
      { event: 'end', reason: 'count', exitCode: 0, hits: 1 },
    ]);
    expect(code).toBe(0);
  } finally {
    run.kill('SIGKILL');
  }
});
