// `kmirror exec` with steal: a program that answers a stolen request and exits at once (Go's
// os.Exit right after the reply, a one-shot CLI server) must not lose the tail of its answer while
// the session shuts down — the pod's client receives every byte.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#test/harness/free-port.js';
import { repoRoot } from './build-apps.js';
import { createLayerTarget, type LayerTarget } from './target-fixture.js';

const BODY_BYTES = 8 * 1024 * 1024;
const PORT = 8091; // the target's port, in its own network namespace; the program's is kernel-picked
let target: LayerTarget;
let dir: string;

beforeAll(async () => {
  target = await createLayerTarget();
  dir = mkdtempSync(join(tmpdir(), 'kmirror-exit-flush-'));
});

afterAll(() => {
  target?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET from the host side of the veth (a pod client); resolves with the body's length and sha256. */
function fetchFromPod(url: string, deadlineMs: number): Promise<{ length: number; sha: string }> {
  const end = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const req = request(url, { timeout: 20_000 }, (res) => {
        const hash = createHash('sha256');
        let length = 0;
        res.on('data', (c: Buffer) => { hash.update(c); length += c.length; });
        res.on('end', () => resolve({ length, sha: hash.digest('hex') }));
        res.on('error', reject);
      });
      req.on('error', (e) => (Date.now() < end ? setTimeout(attempt, 100) : reject(e)));
      req.end();
    };
    attempt();
  });
}

describe('kmirror exec: a program that exits right after answering', () => {
  it('delivers the whole stolen answer to the pod client', async () => {
    const app = join(dir, 'one-shot.js');
    const localPort = await freePort();
    // Answers one request with 8 MiB, then exits as soon as the last byte is handed to the kernel.
    writeFileSync(app, `
      const body = Buffer.alloc(${BODY_BYTES}, 'k');
      const server = require('http').createServer((q, s) => {
        s.writeHead(200, { 'content-length': body.length, connection: 'close' });
        s.end(body, () => process.exit(0));
      });
      server.listen(${localPort}, '0.0.0.0', () => console.log('listening'));
    `);
    const config = join(dir, 'kmirror.json');
    writeFileSync(config, JSON.stringify({ feature: { network: { incoming: { mode: 'steal', ports: [PORT], port_mapping: [[localPort, PORT]] } } } }));
    const exec = spawn(process.execPath, [join(repoRoot, 'dist/kmirror.js'), 'exec', '--target', `pid/${target.pid}`, '-f', config, '--', process.execPath, app], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    exec.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => exec.on('exit', (c) => r(c)));
    try {
      await new Promise<void>((resolve, reject) => {
        exec.stdout.on('data', (d: Buffer) => { if (d.toString().includes('listening')) resolve(); });
        exec.once('exit', (c) => reject(new Error(`kmirror exec exited (${c}) before listening: ${stderr}`)));
      });
      const got = await fetchFromPod(`http://${target.podIp}:${PORT}/`, 10_000);
      const want = createHash('sha256').update(Buffer.alloc(BODY_BYTES, 'k')).digest('hex');
      expect(got.length).toBe(BODY_BYTES);
      expect(got.sha).toBe(want);
      expect(await exited).toBe(0);
    } finally {
      exec.kill('SIGKILL');
    }
  });
});
