// Record at a Deployment, replay into a local program under a breakpoint: `kmirror record` mirrors
// deploy/web while a client pod sends it requests (the pod keeps answering), stops at
// --max-requests; `kmirror recording ls --json` lists the exchanges; `kmirror-dap run --replay
// FILE#ID` then runs a local Python program with deploy/web as target (its port stolen) and the
// breakpoint in its handler prints the recorded request's path.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

beforeAll(async () => {
  process.env.KUBECONFIG = KUBECONFIG_PATH;
  ({ guard, core, ns } = await openGuardedNamespace('kmt-rec'));
  await deployApp(guard.kc, ns, 'web', IMAGES.nodeHttp, 'from the pod');
  client = await createClientPod(core, ns);
  await readyPodName(core, ns, 'web');
  dir = mkdtempSync(join(tmpdir(), 'kmirror-e2e-rec-'));
}, 300_000);

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (guard) await waitForNoKmirrorObjects(guard.kc, ns, 30_000).catch(() => undefined);
  await guard?.dispose();
});

it('records requests at deploy/web and replays one into a local Python program that stops on it', { timeout: 280_000 }, async () => {
  const token = randomBytes(4).toString('hex');
  const file = join(dir, 'web.kmrec');
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
  const exchanges = index.items.filter((i) => i.kind === 'exchange' && i.exchange.path.startsWith(`/orders/${token}/`));
  expect(exchanges.length).toBeGreaterThanOrEqual(1);
  const item = exchanges[0]!;
  const recordedPath = item.kind === 'exchange' ? item.exchange.path : '';
  expect(item.kind === 'exchange' && item.exchange.status).toBe(200);

  writeFileSync(join(dir, '.kmirror.json'), JSON.stringify({ target: { path: 'deploy/web', namespace: ns }, feature: { network: { incoming: 'steal' } } }));
  const run = spawn(process.execPath, [KMIRROR_DAP, 'run', '--json', '--config', join(dir, '.kmirror.json'), '--cwd', APP_DIR, '--count', '1', '--timeout', '120',
    '--break', 'app.py:11', '--print', 'self.path', '--replay', `${file}#${item.id}`, '--', 'python3', 'app.py'],
  { env: { ...process.env, PORT: '8080' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  run.stdout.on('data', (d: Buffer) => (out += d.toString()));
  run.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const [code] = (await once(run, 'exit')) as [number | null];
    const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events, err).toEqual([
      { event: 'hit', hit: 1, file: join(APP_DIR, 'app.py'), line: 11, function: 'do_GET', values: { 'self.path': `'${recordedPath}'` } },
      { event: 'end', reason: 'count', exitCode: 0, hits: 1 },
    ]);
    expect(code).toBe(0);
  } finally {
    run.kill('SIGKILL');
  }
});
