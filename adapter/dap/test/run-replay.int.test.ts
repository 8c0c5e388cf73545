// `kmirror-dap run --replay FILE#ID` (dist/kmirror-dap.js) with a local target: a process in a
// fresh network namespace is the target (pid/N) and the Python program's port is stolen from it;
// once the program runs and has subscribed, kmirror-dap sends it the recorded failing request
// (exchange 2 of a recording made with the recording writer, as the capture side makes it), and
// the breakpoint in the handler prints that request's path and its redacted Authorization header.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '#test/harness/free-port.js';
import { createNetns, requireRoot, type TestNetns } from '#test/harness/netns.js';
import { http, writeScriptedRecording } from '#runtime/recording/test-recordings.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dapBundle = join(root, 'dist/kmirror-dap.js');
const appDir = join(root, 'adapter/sdk/test/fixtures/http');
let work: string;
let ns: TestNetns;
let targetPid: number;

beforeAll(async () => {
  requireRoot();
  if (!existsSync(dapBundle)) throw new Error('dist/kmirror-dap.js missing: run node scripts/bundle.mjs');
  work = mkdtempSync(join(tmpdir(), 'kmirror-run-replay-'));
  ns = createNetns();
  const target = ns.spawn('sleep', ['600']);
  await once(target, 'spawn');
  targetPid = target.pid ?? 0;
});
afterAll(() => {
  ns?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('stops at the handler breakpoint with the recorded request and exits after --count 1', { timeout: 120_000 }, async () => {
  const port = await freePort();
  const recording = join(work, 'failing.kmrec');
  await writeScriptedRecording(recording, {
    serverPort: port,
    connections: [
      { segments: [['request', http.get('/hello/fine')], ['response', http.ok('hi fine')]] },
      { segments: [['request', http.get('/hello/failing-7', 'Authorization: Bearer pod-secret\r\n')], ['response', http.ok('upstream died', 500)]] },
    ],
  });
  const config = join(work, 'steal.json');
  writeFileSync(config, JSON.stringify({ feature: { network: { incoming: { mode: 'steal', ports: [port] } } } }));
  const child = spawn(process.execPath, [dapBundle, 'run', '--target', `pid/${targetPid}`, '--config', config, '--cwd', appDir,
    '--break', 'app.py:11', '--print', 'self.path', '--print', "self.headers['Authorization']", '--json', '--count', '1', '--timeout', '90',
    '--replay', `${recording}#2`, '--', 'python3', 'app.py'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(err).toContain(`kmirror-dap run: replaying 2 (GET /hello/failing-7) into 127.0.0.1:`);
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines, err).toEqual([
      { event: 'hit', hit: 1, file: join(appDir, 'app.py'), line: 11, function: 'do_GET', values: { 'self.path': "'/hello/failing-7'", "self.headers['Authorization']": "'<redacted by kmirror>'" } },
      { event: 'end', reason: 'count', exitCode: 0, hits: 1 },
    ]);
    expect(code).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});
